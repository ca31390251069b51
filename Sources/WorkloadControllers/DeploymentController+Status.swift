import FoundationEssentials
import KubeAPI

extension DeploymentController {
    /// Upstream `calculateStatus`: counters summed over the ReplicaSets' statuses, and the
    /// `Available` condition from `replicas - maxUnavailable`. Zero counters are omitted like
    /// upstream's `omitempty`.
    static func calculateStatus(_ plan: DeploymentPlan, newRS: String?) -> JSON {
        let all = plan.all.filter { !plan.deleted.contains(WorkloadMeta.name($0)) }
        let spec = plan.spec
        let available = all.reduce(0) { $0 + ReplicaSetView.availableReplicas($1) }
        let total = all.reduce(0) { $0 + ReplicaSetView.specReplicas($1) }
        let counters: [(String, Int64)] = [
            ("observedGeneration", spec.generation),
            ("replicas", Int64(all.reduce(0) { $0 + ReplicaSetView.statusReplicas($1) })),
            ("updatedReplicas", Int64(newRS.flatMap { plan.replicaSets[$0] }.map(ReplicaSetView.statusReplicas) ?? 0)),
            ("readyReplicas", Int64(all.reduce(0) { $0 + ReplicaSetView.readyReplicas($1) })),
            ("availableReplicas", Int64(available)),
            ("unavailableReplicas", Int64(max(0, total - available))),
        ]
        var status: JSONObject = plan.deployment["status"].objectValue ?? [:]
        for (key, value) in counters {
            if value != 0 { status[key] = .int(value) } else { status.removeValue(forKey: key) }
        }
        var json = JSON.object(status)
        if available >= spec.replicas - spec.maxUnavailable {
            json = WorkloadConditions.setting(json, WorkloadConditions.make(
                type: "Available", status: "True", reason: "MinimumReplicasAvailable",
                message: "Deployment has minimum availability.", now: plan.now, withUpdateTime: true))
        } else {
            json = WorkloadConditions.setting(json, WorkloadConditions.make(
                type: "Available", status: "False", reason: "MinimumReplicasUnavailable",
                message: "Deployment does not have minimum availability.", now: plan.now, withUpdateTime: true))
        }
        return json
    }

    /// Upstream `syncDeploymentStatus` (scaling and paused paths): counters and Available only.
    static func syncDeploymentStatus(_ plan: inout DeploymentPlan, newRS: String?) {
        plan.deployment["status"] = calculateStatus(plan, newRS: newRS)
    }

    /// Upstream `syncRolloutStatus`: counters plus the Progressing condition (complete,
    /// progressing, or timed out against progressDeadlineSeconds) and ReplicaFailure copied from
    /// the ReplicaSets; requeues to check the deadline.
    static func syncRolloutStatus(_ plan: inout DeploymentPlan, newRS: String?) {
        var status = calculateStatus(plan, newRS: newRS)
        let spec = plan.spec
        let current = WorkloadConditions.find(plan.deployment["status"], type: "Progressing")
        if spec.progressDeadlineSeconds == nil {
            status = WorkloadConditions.removing(status, type: "Progressing")
        }
        let isComplete = status["replicas"] == status["updatedReplicas"]
            && current?["reason"].stringValue == "NewReplicaSetAvailable"
        if let deadline = spec.progressDeadlineSeconds, !isComplete {
            let subject = newRS.map { "ReplicaSet \"\($0)\"" } ?? "Deployment \"\(spec.name)\""
            if deploymentComplete(spec, status: status) {
                status = WorkloadConditions.setting(status, WorkloadConditions.make(
                    type: "Progressing", status: "True", reason: "NewReplicaSetAvailable",
                    message: "\(subject) has successfully progressed.", now: plan.now, withUpdateTime: true))
            } else if deploymentProgressing(old: plan.original["status"], new: status) {
                var condition = WorkloadConditions.make(
                    type: "Progressing", status: "True", reason: "ReplicaSetUpdated",
                    message: "\(subject) is progressing.", now: plan.now, withUpdateTime: true)
                if let current {
                    // Progress refreshes lastUpdateTime even with an unchanged reason, which is
                    // what restarts the deadline clock.
                    if current["status"].stringValue == "True" {
                        condition["lastTransitionTime"] = current["lastTransitionTime"]
                    }
                    status = WorkloadConditions.removing(status, type: "Progressing")
                }
                status = WorkloadConditions.setting(status, condition)
            } else if timedOut(current, deadline: deadline, now: plan.now) {
                status = WorkloadConditions.setting(status, WorkloadConditions.make(
                    type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded",
                    message: "\(subject) has timed out progressing.", now: plan.now, withUpdateTime: true))
            }
        }
        if let failure = replicaFailure(plan, newRS: newRS) {
            status = WorkloadConditions.setting(status, failure)
        } else {
            status = WorkloadConditions.removing(status, type: "ReplicaFailure")
        }
        plan.deployment["status"] = status
        requeueIfStuck(&plan, status: status)
    }

    /// Upstream `DeploymentComplete`.
    static func deploymentComplete(_ spec: DeploymentSpecView, status: JSON) -> Bool {
        let replicas = Int64(spec.replicas)
        return (status["updatedReplicas"].intValue ?? 0) == replicas
            && (status["replicas"].intValue ?? 0) == replicas
            && (status["availableReplicas"].intValue ?? 0) == replicas
            && (status["observedGeneration"].intValue ?? 0) >= spec.generation
    }

    /// Upstream `DeploymentProgressing`: more updated, fewer old, more ready or more available.
    static func deploymentProgressing(old: JSON, new: JSON) -> Bool {
        func value(_ s: JSON, _ key: String) -> Int64 { s[key].intValue ?? 0 }
        let oldOld = value(old, "replicas") - value(old, "updatedReplicas")
        let newOld = value(new, "replicas") - value(new, "updatedReplicas")
        return value(new, "updatedReplicas") > value(old, "updatedReplicas") || newOld < oldOld
            || value(new, "readyReplicas") > value(old, "readyReplicas")
            || value(new, "availableReplicas") > value(old, "availableReplicas")
    }

    /// Upstream `DeploymentTimedOut`: no progress since the Progressing condition's lastUpdateTime
    /// for longer than the deadline.
    static func timedOut(_ condition: JSON?, deadline: Int64, now: Date) -> Bool {
        guard let condition else { return false }
        switch condition["reason"].stringValue {
        case "NewReplicaSetAvailable": return false
        case "ProgressDeadlineExceeded": return true
        default: break
        }
        guard let from = condition["lastUpdateTime"].stringValue.flatMap(Timestamp.parse) else { return false }
        return from.addingTimeInterval(TimeInterval(deadline)) < now
    }

    /// Upstream `getReplicaFailures`: a ReplicaSet's `ReplicaFailure=True` (new one first) becomes
    /// the Deployment's.
    static func replicaFailure(_ plan: DeploymentPlan, newRS: String?) -> JSON? {
        let candidates = (newRS.map { [$0] } ?? []) + plan.order.filter { $0 != newRS }
        for name in candidates {
            guard let rs = plan.replicaSets[name],
                  let condition = WorkloadConditions.find(rs["status"], type: "ReplicaFailure"),
                  condition["status"].stringValue == "True" else { continue }
            let time = condition["lastTransitionTime"]
            return [
                "type": "ReplicaFailure", "status": condition["status"], "lastUpdateTime": time,
                "lastTransitionTime": time, "reason": condition["reason"], "message": condition["message"],
            ]
        }
        return nil
    }

    /// Upstream `requeueStuckDeployment`: check again when the deadline would pass.
    static func requeueIfStuck(_ plan: inout DeploymentPlan, status: JSON) {
        guard let deadline = plan.spec.progressDeadlineSeconds,
              let condition = WorkloadConditions.find(status, type: "Progressing"),
              condition["reason"].stringValue != "NewReplicaSetAvailable",
              condition["reason"].stringValue != "ProgressDeadlineExceeded",
              !deploymentComplete(plan.spec, status: status),
              let from = condition["lastUpdateTime"].stringValue.flatMap(Timestamp.parse) else { return }
        let after = max(0, from.addingTimeInterval(TimeInterval(deadline)).timeIntervalSince(plan.now)) + 1
        let duration = Duration.seconds(Int64(after.rounded(.up)))
        plan.requeueAfter = min(plan.requeueAfter ?? duration, duration)
    }

    /// Upstream `checkPausedConditions`: Progressing Unknown DeploymentPaused/DeploymentResumed,
    /// unless a timeout was already reported.
    static func checkPausedConditions(_ plan: inout DeploymentPlan) {
        guard plan.spec.progressDeadlineSeconds != nil else { return }
        let current = WorkloadConditions.find(plan.deployment["status"], type: "Progressing")
        if current?["reason"].stringValue == "ProgressDeadlineExceeded" { return }
        let pausedNoted = current?["reason"].stringValue == "DeploymentPaused"
        if plan.spec.paused && !pausedNoted {
            setCondition(&plan, type: "Progressing", status: "Unknown", reason: "DeploymentPaused",
                         message: "Deployment is paused")
        } else if !plan.spec.paused && pausedNoted {
            setCondition(&plan, type: "Progressing", status: "Unknown", reason: "DeploymentResumed",
                         message: "Deployment is resumed")
        }
    }

    static func setCondition(_ plan: inout DeploymentPlan, type: String, status: String, reason: String, message: String) {
        plan.deployment["status"] = WorkloadConditions.setting(plan.deployment["status"], WorkloadConditions.make(
            type: type, status: status, reason: reason, message: message, now: plan.now, withUpdateTime: true))
    }

    /// Upstream `cleanupDeployment`: delete the oldest old ReplicaSets beyond
    /// `revisionHistoryLimit`, only those fully scaled down and observed.
    static func cleanupHistory(_ plan: inout DeploymentPlan, newRS: String?) {
        let limit = plan.spec.revisionHistoryLimit
        let cleanable = findNewAndOld(plan).old.compactMap { plan.replicaSets[$0] }
            .filter { !WorkloadMeta.isBeingDeleted($0) }
        let excess = cleanable.count - limit
        guard excess > 0 else { return }
        let byRevision = cleanable.sorted { a, b in
            let ra = ReplicaSetView.revision(a) ?? 0, rb = ReplicaSetView.revision(b) ?? 0
            return ra != rb ? ra < rb : WorkloadMeta.olderFirst(a, b)
        }
        for rs in byRevision.prefix(excess) {
            if ReplicaSetView.statusReplicas(rs) != 0 || ReplicaSetView.specReplicas(rs) != 0
                || WorkloadMeta.generation(rs) > ReplicaSetView.observedGeneration(rs) { continue }
            plan.deleted.append(WorkloadMeta.name(rs))
        }
    }
}
