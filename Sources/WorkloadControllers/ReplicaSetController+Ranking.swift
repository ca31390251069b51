import FoundationEssentials
import Glibc
import KubeAPI

extension ReplicaSetController {
    /// Upstream `ActivePodsWithRanks.Less` with `LogarithmicScaleDown` (on by default): whether
    /// `a` should be deleted before `b`.
    static func deletesFirst(_ a: RankedPod, _ b: RankedPod, now: Date) -> Bool {
        let p1 = a.pod, p2 = b.pod
        // 1. Unassigned before assigned.
        let n1 = p1[path: ["spec", "nodeName"]].stringValue ?? "", n2 = p2[path: ["spec", "nodeName"]].stringValue ?? ""
        if n1.isEmpty != n2.isEmpty { return n1.isEmpty }
        // 2. Pending before Unknown before Running.
        let o1 = phaseOrdinal(p1), o2 = phaseOrdinal(p2)
        if o1 != o2 { return o1 < o2 }
        // 3. Not ready before ready.
        let r1 = PodReadiness.isReady(p1), r2 = PodReadiness.isReady(p2)
        if r1 != r2 { return !r1 }
        // 4. Lower pod-deletion-cost first.
        let c1 = deletionCost(p1), c2 = deletionCost(p2)
        if c1 != c2 { return c1 < c2 }
        // 5. Doubled up (more related pods on the same node) first.
        if a.rank != b.rank { return a.rank > b.rank }
        // 6. Ready for less time first, compared on a log2 scale.
        if r1 && r2 {
            let t1 = PodReadiness.readySince(p1), t2 = PodReadiness.readySince(p2)
            if t1 != t2 {
                if let t1, let t2 {
                    let diff = logarithmicRankDiff(t1, t2, now: now)
                    if diff == 0 { return WorkloadMeta.uid(p1) < WorkloadMeta.uid(p2) }
                    return diff < 0
                }
                return afterOrZero(t1, t2)
            }
        }
        // 7. More container restarts first.
        let x1 = PodReadiness.maxContainerRestarts(p1), x2 = PodReadiness.maxContainerRestarts(p2)
        if x1 != x2 { return x1 > x2 }
        // 8. Newer pods first, again on a log2 scale.
        let t1 = WorkloadMeta.creationTimestamp(p1), t2 = WorkloadMeta.creationTimestamp(p2)
        if t1 != t2 {
            if let t1, let t2 {
                let diff = logarithmicRankDiff(t1, t2, now: now)
                if diff == 0 { return WorkloadMeta.uid(p1) < WorkloadMeta.uid(p2) }
                return diff < 0
            }
            return afterOrZero(t1, t2)
        }
        return false
    }

    static func phaseOrdinal(_ pod: JSON) -> Int {
        switch pod[path: ["status", "phase"]].stringValue {
        case "Pending": return 0
        case "Unknown": return 1
        case "Running": return 2
        default: return 0  // upstream's map lookup gives 0 (Pending's rank) for any other phase
        }
    }

    /// `controller.kubernetes.io/pod-deletion-cost`; invalid values count as 0 like upstream.
    static func deletionCost(_ pod: JSON) -> Int32 {
        WorkloadMeta.annotations(pod)["controller.kubernetes.io/pod-deletion-cost"].flatMap { Int32($0) } ?? 0
    }

    /// Upstream `logarithmicRankDiff`: compares `floor(log2(age in ns))` of the two times.
    static func logarithmicRankDiff(_ t1: Date, _ t2: Date, now: Date) -> Int {
        func rank(_ t: Date) -> Int {
            let nanoseconds = now.timeIntervalSince(t) * 1e9
            return nanoseconds > 0 ? Int(log2(nanoseconds).rounded(.down)) : -1
        }
        return rank(t1) - rank(t2)
    }

    /// Upstream `afterOrZero`: a missing time sorts first, otherwise the later one.
    static func afterOrZero(_ t1: Date?, _ t2: Date?) -> Bool {
        guard let t1, let t2 else { return t1 == nil }
        return t1 > t2
    }
}
