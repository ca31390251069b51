import KubeAPI
import SchedulerCore

/// Everything the scheduling loop decides from, as one value: the cluster snapshot, the queue,
/// the priority classes and the pods assumed on a node while their binding is under way.
///
/// Informer events are applied through the `apply…` methods; each returns true when the queue may
/// have gained work, so the driver wakes its loop. Kept free of I/O so tests drive it directly.
public struct SchedulerState: Sendable {
    public typealias Instant = SchedulingQueue.Instant

    public var snapshot = ClusterSnapshot()
    public var queue = SchedulingQueue()
    public var scheduler: Scheduler
    public var priorities = PriorityResolver()
    /// Pods placed in the snapshot by `assume` whose binding has not been confirmed by the informer.
    public private(set) var assumed: Set<String> = []
    public let schedulerName: String

    public init(schedulerName: String = "default-scheduler", scheduler: Scheduler = Scheduler()) {
        self.schedulerName = schedulerName
        self.scheduler = scheduler
    }

    // MARK: Pods

    /// A pod was added or changed (or listed).
    @discardableResult
    public mutating func applyPod(_ json: JSON, old: JSON? = nil, now: Instant) -> Bool {
        var pod = PodInfo(json: json)
        guard !pod.name.isEmpty else { return false }
        if !pod.nodeName.isEmpty {
            // Bound (by us or anyone): the informer's object replaces any assumption.
            assumed.remove(pod.key)
            queue.delete(key: pod.key)
            let wasCounted = snapshot.pod(key: pod.key) != nil
            snapshot.upsertPod(pod)
            // A pod that finished frees its node's resources: parked pods may fit now.
            if pod.isTerminal && wasCounted {
                queue.moveAllToActiveOrBackoff(event: .podDeleted, now: now)
                return true
            }
            return false
        }
        if assumed.contains(pod.key) {
            // Our binding is in flight; an update of the still-unbound object must not undo the
            // assumption nor queue the pod a second time.
            return false
        }
        guard Scheduler.isResponsible(for: pod, schedulerName: schedulerName) else {
            queue.delete(key: pod.key)
            return false
        }
        pod.priority = priorities.priority(of: json)
        queue.add(pod, now: now)
        return true
    }

    /// A pod was deleted.
    @discardableResult
    public mutating func removePod(_ json: JSON, now: Instant) -> Bool {
        let pod = PodInfo(json: json)
        assumed.remove(pod.key)
        queue.delete(key: pod.key)
        guard snapshot.pod(key: pod.key) != nil else { return false }
        snapshot.removePod(key: pod.key)
        queue.moveAllToActiveOrBackoff(event: .podDeleted, now: now)
        return true
    }

    // MARK: Nodes, namespaces, priority classes

    /// A node was added or changed. Parked pods are retried when something the filters read
    /// changed (labels, taints, allocatable, unschedulable, readiness), not on every heartbeat.
    @discardableResult
    public mutating func applyNode(_ json: JSON, old: JSON? = nil, now: Instant) -> Bool {
        let node = NodeInfo(json: json)
        guard !node.name.isEmpty else { return false }
        snapshot.upsertNode(node)
        if let old, NodeInfo(json: old) == node { return false }
        queue.moveAllToActiveOrBackoff(event: old == nil ? .nodeAdded : .nodeUpdated, now: now)
        return true
    }

    public mutating func removeNode(_ json: JSON) {
        guard let name = json[path: ["metadata", "name"]].stringValue else { return }
        snapshot.removeNode(named: name)
    }

    /// A namespace was added or changed; its labels matter to affinity terms with a namespaceSelector.
    @discardableResult
    public mutating func applyNamespace(_ json: JSON, old: JSON? = nil, now: Instant) -> Bool {
        snapshot.upsertNamespace(json)
        if let old, old[path: ["metadata", "labels"]] == json[path: ["metadata", "labels"]] { return false }
        queue.moveAllToActiveOrBackoff(event: .namespaceChanged, now: now)
        return true
    }

    public mutating func removeNamespace(_ json: JSON) {
        guard let name = json[path: ["metadata", "name"]].stringValue else { return }
        snapshot.removeNamespace(named: name)
    }

    public mutating func applyPriorityClass(_ json: JSON) { priorities.upsert(json) }

    public mutating func removePriorityClass(_ json: JSON) {
        guard let name = json[path: ["metadata", "name"]].stringValue else { return }
        priorities.remove(named: name)
    }

    // MARK: Scheduling

    /// What one scheduling cycle decided.
    public enum Decision: Sendable {
        /// Bind the pod to the node (already assumed in the snapshot).
        case bind(PodInfo, node: String)
        /// No node fits (the pod is parked in the queue).
        case unschedulable(PodInfo, FitError)
    }

    /// Pops the next pod and decides for it; nil when nothing is ready. A pod that fits is assumed
    /// on its node at once, so the next decision already counts it, as upstream's scheduling cycle
    /// does before the (asynchronous) binding cycle.
    public mutating func scheduleNext(now: Instant) -> Decision? {
        guard let pod = queue.pop(now: now) else { return nil }
        switch scheduler.schedule(pod: pod, snapshot: snapshot) {
        case .success(let node):
            snapshot.assume(pod, on: node)
            assumed.insert(pod.key)
            return .bind(pod, node: node)
        case .failure(let error):
            queue.markUnschedulable(key: pod.key, now: now)
            return .unschedulable(pod, error)
        }
    }

    /// The binding was accepted: the pod leaves the queue; the snapshot keeps the assumption
    /// until the informer reports the bound pod.
    public mutating func bindSucceeded(key: String) {
        queue.done(key: key)
    }

    /// The binding failed. The assumption is dropped (unless the informer already reported the
    /// pod bound, which then is the truth). `retry`: back off and try again (transient errors);
    /// otherwise the pod is forgotten (it is gone, or someone else bound it).
    public mutating func bindFailed(key: String, retry: Bool, now: Instant) {
        if assumed.remove(key) != nil {
            snapshot.removePod(key: key)
        }
        if retry {
            queue.markFailed(key: key, now: now)
        } else {
            queue.delete(key: key)
        }
    }
}
