import FoundationEssentials
import KubeAPI

/// Creations and deletions a controller has asked for but not yet seen in its informer cache
/// (upstream `ControllerExpectations`/`UIDTrackingControllerExpectations`). While any are pending the
/// controller does not create or delete again, so a slow cache cannot cause duplicate pods.
///
/// Pods are tracked by name (the ReplicaSet controller names its pods itself), so a reconcile can
/// settle expectations from the cache contents alone; drivers may also report observations from
/// informer events and must report writes that failed.
public struct ReplicaExpectations: Sendable, Hashable {
    /// Names of pods asked to be created and not yet seen in the cache.
    public var pendingCreations: Set<String>
    /// Names of pods asked to be deleted and still in the cache without a deletionTimestamp.
    public var pendingDeletions: Set<String>
    /// When the expectations were set; after `timeToLive` they count as satisfied (upstream's
    /// safety net against a lost watch event).
    public var setAt: Date?

    /// Upstream `ExpectationsTimeout`.
    public static let timeToLive: Duration = .seconds(300)

    public init(pendingCreations: Set<String> = [], pendingDeletions: Set<String> = [], setAt: Date? = nil) {
        self.pendingCreations = pendingCreations
        self.pendingDeletions = pendingDeletions
        self.setAt = setAt
    }

    /// Nothing pending, or the pending set has expired.
    public func isSatisfied(now: Date) -> Bool {
        if pendingCreations.isEmpty && pendingDeletions.isEmpty { return true }
        guard let setAt else { return true }
        let ttl = TimeInterval(Self.timeToLive.components.seconds)
        return now.timeIntervalSince(setAt) > ttl
    }

    /// A pod the controller created appeared (informer add event).
    public mutating func creationObserved(podName: String) { pendingCreations.remove(podName) }
    /// A create failed: the pod will never appear (upstream lowers the expectation the same way).
    public mutating func creationFailed(podName: String) { pendingCreations.remove(podName) }
    /// A pod the controller deleted disappeared or got its deletionTimestamp.
    public mutating func deletionObserved(podName: String) { pendingDeletions.remove(podName) }
    /// A delete failed (a 404 counts as observed too).
    public mutating func deletionFailed(podName: String) { pendingDeletions.remove(podName) }

    /// Settles expectations from a cache snapshot: created pods that are present, deleted pods that
    /// are gone or terminating.
    public mutating func observe(pods: [JSON]) {
        guard !pendingCreations.isEmpty || !pendingDeletions.isEmpty else { return }
        var live: Set<String> = []
        for pod in pods {
            let name = WorkloadMeta.name(pod)
            pendingCreations.remove(name)
            if !WorkloadMeta.isBeingDeleted(pod) { live.insert(name) }
        }
        pendingDeletions.formIntersection(live)
    }
}
