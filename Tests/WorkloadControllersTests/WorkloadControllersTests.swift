import Testing
@testable import WorkloadControllers
