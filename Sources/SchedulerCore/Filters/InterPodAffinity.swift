/// Counts of matching pods per topology domain (`topologyKey` -> label value -> count).
typealias TopologyCounts = [String: [String: Int64]]

extension Dictionary where Key == String, Value == [String: Int64] {
    mutating func add(key: String, value: String, _ amount: Int64) {
        self[key, default: [:]][value, default: 0] += amount
    }

    /// Whether the node's domain for `key` has a positive count.
    func positive(key: String, nodeLabels: [String: String]) -> Bool {
        guard let value = nodeLabels[key], let count = self[key]?[value] else { return false }
        return count > 0
    }
}

/// The InterPodAffinity filter, computed once per pod (upstream's PreFilter) over the assigned
/// pods of the snapshot, then checked per node in constant time.
public struct InterPodAffinityFilter: Sendable {
    /// Domains holding an existing pod whose required anti-affinity selects the incoming pod.
    var existingAntiAffinity: TopologyCounts = [:]
    /// Per required affinity term of the incoming pod: domains holding pods matching all its terms.
    var affinity: TopologyCounts = [:]
    /// Domains holding pods matched by any of the incoming pod's required anti-affinity terms.
    var antiAffinity: TopologyCounts = [:]
    let pod: PodInfo
    /// True when no pod anywhere matches the pod's affinity terms but the pod matches them itself:
    /// the first pod of a group that wants to be together may go anywhere.
    var selfAffinityAllowed = false

    /// Precomputes the counts for `pod`.
    public init(pod: PodInfo, snapshot: ClusterSnapshot) {
        self.pod = pod
        let namespaces = snapshot.namespaceLabels
        // Existing pods' required anti-affinity: only pods declaring affinity can have any.
        for key in snapshot.podsWithAffinity {
            guard let existing = snapshot.pod(key: key), !existing.requiredAntiAffinity.isEmpty,
                  let labels = snapshot.labels(ofNode: existing.nodeName) else { continue }
            for term in existing.requiredAntiAffinity where term.matches(pod, namespaceLabels: namespaces) {
                if let value = labels[term.topologyKey] { existingAntiAffinity.add(key: term.topologyKey, value: value, 1) }
            }
        }
        guard !pod.requiredAffinity.isEmpty || !pod.requiredAntiAffinity.isEmpty else { return }
        snapshot.forEachAssignedPod { labels, record in
            let (ns, podLabels) = (record.info.namespace, record.info.labels)
            if !pod.requiredAffinity.isEmpty,
               pod.requiredAffinity.allSatisfy({ $0.matches(namespace: ns, labels: podLabels, namespaceLabels: namespaces) }) {
                for term in pod.requiredAffinity {
                    if let value = labels[term.topologyKey] { affinity.add(key: term.topologyKey, value: value, 1) }
                }
            }
            for term in pod.requiredAntiAffinity where term.matches(namespace: ns, labels: podLabels, namespaceLabels: namespaces) {
                if let value = labels[term.topologyKey] { antiAffinity.add(key: term.topologyKey, value: value, 1) }
            }
        }
        if !pod.requiredAffinity.isEmpty && affinity.isEmpty {
            selfAffinityAllowed = pod.requiredAffinity.allSatisfy { $0.matches(pod, namespaceLabels: namespaces) }
        }
    }

    /// Checks one node, in upstream's order: existing pods' anti-affinity, then the pod's
    /// affinity, then its anti-affinity.
    public func filter(_ node: NodeInfo) -> FilterStatus? {
        if !existingAntiAffinity.isEmpty {
            for (key, values) in existingAntiAffinity {
                if let value = node.labels[key], (values[value] ?? 0) > 0 {
                    return FilterStatus(FilterReason.existingAntiAffinity, unresolvable: false)
                }
            }
        }
        if !pod.requiredAffinity.isEmpty {
            // A node without the topology label can never satisfy the term.
            let labelled = pod.requiredAffinity.allSatisfy { node.labels[$0.topologyKey] != nil }
            let satisfied = labelled && (selfAffinityAllowed
                || pod.requiredAffinity.allSatisfy { affinity.positive(key: $0.topologyKey, nodeLabels: node.labels) })
            if !satisfied { return FilterStatus(FilterReason.podAffinity, unresolvable: true) }
        }
        if !antiAffinity.isEmpty {
            for term in pod.requiredAntiAffinity where antiAffinity.positive(key: term.topologyKey, nodeLabels: node.labels) {
                return FilterStatus(FilterReason.podAntiAffinity, unresolvable: false)
            }
        }
        return nil
    }
}
