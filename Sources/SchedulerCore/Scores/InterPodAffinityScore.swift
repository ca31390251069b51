/// InterPodAffinity scoring, precomputed once per pod: a score per topology domain, summed over
/// the domains a node belongs to.
///
/// Contributions, as upstream: the incoming pod's preferred affinity (+weight) and anti-affinity
/// (-weight) terms for each existing pod they select; existing pods' preferred affinity (+weight)
/// and anti-affinity (-weight) terms that select the incoming pod; and existing pods' required
/// affinity terms that select it (+`hardPodAffinityWeight`, default 1).
public struct InterPodAffinityScorer: Sendable {
    var domains: TopologyCounts = [:]
    /// False when nothing contributes; the plugin is skipped (all nodes score alike).
    public private(set) var isActive = false

    public static let hardPodAffinityWeight: Int64 = 1

    public init(pod: PodInfo, snapshot: ClusterSnapshot) {
        let namespaces = snapshot.namespaceLabels
        let incomingPreferences = !pod.preferredAffinity.isEmpty || !pod.preferredAntiAffinity.isEmpty
        guard incomingPreferences || !snapshot.podsWithAffinity.isEmpty else { return }
        isActive = true

        func process(_ record: PodRecord, nodeLabels: [String: String]) {
            let (ns, podLabels) = (record.info.namespace, record.info.labels)
            for preferred in pod.preferredAffinity where preferred.term.matches(namespace: ns, labels: podLabels, namespaceLabels: namespaces) {
                if let value = nodeLabels[preferred.term.topologyKey] { domains.add(key: preferred.term.topologyKey, value: value, preferred.weight) }
            }
            for preferred in pod.preferredAntiAffinity where preferred.term.matches(namespace: ns, labels: podLabels, namespaceLabels: namespaces) {
                if let value = nodeLabels[preferred.term.topologyKey] { domains.add(key: preferred.term.topologyKey, value: value, -preferred.weight) }
            }
            guard record.info.hasPodAffinity else { return }
            let existing = record.info
            for term in existing.requiredAffinity where term.matches(pod, namespaceLabels: namespaces) {
                if let value = nodeLabels[term.topologyKey] { domains.add(key: term.topologyKey, value: value, Self.hardPodAffinityWeight) }
            }
            for preferred in existing.preferredAffinity where preferred.term.matches(pod, namespaceLabels: namespaces) {
                if let value = nodeLabels[preferred.term.topologyKey] { domains.add(key: preferred.term.topologyKey, value: value, preferred.weight) }
            }
            for preferred in existing.preferredAntiAffinity where preferred.term.matches(pod, namespaceLabels: namespaces) {
                if let value = nodeLabels[preferred.term.topologyKey] { domains.add(key: preferred.term.topologyKey, value: value, -preferred.weight) }
            }
        }

        if incomingPreferences {
            snapshot.forEachAssignedPod { labels, record in process(record, nodeLabels: labels) }
        } else {
            for key in snapshot.podsWithAffinity {
                guard let existing = snapshot.pod(key: key), let labels = snapshot.labels(ofNode: existing.nodeName) else { continue }
                process(PodRecord(existing), nodeLabels: labels)
            }
        }
    }

    /// The raw score of a node (may be negative).
    public func score(_ node: NodeInfo) -> Int64 {
        var total: Int64 = 0
        for (key, values) in domains {
            if let value = node.labels[key], let score = values[value] { total += score }
        }
        return total
    }
}
