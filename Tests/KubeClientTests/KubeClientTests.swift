import Testing
@testable import KubeClient
