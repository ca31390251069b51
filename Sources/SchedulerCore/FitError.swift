/// Why a pod fits no node, with the message upstream's `FitError.Error()` prints (the text of
/// the FailedScheduling event and the PodScheduled condition).
public struct FitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `namespace/name` of the pod.
    public var podKey: String
    /// How many nodes the snapshot has.
    public var numAllNodes: Int
    /// The failing status of every node, by node name.
    public var nodeStatuses: [String: FilterStatus]
    /// The pod's `preemptionPolicy` is `Never`.
    public var preemptionDisabled: Bool

    public init(podKey: String, numAllNodes: Int, nodeStatuses: [String: FilterStatus],
                preemptionDisabled: Bool = false) {
        self.podKey = podKey
        self.numAllNodes = numAllNodes
        self.nodeStatuses = nodeStatuses
        self.preemptionDisabled = preemptionDisabled
    }

    /// Upstream's `ErrNoNodesAvailable` text, used when the cluster has no node at all.
    public static let noNodesAvailable = "no nodes available to schedule pods"

    /// `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.
    /// preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod,
    /// 2 Preemption is not helpful for scheduling..` (one line). Reasons are counted over nodes,
    /// printed as "count reason" and sorted as strings, exactly as upstream; the preemption part
    /// is what upstream's DefaultPreemption PostFilter reports when it finds no candidate, and it
    /// ends in "..", as upstream's nested messages do.
    public var message: String {
        if numAllNodes == 0 { return Self.noNodesAvailable }
        var counts: [String: Int] = [:]
        for status in nodeStatuses.values {
            for reason in status.reasons { counts[reason, default: 0] += 1 }
        }
        var text = "0/\(numAllNodes) nodes are available: " + Self.histogram(counts) + "."
        text += " " + preemptionMessage + "."
        return text
    }

    /// The DefaultPreemption PostFilter's message when no preemption is possible.
    public var preemptionMessage: String {
        if preemptionDisabled { return "preemption: not eligible due to preemptionPolicy=Never." }
        var counts: [String: Int] = [:]
        for status in nodeStatuses.values {
            // Unresolvable nodes are not preemption candidates; on the others upstream's dry run
            // looks for victims. This scheduler does not preempt, so it reports that none were found.
            let reason = status.unresolvable
                ? "Preemption is not helpful for scheduling" : "No preemption victims found for incoming pod"
            counts[reason, default: 0] += 1
        }
        // Nodes without a status (none in practice) count as "not helpful", as upstream's absent nodes.
        let absent = numAllNodes - nodeStatuses.count
        if absent > 0 { counts["Preemption is not helpful for scheduling", default: 0] += absent }
        return "preemption: 0/\(numAllNodes) nodes are available: " + Self.histogram(counts) + "."
    }

    /// "count reason" strings sorted byte-wise (Go's `sort.Strings`), joined by ", ".
    static func histogram(_ counts: [String: Int]) -> String {
        counts.map { "\($0.value) \($0.key)" }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .joined(separator: ", ")
    }

    public var description: String { message }
}
