import KubeAPI

/// Upstream's pod garbage collector, orphan part: a pod bound to a node that no longer exists has
/// no kubelet to stop it or confirm its deletion, so it is deleted at once (grace period 0).
public enum PodGarbageCollector {
    /// Node names that bound pods refer to but `knownNodes` lacks; the driver confirms each is
    /// really gone (a live GET answering 404) before calling `deleteOrphans`, because a node cache
    /// may lag behind a node that was just registered.
    public static func missingNodes(pods: [JSON], knownNodes: Set<String>) -> Set<String> {
        var missing: Set<String> = []
        for pod in pods {
            guard let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty, !knownNodes.contains(node) else { continue }
            missing.insert(node)
        }
        return missing
    }

    /// Deletes (grace period 0, uid precondition) every pod bound to one of `goneNodes`, with a
    /// `NodeLost`-style event as upstream's message.
    public static func deleteOrphans(pods: [JSON], goneNodes: Set<String>) -> [ControllerAction] {
        var actions: [ControllerAction] = []
        for pod in pods {
            guard let node = pod["spec"]["nodeName"].stringValue, goneNodes.contains(node),
                  let name = pod["metadata"]["name"].stringValue, !name.isEmpty else { continue }
            let namespace = pod["metadata"]["namespace"].stringValue
            actions.append(.delete(.pods, namespace: namespace, name: name, options: DeleteOptions(
                gracePeriodSeconds: 0, preconditionUID: pod["metadata"]["uid"].stringValue)))
            actions.append(.event(EventRecord(
                involvedObject: pod, type: "Normal", reason: "PodGCOrphaned",
                message: "Deleting pod \(name): node \(node) no longer exists")))
        }
        return actions
    }
}
