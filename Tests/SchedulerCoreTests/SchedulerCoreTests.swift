import Testing
@testable import SchedulerCore
