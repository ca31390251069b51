import Synchronization

/// Wakes one waiting task: `signal()` from any thread; `wait(until:)` returns at the first signal
/// (including one sent before it started waiting), at the deadline, or on cancellation.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init() {}

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Waits for a signal; with a deadline, a timer signals when it passes.
    func wait(until deadline: ContinuousClock.Instant?) async {
        let timer = deadline.map { deadline in
            Task { [self] in
                guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                signal()
            }
        }
        defer { timer?.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { s in
                    if s.pending {
                        s.pending = false
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
