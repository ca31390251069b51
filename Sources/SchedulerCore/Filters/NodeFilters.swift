/// The filters that look only at the pod and one node (upstream plugins NodeUnschedulable,
/// TaintToleration, NodeAffinity, NodePorts and NodeResourcesFit). Each returns nil when the node
/// passes.
public enum NodeFilters {
    /// NodeUnschedulable: a cordoned node only takes pods tolerating
    /// `node.kubernetes.io/unschedulable:NoSchedule`.
    public static func unschedulable(_ pod: PodInfo, _ node: NodeInfo) -> FilterStatus? {
        guard node.unschedulable else { return nil }
        let taint = Taint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")
        return pod.tolerations.tolerates(taint) ? nil : FilterStatus(FilterReason.unschedulable, unresolvable: true)
    }

    /// TaintToleration: the first NoSchedule or NoExecute taint the pod does not tolerate.
    public static func taints(_ pod: PodInfo, _ node: NodeInfo) -> FilterStatus? {
        for taint in node.taints where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
            if !pod.tolerations.tolerates(taint) {
                return FilterStatus(FilterReason.untoleratedTaint(taint), unresolvable: true)
            }
        }
        return nil
    }

    /// NodeAffinity: `spec.nodeSelector` (every pair) and the required node affinity terms
    /// (any term) must both match.
    public static func nodeAffinity(_ pod: PodInfo, _ node: NodeInfo) -> FilterStatus? {
        for (key, value) in pod.nodeSelector where node.labels[key] != value {
            return FilterStatus(FilterReason.nodeAffinity, unresolvable: true)
        }
        if let terms = pod.requiredNodeTerms,
           !terms.contains(where: { $0.matches(labels: node.labels, nodeName: node.name) }) {
            return FilterStatus(FilterReason.nodeAffinity, unresolvable: true)
        }
        return nil
    }

    /// NodePorts: every requested host port must be free on the node.
    public static func ports(_ pod: PodInfo, _ node: NodeInfo) -> FilterStatus? {
        guard !pod.hostPorts.isEmpty, !node.usedPorts.isEmpty else { return nil }
        for wanted in pod.hostPorts where node.usedPorts.keys.contains(where: { $0.conflicts(with: wanted) }) {
            return FilterStatus(FilterReason.nodePorts, unresolvable: false)
        }
        return nil
    }

    /// NodeResourcesFit: pod count, then cpu, memory and ephemeral storage against allocatable
    /// minus requested. Unresolvable when the request exceeds the node's whole allocatable.
    public static func resources(_ pod: PodInfo, _ node: NodeInfo) -> FilterStatus? {
        var reasons: [String] = []
        var unresolvable = false
        if Int64(node.podCount) + 1 > node.allocatable.pods {
            reasons.append(FilterReason.tooManyPods)
        }
        let want = pod.requests
        let free = node.free
        if want.milliCPU > 0 && want.milliCPU > free.milliCPU {
            reasons.append(FilterReason.insufficientCPU)
            unresolvable = unresolvable || want.milliCPU > node.allocatable.milliCPU
        }
        if want.memory > 0 && want.memory > free.memory {
            reasons.append(FilterReason.insufficientMemory)
            unresolvable = unresolvable || want.memory > node.allocatable.memory
        }
        if want.ephemeralStorage > 0 && want.ephemeralStorage > free.ephemeralStorage {
            reasons.append(FilterReason.insufficientEphemeralStorage)
            unresolvable = unresolvable || want.ephemeralStorage > node.allocatable.ephemeralStorage
        }
        return reasons.isEmpty ? nil : FilterStatus(reasons: reasons, unresolvable: unresolvable)
    }

    /// The pod-and-node filters in upstream's default plugin order; the first failing one decides.
    static func run(_ pod: PodInfo, _ node: NodeInfo) -> FilterStatus? {
        if let status = unschedulable(pod, node) { return status }
        if let status = taints(pod, node) { return status }
        if let status = nodeAffinity(pod, node) { return status }
        if let status = ports(pod, node) { return status }
        return resources(pod, node)
    }
}
