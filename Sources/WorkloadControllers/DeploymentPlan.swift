import FoundationEssentials
import KubeAPI

/// The working state of one Deployment sync. Upstream writes to the API server step by step and
/// uses each response in the next step; here every step edits this model instead, and `actions()`
/// turns the differences into writes (one write per object, so no write conflicts with another
/// write of the same sync).
struct DeploymentPlan {
    let original: JSON
    /// The Deployment with the status and revision annotation this sync decided on.
    var deployment: JSON
    let now: Date
    /// The Deployment's ReplicaSets (claimed), by name, current state after this sync's edits.
    var replicaSets: [String: JSON] = [:]
    /// Names in creation order (oldest first), as upstream's sorted lists.
    var order: [String] = []
    var created: String?
    var touched: [String] = []
    var deleted: [String] = []
    var claimActions: [ControllerAction] = []
    var eventsByReplicaSet: [String: [EventRecord]] = [:]
    var events: [EventRecord] = []
    var requeueAfter: Duration?

    init(deployment: JSON, now: Date) {
        self.original = deployment
        self.deployment = deployment
        self.now = now
    }

    var spec: DeploymentSpecView { DeploymentSpecView(object: deployment) }
    var all: [JSON] { order.compactMap { replicaSets[$0] } }

    mutating func insert(_ rs: JSON) {
        let name = WorkloadMeta.name(rs)
        if replicaSets[name] == nil { order.append(name) }
        replicaSets[name] = rs
    }

    mutating func modify(_ name: String, _ change: (inout JSON) -> Void) {
        guard var rs = replicaSets[name] else { return }
        change(&rs)
        replicaSets[name] = rs
        if name != created && !touched.contains(name) { touched.append(name) }
    }

    mutating func event(_ reason: String, _ message: String, warning: Bool = false) {
        events.append(EventRecord(involvedObject: original, type: warning ? "Warning" : "Normal", reason: reason,
                                  message: message))
    }

    /// Upstream `scaleReplicaSetAndRecordEvent`: no-op when already at `newScale`.
    @discardableResult
    mutating func scaleAndRecord(_ name: String, to newScale: Int) -> Bool {
        guard let rs = replicaSets[name], ReplicaSetView.specReplicas(rs) != newScale else { return false }
        let operation = ReplicaSetView.specReplicas(rs) < newScale ? "up" : "down"
        return scale(name, to: newScale, operation: operation)
    }

    /// Upstream `scaleReplicaSet`: writes the size and the desired/max-replicas annotations;
    /// returns whether the size changed.
    @discardableResult
    mutating func scale(_ name: String, to newScale: Int, operation: String) -> Bool {
        guard let rs = replicaSets[name] else { return false }
        let oldScale = ReplicaSetView.specReplicas(rs)
        let sizeChanged = oldScale != newScale
        let desired = spec.replicas, maxReplicas = spec.replicas + spec.maxSurge
        let annotationsChanged = DeploymentController.replicasAnnotationsNeedUpdate(rs, desired: desired,
                                                                                     max: maxReplicas)
        guard sizeChanged || annotationsChanged else { return false }
        modify(name) { rs in
            rs["spec"]["replicas"] = .int(Int64(newScale))
            DeploymentController.setReplicasAnnotations(&rs, desired: desired, max: maxReplicas)
        }
        if sizeChanged {
            eventsByReplicaSet[name, default: []].append(EventRecord(
                involvedObject: original, reason: "ScalingReplicaSet",
                message: "Scaled \(operation) replica set \(name) to \(newScale) from \(oldScale)"))
        }
        return sizeChanged
    }

    /// The writes, in the order a driver should perform them: adoption/release patches, the new
    /// ReplicaSet, ReplicaSet updates, history deletions, the Deployment status, then its revision
    /// annotation (a patch, so it does not conflict with the status write), then Deployment events.
    func actions() -> [ControllerAction] {
        var actions = claimActions
        let namespace = WorkloadMeta.namespace(original)
        if let created, let rs = replicaSets[created] {
            actions.append(.create(.replicaSets, namespace: namespace, object: rs))
            actions += (eventsByReplicaSet[created] ?? []).map(ControllerAction.event)
        }
        for name in touched where !deleted.contains(name) {
            guard let rs = replicaSets[name] else { continue }
            actions.append(.update(.replicaSets, namespace: namespace, object: rs))
            actions += (eventsByReplicaSet[name] ?? []).map(ControllerAction.event)
        }
        for name in deleted {
            let uid = replicaSets[name].map(WorkloadMeta.uid) ?? ""
            actions.append(.delete(.replicaSets, namespace: namespace, name: name,
                                   options: DeleteOptions(propagationPolicy: "Background",
                                                          preconditionUID: uid.isEmpty ? nil : uid)))
        }
        if !deployment["status"].semanticallyEquals(original["status"]) {
            var updated = original
            updated["status"] = deployment["status"]
            actions.append(.updateStatus(.deployments, namespace: namespace, object: updated))
        }
        let revisionKey = DeploymentController.revisionAnnotation
        let revision = WorkloadMeta.annotations(deployment)[revisionKey]
        if let revision, revision != WorkloadMeta.annotations(original)[revisionKey] {
            let patch: JSON = ["metadata": ["annotations": [revisionKey: .string(revision)]]]
            actions.append(.patch(.deployments, namespace: namespace, name: WorkloadMeta.name(original), patch: patch,
                                  patchType: .merge, subresource: nil))
        }
        actions += events.map(ControllerAction.event)
        return actions
    }
}
