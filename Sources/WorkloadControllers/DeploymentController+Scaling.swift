import FoundationEssentials
import KubeAPI

extension DeploymentController {
    /// Upstream `sync`: used when paused or when `spec.replicas` changed; resizes without rolling
    /// forward, cleans up history while paused, then updates the status counters.
    static func syncScaling(_ plan: inout DeploymentPlan) {
        let newRS: String?
        switch syncNewReplicaSet(&plan, create: false, allInNamespace: []) {
        case .found(let name): newRS = name
        case .none, .collision: newRS = nil
        }
        scaleProportionally(&plan, newRS: newRS)
        if plan.spec.paused { cleanupHistory(&plan, newRS: newRS) }
        syncDeploymentStatus(&plan, newRS: newRS)
    }

    /// Upstream `scale`: one active ReplicaSet takes the whole size; a saturated new ReplicaSet
    /// retires the old ones; otherwise (RollingUpdate) the change is spread over the active
    /// ReplicaSets in proportion to their size, leftovers going to the largest.
    static func scaleProportionally(_ plan: inout DeploymentPlan, newRS: String?) {
        let spec = plan.spec
        let old = findNewAndOld(plan).old
        if let target = activeOrLatest(plan, newRS: newRS, old: old) {
            if ReplicaSetView.specReplicas(plan.replicaSets[target]!) != spec.replicas {
                plan.scaleAndRecord(target, to: spec.replicas)
            }
            return
        }
        if let newRS, isSaturated(plan, newRS: newRS) {
            for name in old where ReplicaSetView.specReplicas(plan.replicaSets[name]!) > 0 {
                plan.scaleAndRecord(name, to: 0)
            }
            return
        }
        guard spec.isRollingUpdate else { return }
        var active = ReplicaSetView.active((old + (newRS.map { [$0] } ?? [])).compactMap { plan.replicaSets[$0] })
        let current = active.reduce(0) { $0 + ReplicaSetView.specReplicas($1) }
        let allowed = spec.replicas > 0 ? spec.replicas + spec.maxSurge : 0
        let toAdd = allowed - current
        var operation = ""
        if toAdd > 0 {
            active.sort { bySize($0, $1, newerFirst: true) }
            operation = "up"
        } else if toAdd < 0 {
            active.sort { bySize($0, $1, newerFirst: false) }
            operation = "down"
        }
        var added = 0
        var sizes: [Int] = []
        for rs in active {
            let size = ReplicaSetView.specReplicas(rs)
            if toAdd != 0 {
                let share = proportion(rs, plan: plan, toAdd: toAdd, added: added)
                sizes.append(size + share)
                added += share
            } else {
                sizes.append(size)
            }
        }
        for (index, rs) in active.enumerated() {
            var size = sizes[index]
            if index == 0 && toAdd != 0 { size = max(0, size + toAdd - added) }
            plan.scale(WorkloadMeta.name(rs), to: size, operation: operation)
        }
    }

    /// Upstream `FindActiveOrLatest`: the only active ReplicaSet, or with none active the new one
    /// (else the newest old one); nil when several are active.
    static func activeOrLatest(_ plan: DeploymentPlan, newRS: String?, old: [String]) -> String? {
        if newRS == nil && old.isEmpty { return nil }
        let candidates = old + (newRS.map { [$0] } ?? [])
        let active = candidates.filter { ReplicaSetView.specReplicas(plan.replicaSets[$0]!) > 0 }
        switch active.count {
        case 0: return newRS ?? old.last
        case 1: return active[0]
        default: return nil
        }
    }

    /// Upstream `IsSaturated`: the new ReplicaSet is sized for, and has available, all replicas.
    static func isSaturated(_ plan: DeploymentPlan, newRS: String) -> Bool {
        guard let rs = plan.replicaSets[newRS] else { return false }
        let replicas = plan.spec.replicas
        return ReplicaSetView.intAnnotation(rs, desiredReplicasAnnotation) == replicas
            && ReplicaSetView.availableReplicas(rs) == replicas && ReplicaSetView.specReplicas(rs) == replicas
    }

    /// `ReplicaSetsBySizeNewer` / `ReplicaSetsBySizeOlder`: larger first, ties by age.
    static func bySize(_ a: JSON, _ b: JSON, newerFirst: Bool) -> Bool {
        let sa = ReplicaSetView.specReplicas(a), sb = ReplicaSetView.specReplicas(b)
        if sa != sb { return sa > sb }
        return newerFirst ? WorkloadMeta.olderFirst(b, a) : WorkloadMeta.olderFirst(a, b)
    }

    /// Upstream `GetProportion`/`getReplicaSetFraction`: the ReplicaSet's share of the change,
    /// scaled from the max-replicas it was sized for, bounded by what is left to distribute.
    static func proportion(_ rs: JSON, plan: DeploymentPlan, toAdd: Int, added: Int) -> Int {
        let size = ReplicaSetView.specReplicas(rs)
        if size == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction: Int
        if plan.spec.replicas == 0 {
            fraction = -size
        } else if let before = ReplicaSetView.intAnnotation(rs, maxReplicasAnnotation), before != 0 {
            let maxReplicas = plan.spec.replicas + plan.spec.maxSurge
            let scaled = Double(size * maxReplicas) / Double(before)
            fraction = Int(scaled.rounded(.toNearestOrAwayFromZero)) - size
        } else {
            fraction = 0
        }
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }
}
