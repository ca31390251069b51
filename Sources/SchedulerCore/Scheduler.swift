import KubeAPI

/// Picks a node for a pod: filters every node (as far as upstream's adaptive
/// `percentageOfNodesToScore` asks), scores the feasible ones with the weighted plugins, and
/// takes the best. A value type whose only state is where the next search starts and a tie
/// counter, so consecutive pods start at different nodes and equal nodes share pods.
public struct Scheduler: Sendable {
    public var weights: ScoreWeights
    /// Upstream's `percentageOfNodesToScore`; nil is the adaptive default (50% minus 1% per 125
    /// nodes, at least 5%), and at least 100 nodes are always examined.
    public var percentageOfNodesToScore: Int?
    private var nextStartNodeIndex = 0
    private var tieBreaker = 0

    public init(weights: ScoreWeights = ScoreWeights(), percentageOfNodesToScore: Int? = nil) {
        self.weights = weights
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    /// Whether this scheduler should handle the pod: unassigned, for `default-scheduler`, not
    /// terminal or being deleted, and without scheduling gates.
    public static func isResponsible(for pod: PodInfo, schedulerName: String = "default-scheduler") -> Bool {
        pod.nodeName.isEmpty && pod.schedulerName == schedulerName && !pod.isTerminal && !pod.isDeleting
            && !pod.hasSchedulingGates && !pod.name.isEmpty
    }

    /// Schedules a pod given as JSON.
    public mutating func schedule(pod: JSON, snapshot: ClusterSnapshot) -> Result<String, FitError> {
        schedule(pod: PodInfo(json: pod), snapshot: snapshot)
    }

    /// The name of the node the pod should be bound to, or why no node fits.
    public mutating func schedule(pod: PodInfo, snapshot: ClusterSnapshot) -> Result<String, FitError> {
        let total = snapshot.nodeCount
        guard total > 0 else {
            return .failure(FitError(podKey: pod.key, numAllNodes: 0, nodeStatuses: [:], preemptionDisabled: pod.neverPreempts))
        }
        let affinityFilter = InterPodAffinityFilter(pod: pod, snapshot: snapshot)
        let wanted = numFeasibleNodesToFind(total)
        var feasible: [NodeInfo] = []
        feasible.reserveCapacity(min(wanted, total))
        var statuses: [String: FilterStatus] = [:]
        var processed = 0
        let start = nextStartNodeIndex % total
        while processed < total && feasible.count < wanted {
            let node = snapshot.node(at: (start + processed) % total)
            processed += 1
            if let status = NodeFilters.run(pod, node) ?? affinityFilter.filter(node) {
                statuses[node.name] = status
            } else {
                feasible.append(node)
            }
        }
        nextStartNodeIndex = (start + processed) % total
        guard !feasible.isEmpty else {
            return .failure(FitError(podKey: pod.key, numAllNodes: total, nodeStatuses: statuses, preemptionDisabled: pod.neverPreempts))
        }
        if feasible.count == 1 { return .success(feasible[0].name) }
        let scores = score(pod: pod, nodes: feasible, snapshot: snapshot)
        let best = scores.max() ?? 0
        let ties = scores.indices.filter { scores[$0] == best }
        tieBreaker &+= 1
        return .success(feasible[ties[Int(UInt(bitPattern: tieBreaker) % UInt(ties.count))]].name)
    }

    /// The weighted total score (0...100 per plugin) of each node, in the given order.
    public func score(pod: PodInfo, nodes: [NodeInfo], snapshot: ClusterSnapshot) -> [Int64] {
        var totals = [Int64](repeating: 0, count: nodes.count)
        func add(_ scores: [Int64], weight: Int64) {
            for i in totals.indices { totals[i] += scores[i] * weight }
        }
        add(nodes.map { Scores.leastAllocated(pod, $0) }, weight: weights.leastAllocated)
        // BalancedAllocation skips pods that request nothing, as upstream's PreScore does.
        if pod.requests.milliCPU > 0 || pod.requests.memory > 0 {
            add(nodes.map { Scores.balancedAllocation(pod, $0) }, weight: weights.balancedAllocation)
        }
        if !pod.preferredNodeTerms.isEmpty {
            var affinity = nodes.map { Scores.preferredNodeAffinity(pod, $0) }
            Scores.defaultNormalize(&affinity, reverse: false)
            add(affinity, weight: weights.nodeAffinity)
        }
        var taints = nodes.map { Scores.intolerablePreferNoSchedule(pod, $0) }
        Scores.defaultNormalize(&taints, reverse: true)
        add(taints, weight: weights.taintToleration)
        let scorer = InterPodAffinityScorer(pod: pod, snapshot: snapshot)
        if scorer.isActive {
            var affinity = nodes.map(scorer.score)
            Scores.minMaxNormalize(&affinity)
            add(affinity, weight: weights.interPodAffinity)
        }
        return totals
    }

    /// Upstream `numFeasibleNodesToFind`: how many feasible nodes are enough to score.
    func numFeasibleNodesToFind(_ total: Int) -> Int {
        let minimum = 100
        if total < minimum { return total }
        var percentage = percentageOfNodesToScore ?? 0
        if percentage <= 0 { percentage = max(50 - total / 125, 5) }
        if percentage >= 100 { return total }
        return max(total * percentage / 100, minimum)
    }
}
