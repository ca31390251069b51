@testable import CRI
import GRPCCore
import Testing

/// Runtime calls end at their deadline with DEADLINE_EXCEEDED, end early when their caller is
/// cancelled, and otherwise return what the call returned (or threw).
@Suite struct CallDeadlineTests {
    @Test func aSlowCallEndsAtItsDeadline() async {
        let started = ContinuousClock.now
        let error = await #expect(throws: RPCError.self) {
            try await ContainerRuntimeClient.withDeadline(.milliseconds(200)) {
                try await Task.sleep(for: .seconds(60))
                return 1
            }
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(ContinuousClock.now - started < .seconds(10))
        // Mapped as the runtime's own deadline errors are.
        #expect(CRIError.from(error!, method: "RuntimeService/Version", socket: "/s").code == .deadlineExceeded)
    }

    @Test func aFastCallReturnsAndItsErrorsPassThrough() async throws {
        #expect(try await ContainerRuntimeClient.withDeadline(.seconds(60)) { 7 } == 7)
        let error = await #expect(throws: RPCError.self) {
            try await ContainerRuntimeClient.withDeadline(.seconds(60)) { () async throws -> Int in
                throw RPCError(code: .notFound, message: "no such container")
            }
        }
        #expect(error?.code == .notFound)
    }

    @Test func cancellingTheCallerCancelsTheCall() async {
        let started = ContinuousClock.now
        let caller = Task {
            try await ContainerRuntimeClient.withDeadline(.seconds(60)) {
                try await Task.sleep(for: .seconds(60))
                return 1
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        let result = await caller.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
