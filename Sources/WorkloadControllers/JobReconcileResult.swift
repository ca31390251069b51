import KubeAPI

/// What one reconcile of a Job or CronJob decided.
///
/// The driver performs `actions` in order. Correctness never depends on all of them succeeding:
/// every decision is re-derived from the objects on the next reconcile (level-triggered), and
/// status writes carry the `resourceVersion` read from the cache so a stale decision fails with a
/// conflict instead of overwriting newer state. Drivers should still stop at the first failed
/// write and requeue with backoff, as upstream does; `NotFound` on a delete or patch can be ignored.
public struct JobReconcileResult: Sendable, Hashable {
    public var actions: [ControllerAction]
    /// Reconcile again after this long even if no watched object changes (pod-failure backoff,
    /// activeDeadlineSeconds, ttlSecondsAfterFinished, the next cron activation). Nil: only on change.
    public var requeueAfter: Duration?

    public init(actions: [ControllerAction] = [], requeueAfter: Duration? = nil) {
        self.actions = actions
        self.requeueAfter = requeueAfter
    }

    /// Keeps the earliest requeue.
    mutating func requeue(after delay: Duration) {
        let delay = max(delay, .zero)
        if let current = requeueAfter, current <= delay { return }
        requeueAfter = delay
    }

    mutating func event(_ object: JSON, _ type: String = "Normal", _ reason: String, _ message: String) {
        actions.append(.event(EventRecord(involvedObject: object, type: type, reason: reason, message: message)))
    }
}
