import FoundationEssentials
import KubeAPI

/// The ReplicaSet controller's reconcile logic (upstream `pkg/controller/replicaset`) as a pure
/// function: it reads a ReplicaSet and the pods of its namespace from informer caches and returns
/// the writes to perform.
///
/// Driver contract:
/// - Perform `actions` in order. Each `.event` right after a write describes that write: skip it
///   when the write failed.
/// - Store the returned `expectations` under the ReplicaSet's key and pass them to the next
///   reconcile; on a failed pod create call `creationFailed(podName:)`, on a failed delete
///   `deletionFailed(podName:)`, and pass the error message as `lastManageError` next time (this
///   becomes the `ReplicaFailure` condition). Pass `nil` once a sync's writes all succeed.
/// - Reconcile again after `requeueAfter` when it is set (pods becoming available after
///   `minReadySeconds`, expectations expiring).
public enum ReplicaSetController {
    /// What one reconcile decided.
    public struct ReconcileResult: Sendable, Hashable {
        public var actions: [ControllerAction]
        public var expectations: ReplicaExpectations
        public var requeueAfter: Duration?

        public init(actions: [ControllerAction] = [], expectations: ReplicaExpectations = .init(),
                    requeueAfter: Duration? = nil) {
            self.actions = actions
            self.expectations = expectations
            self.requeueAfter = requeueAfter
        }
    }

    /// A failed create or delete from the previous sync, reported back by the driver.
    public struct ManageError: Sendable, Hashable {
        public enum Operation: String, Sendable, Hashable { case create, delete }
        public var operation: Operation
        public var message: String

        public init(operation: Operation, message: String) {
            self.operation = operation
            self.message = message
        }
    }

    /// Upstream's `BurstReplicas`: at most this many creates or deletes per sync.
    public static let burstReplicas = 500
    static let apiVersion = "apps/v1"
    static let kind = "ReplicaSet"

    /// Reconciles one ReplicaSet.
    ///
    /// - Parameters:
    ///   - replicaSet: the ReplicaSet from the cache.
    ///   - pods: the pods of its namespace from the cache (other namespaces are ignored).
    ///   - relatedPods: pods of ReplicaSets with the same controlling owner (e.g. all of a
    ///     Deployment's pods), used to delete doubled-up pods on a node first; when empty the
    ///     ReplicaSet's own pods are used.
    ///   - expectations: what the previous reconcile of this ReplicaSet asked for.
    ///   - lastManageError: the failure of the previous sync's writes, if any.
    ///   - now: the current time (pod availability, condition times).
    ///   - podNameSuffix: produces the random suffix of a new pod's name (5 characters like the
    ///     API server's `generateName`); injectable for deterministic tests.
    public static func reconcile(
        replicaSet: JSON,
        pods: [JSON],
        relatedPods: [JSON] = [],
        expectations: ReplicaExpectations = .init(),
        lastManageError: ManageError? = nil,
        now: Date,
        podNameSuffix: () -> String = PodNameSuffix.random
    ) -> ReconcileResult {
        var expectations = expectations
        guard replicaSet.objectValue != nil, !WorkloadMeta.name(replicaSet).isEmpty else {
            return ReconcileResult(expectations: expectations)
        }
        let selector: LabelSelector
        switch parseSelector(replicaSet) {
        case .success(let parsed): selector = parsed
        case .failure(let message):
            return ReconcileResult(actions: [.event(EventRecord(involvedObject: replicaSet, type: "Warning",
                                                                reason: "InvalidSelector", message: message))],
                                   expectations: expectations)
        }

        expectations.observe(pods: pods)
        let needsSync = expectations.isSatisfied(now: now)
        if needsSync { expectations = ReplicaExpectations() }

        var actions: [ControllerAction] = []
        let namespace = WorkloadMeta.namespace(replicaSet)
        let active = pods.filter { WorkloadMeta.namespace($0) == namespace && PodReadiness.isActive($0) }
        let claimed = claimPods(replicaSet: replicaSet, selector: selector, pods: active, actions: &actions)

        var manageError = lastManageError
        if needsSync && !WorkloadMeta.isBeingDeleted(replicaSet) {
            let managed = manageReplicas(replicaSet: replicaSet, selector: selector, claimed: claimed,
                                         relatedPods: relatedPods.isEmpty ? claimed : relatedPods,
                                         now: now, podNameSuffix: podNameSuffix)
            actions += managed.actions
            if let set = managed.expectations { expectations = set }
            if let error = managed.error { manageError = error }
        }

        let status = calculateStatus(replicaSet: replicaSet, claimed: claimed, manageError: manageError, now: now)
        if statusNeedsUpdate(replicaSet: replicaSet, status: status) {
            var updated = replicaSet
            updated["status"] = status
            actions.append(.updateStatus(.replicaSets, namespace: namespace, object: updated))
        }
        let requeue = requeueAfter(replicaSet: replicaSet, claimed: claimed, expectations: expectations, now: now)
        return ReconcileResult(actions: actions, expectations: expectations, requeueAfter: requeue)
    }

    enum SelectorResult { case success(LabelSelector), failure(String) }

    /// The selector as a `LabelSelector`; missing, empty or malformed selectors are refused (an
    /// empty selector would adopt every pod of the namespace; API validation forbids it).
    static func parseSelector(_ replicaSet: JSON) -> SelectorResult {
        let json = replicaSet[path: ["spec", "selector"]]
        if json.isNull { return .failure("spec.selector is required") }
        do {
            let selector = try LabelSelector(labelSelectorJSON: json)
            if selector.isEverything || selector.isNothing {
                return .failure("spec.selector must not be empty: a non-empty selector is required")
            }
            return .success(selector)
        } catch {
            return .failure("invalid spec.selector: \(error.message)")
        }
    }

    /// The soonest time a reconcile could change something without a watch event.
    static func requeueAfter(replicaSet: JSON, claimed: [JSON], expectations: ReplicaExpectations,
                             now: Date) -> Duration? {
        var soonest: TimeInterval?
        func consider(_ interval: TimeInterval) { soonest = min(soonest ?? interval, interval) }
        let minReady = replicaSet[path: ["spec", "minReadySeconds"]].intValue ?? 0
        if minReady > 0 {
            for pod in claimed where PodReadiness.isReady(pod)
                && !PodReadiness.isAvailable(pod, minReadySeconds: minReady, now: now) {
                let since = PodReadiness.readySince(pod) ?? now
                consider(max(0, since.addingTimeInterval(TimeInterval(minReady)).timeIntervalSince(now)) + 1)
            }
        }
        if !expectations.isSatisfied(now: now), let setAt = expectations.setAt {
            let ttl = TimeInterval(ReplicaExpectations.timeToLive.components.seconds)
            consider(max(0, setAt.addingTimeInterval(ttl).timeIntervalSince(now)) + 1)
        }
        return soonest.map { .milliseconds(Int64(($0 * 1000).rounded(.up))) }
    }
}

/// Random pod-name suffixes like the API server's `generateName` (5 characters from the same
/// vowel-free alphabet).
public enum PodNameSuffix {
    public static func random() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}

extension ReplicaSetController {
    /// The ReplicaSet's pods for status purposes: active pods of its namespace that it controls.
    /// Exposed so a driver can compute `relatedPods` from sibling ReplicaSets.
    public static func ownedActivePods(of replicaSet: JSON, in pods: [JSON]) -> [JSON] {
        let uid = WorkloadMeta.uid(replicaSet)
        return pods.filter { PodReadiness.isActive($0) && OwnerReferenceSupport.controllerUID(of: $0) == uid }
    }
}
