import FoundationEssentials
import KubeAPI

extension DeploymentController {
    /// Upstream `rolloutRolling`: scale the new ReplicaSet up within maxSurge, otherwise scale old
    /// ones down within maxUnavailable; clean up history once complete.
    static func rolloutRolling(_ plan: inout DeploymentPlan, allInNamespace: [JSON]) {
        let newRS: String?
        switch syncNewReplicaSet(&plan, create: true, allInNamespace: allInNamespace) {
        case .collision: return
        case .none: newRS = nil
        case .found(let name): newRS = name
        }
        if let newRS, reconcileNewReplicaSet(&plan, newRS: newRS) {
            syncRolloutStatus(&plan, newRS: newRS)
            return
        }
        if reconcileOldReplicaSets(&plan, newRS: newRS) {
            syncRolloutStatus(&plan, newRS: newRS)
            return
        }
        if deploymentComplete(plan.spec, status: calculateStatus(plan, newRS: newRS)) {
            cleanupHistory(&plan, newRS: newRS)
        }
        syncRolloutStatus(&plan, newRS: newRS)
    }

    /// Upstream `reconcileNewReplicaSet`.
    static func reconcileNewReplicaSet(_ plan: inout DeploymentPlan, newRS: String) -> Bool {
        guard let rs = plan.replicaSets[newRS] else { return false }
        let current = ReplicaSetView.specReplicas(rs), desired = plan.spec.replicas
        if current == desired { return false }
        if current > desired { return plan.scaleAndRecord(newRS, to: desired) }
        return plan.scaleAndRecord(newRS, to: newReplicaSetReplicas(plan, newRS: newRS))
    }

    /// Upstream `reconcileOldReplicaSets`: first drop unhealthy old replicas, then scale old
    /// ReplicaSets down while at least `replicas - maxUnavailable` pods stay available.
    static func reconcileOldReplicaSets(_ plan: inout DeploymentPlan, newRS: String?) -> Bool {
        let old = findNewAndOld(plan).old
        let oldPods = old.reduce(0) { $0 + ReplicaSetView.specReplicas(plan.replicaSets[$1]!) }
        if oldPods == 0 { return false }
        let allPods = plan.all.reduce(0) { $0 + ReplicaSetView.specReplicas($1) }
        let minAvailable = plan.spec.replicas - plan.spec.maxUnavailable
        let newUnavailable = newRS.flatMap { plan.replicaSets[$0] }.map {
            ReplicaSetView.specReplicas($0) - ReplicaSetView.availableReplicas($0)
        } ?? 0
        let maxScaledDown = allPods - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return false }

        let activeOld = old.filter { ReplicaSetView.specReplicas(plan.replicaSets[$0]!) > 0 }
        let cleaned = cleanupUnhealthyReplicas(&plan, old: activeOld, maxCleanup: maxScaledDown)
        let scaled = scaleDownOldReplicaSets(&plan, old: activeOld, newRS: newRS)
        return cleaned + scaled > 0
    }

    /// Upstream `cleanupUnhealthyReplicas`: scale down old replicas that are not available, oldest
    /// ReplicaSet first.
    static func cleanupUnhealthyReplicas(_ plan: inout DeploymentPlan, old: [String], maxCleanup: Int) -> Int {
        var total = 0
        for name in old {
            if total >= maxCleanup { break }
            let rs = plan.replicaSets[name]!
            let replicas = ReplicaSetView.specReplicas(rs), available = ReplicaSetView.availableReplicas(rs)
            if replicas == 0 || replicas == available { continue }
            let count = min(maxCleanup - total, replicas - available)
            guard count > 0 else { continue }
            plan.scaleAndRecord(name, to: replicas - count)
            total += count
        }
        return total
    }

    /// Upstream `scaleDownOldReplicaSetsForRollingUpdate`.
    /// Availability is counted over the active old ReplicaSets and the new one only: an old
    /// ReplicaSet already at 0 may still report available pods that are going away.
    static func scaleDownOldReplicaSets(_ plan: inout DeploymentPlan, old: [String], newRS: String?) -> Int {
        let minAvailable = plan.spec.replicas - plan.spec.maxUnavailable
        let counted = (old + (newRS.map { [$0] } ?? [])).compactMap { plan.replicaSets[$0] }
        let available = counted.reduce(0) { $0 + ReplicaSetView.availableReplicas($1) }
        if available <= minAvailable { return 0 }
        let target = available - minAvailable
        var total = 0
        for name in old {
            if total >= target { break }
            let replicas = ReplicaSetView.specReplicas(plan.replicaSets[name]!)
            if replicas == 0 { continue }
            let count = min(replicas, target - total)
            plan.scaleAndRecord(name, to: replicas - count)
            total += count
        }
        return total
    }

    /// Upstream `rolloutRecreate`: scale every old ReplicaSet to 0, wait until none of their pods
    /// is left running, then create and scale up the new one.
    static func rolloutRecreate(_ plan: inout DeploymentPlan, allInNamespace: [JSON], pods: [JSON]) {
        var newRS: String?
        switch syncNewReplicaSet(&plan, create: false, allInNamespace: allInNamespace) {
        case .collision: return
        case .none: newRS = nil
        case .found(let name): newRS = name
        }
        var scaledDown = false
        for name in findNewAndOld(plan).old where ReplicaSetView.specReplicas(plan.replicaSets[name]!) > 0 {
            if plan.scaleAndRecord(name, to: 0) { scaledDown = true }
        }
        if scaledDown || oldPodsRunning(plan, newRS: newRS, pods: pods) {
            syncRolloutStatus(&plan, newRS: newRS)
            return
        }
        if newRS == nil {
            switch syncNewReplicaSet(&plan, create: true, allInNamespace: allInNamespace) {
            case .collision: return
            case .none: break
            case .found(let name): newRS = name
            }
        }
        if let newRS { plan.scaleAndRecord(newRS, to: plan.spec.replicas) }
        if deploymentComplete(plan.spec, status: calculateStatus(plan, newRS: newRS)) {
            cleanupHistory(&plan, newRS: newRS)
        }
        syncRolloutStatus(&plan, newRS: newRS)
    }

    /// Upstream `oldPodsRunning`: old ReplicaSets still report pods, or a pod they control is
    /// in any phase but Succeeded/Failed.
    static func oldPodsRunning(_ plan: DeploymentPlan, newRS: String?, pods: [JSON]) -> Bool {
        let old = findNewAndOld(plan).old.compactMap { plan.replicaSets[$0] }
        if old.contains(where: { ReplicaSetView.statusReplicas($0) > 0 }) { return true }
        let oldUIDs = Set(old.map(WorkloadMeta.uid).filter { !$0.isEmpty })
        let namespace = WorkloadMeta.namespace(plan.original)
        return pods.contains { pod in
            guard WorkloadMeta.namespace(pod) == namespace,
                  let owner = OwnerReferenceSupport.controllerUID(of: pod), oldUIDs.contains(owner) else { return false }
            let phase = pod[path: ["status", "phase"]].stringValue
            return phase != "Succeeded" && phase != "Failed"
        }
    }
}
