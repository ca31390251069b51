/// The largest score a plugin gives a node (upstream `MaxNodeScore`).
public let maxNodeScore: Int64 = 100

/// Weights of the score plugins; the defaults are upstream's default profile.
public struct ScoreWeights: Sendable, Hashable {
    public var leastAllocated: Int64 = 1
    public var balancedAllocation: Int64 = 1
    public var nodeAffinity: Int64 = 2
    public var interPodAffinity: Int64 = 2
    public var taintToleration: Int64 = 3

    public init() {}
}

/// The score plugins as pure functions. Raw scores are per node; the `normalize...` functions
/// map raw scores over all feasible nodes to 0...100 as upstream's NormalizeScore does.
public enum Scores {
    /// NodeResourcesFit with the LeastAllocated strategy: the free share of cpu and memory after
    /// placing the pod (requests with best-effort defaults), averaged with equal weights.
    public static func leastAllocated(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        func score(_ requested: Int64, _ capacity: Int64) -> Int64 {
            guard capacity > 0, requested <= capacity else { return 0 }
            return (capacity - requested) * maxNodeScore / capacity
        }
        let requested = node.nonZeroRequested + pod.nonZeroRequests
        let cpu = score(requested.milliCPU, node.allocatable.milliCPU)
        let memory = score(requested.memory, node.allocatable.memory)
        return (cpu + memory) / 2
    }

    /// NodeResourcesBalancedAllocation: 100 when cpu and memory are used in the same proportion
    /// after placing the pod, lower as they diverge (`(1 - stddev) * 100`). Uses the pods' real
    /// requests, as upstream does.
    public static func balancedAllocation(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        func fraction(_ requested: Int64, _ capacity: Int64) -> Double {
            guard capacity > 0 else { return 1 }
            return min(Double(requested) / Double(capacity), 1)
        }
        let requested = node.requested + pod.requests
        let cpu = fraction(requested.milliCPU, node.allocatable.milliCPU)
        let memory = fraction(requested.memory, node.allocatable.memory)
        // With two resources the standard deviation is half their difference.
        let std = abs(cpu - memory) / 2
        return Int64((1 - std) * Double(maxNodeScore))
    }

    /// NodeAffinity: the summed weights of the preferred terms the node matches.
    public static func preferredNodeAffinity(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        var total: Int64 = 0
        for preferred in pod.preferredNodeTerms where preferred.term.matches(labels: node.labels, nodeName: node.name) {
            total += preferred.weight
        }
        return total
    }

    /// TaintToleration: how many PreferNoSchedule taints the pod does not tolerate (fewer is better).
    public static func intolerablePreferNoSchedule(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        var count: Int64 = 0
        for taint in node.taints where taint.effect == "PreferNoSchedule" && !pod.tolerations.tolerates(taint) {
            count += 1
        }
        return count
    }

    /// Upstream `DefaultNormalizeScore`: scales by the maximum; `reverse` makes fewer better.
    /// All zero stays zero (or becomes 100 when reversed).
    public static func defaultNormalize(_ scores: inout [Int64], reverse: Bool) {
        let maxScore = scores.max() ?? 0
        if maxScore == 0 {
            if reverse { for i in scores.indices { scores[i] = maxNodeScore } }
            return
        }
        for i in scores.indices {
            var value = maxNodeScore * scores[i] / maxScore
            if reverse { value = maxNodeScore - value }
            scores[i] = value
        }
    }

    /// InterPodAffinity's normalization: min-max scaling with 0 always inside the range, so
    /// negative (anti-affinity) and positive scores share one scale.
    public static func minMaxNormalize(_ scores: inout [Int64]) {
        let maxScore = max(scores.max() ?? 0, 0)
        let minScore = min(scores.min() ?? 0, 0)
        let spread = maxScore - minScore
        for i in scores.indices {
            scores[i] = spread > 0 ? Int64(Double(maxNodeScore) * Double(scores[i] - minScore) / Double(spread)) : 0
        }
    }
}
