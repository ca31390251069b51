import Synchronization

/// Runs the proxy's sync when something changed: at once when idle, batched under churn.
///
/// `notify()` (from informer handlers) marks the rules stale. The loop starts a sync as soon as it
/// is idle and `minInterval` has passed since the previous sync started; every change that
/// arrives while a sync runs is folded into one next sync. A failed sync is retried with a
/// doubling delay (capped at `maxRetryDelay`); a periodic resync repairs rules changed behind the
/// proxy's back.
public final class SyncLoop: Sendable {
    public struct Settings: Sendable, Hashable {
        public var minInterval: Duration = .milliseconds(50)
        public var resyncPeriod: Duration = .seconds(30)
        public var firstRetryDelay: Duration = .milliseconds(500)
        public var maxRetryDelay: Duration = .seconds(30)
        /// `/healthz` fails when a change waited this long without a successful sync.
        public var staleness: Duration = .seconds(60)

        public init() {}
    }

    /// What the loop last did, for health checks and logs.
    public struct Status: Sendable {
        public var lastSuccess: ContinuousClock.Instant?
        public var lastError: String?
        /// The oldest change no successful sync has applied yet.
        public var pendingSince: ContinuousClock.Instant?
        public var syncs: Int = 0
        public var failures: Int = 0
    }

    public let settings: Settings
    private let sync: @Sendable () async throws -> Void
    private let state = Mutex<(status: Status, dirty: Bool)>((Status(), false))
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameter sync: builds and applies the whole ruleset; a thrown error is kept as `lastError`.
    public init(settings: Settings = Settings(), sync: @escaping @Sendable () async throws -> Void) {
        self.settings = settings
        self.sync = sync
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Marks the rules stale; cheap and callable from any thread.
    public func notify() {
        let now = ContinuousClock.now
        state.withLock { s in
            s.dirty = true
            if s.status.pendingSince == nil { s.status.pendingSince = now }
        }
        wake.yield()
    }

    public var status: Status { state.withLock { $0.status } }

    /// Healthy unless the last sync failed or a change has waited longer than `staleness`.
    public func isHealthy(now: ContinuousClock.Instant = .now) -> Bool {
        let status = self.status
        if status.lastError != nil { return false }
        if let pending = status.pendingSince, now - pending > settings.staleness { return false }
        return true
    }

    /// Syncs until the task is cancelled (the rules stay in place when it stops).
    public func run() async {
        let resync = Task { [settings, weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.resyncPeriod)
                self?.notify()
            }
        }
        defer { resync.cancel() }
        var lastStart: ContinuousClock.Instant?
        var retryDelay = settings.firstRetryDelay
        for await _ in wakeups {
            if Task.isCancelled { return }
            guard state.withLock({ $0.dirty }) else { continue }
            if let lastStart {
                let wait = settings.minInterval - (ContinuousClock.now - lastStart)
                if wait > .zero { try? await Task.sleep(for: wait) }
            }
            if Task.isCancelled { return }
            let start = ContinuousClock.now
            lastStart = start
            // Changes from here on need another sync; those before are covered by this one.
            let covered = state.withLock { s -> ContinuousClock.Instant? in
                s.dirty = false
                defer { s.status.pendingSince = nil }
                return s.status.pendingSince
            }
            do {
                try await sync()
                state.withLock { s in
                    s.status.lastSuccess = ContinuousClock.now
                    s.status.lastError = nil
                    s.status.syncs += 1
                }
                retryDelay = settings.firstRetryDelay
            } catch {
                state.withLock { s in
                    s.status.lastError = "\(error)"
                    s.status.failures += 1
                    s.dirty = true
                    if let covered, s.status.pendingSince.map({ covered < $0 }) ?? true { s.status.pendingSince = covered }
                }
                try? await Task.sleep(for: retryDelay)
                retryDelay = min(retryDelay * 2, settings.maxRetryDelay)
                wake.yield()
            }
        }
    }

    /// Ends `run()` (also done by cancelling its task).
    public func finish() { wake.finish() }
}
