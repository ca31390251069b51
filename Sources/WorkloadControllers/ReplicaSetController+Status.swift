import FoundationEssentials
import KubeAPI

extension ReplicaSetController {
    /// Upstream `calculateStatus`: counts over the claimed active pods and the `ReplicaFailure`
    /// condition (set on a create/delete error, removed once a sync succeeds).
    static func calculateStatus(replicaSet: JSON, claimed: [JSON], manageError: ManageError?, now: Date) -> JSON {
        let minReady = replicaSet[path: ["spec", "minReadySeconds"]].intValue ?? 0
        let templateLabels = WorkloadMeta.stringMap(replicaSet[path: ["spec", "template", "metadata", "labels"]])
        var fullyLabeled: Int64 = 0, ready: Int64 = 0, available: Int64 = 0
        for pod in claimed {
            let labels = WorkloadMeta.labels(pod)
            if templateLabels.allSatisfy({ labels[$0.key] == $0.value }) { fullyLabeled += 1 }
            if PodReadiness.isReady(pod) {
                ready += 1
                if PodReadiness.isAvailable(pod, minReadySeconds: minReady, now: now) { available += 1 }
            }
        }
        var status: JSON = replicaSet["status"].objectValue != nil ? replicaSet["status"] : .object([:])
        status["replicas"] = .int(Int64(claimed.count))
        status["fullyLabeledReplicas"] = .int(fullyLabeled)
        status["readyReplicas"] = .int(ready)
        status["availableReplicas"] = .int(available)
        status["observedGeneration"] = .int(WorkloadMeta.generation(replicaSet))
        let hasFailure = WorkloadConditions.find(status, type: "ReplicaFailure") != nil
        if let manageError, !hasFailure {
            let reason = manageError.operation == .create ? "FailedCreate" : "FailedDelete"
            status = WorkloadConditions.setting(status, WorkloadConditions.make(
                type: "ReplicaFailure", status: "True", reason: reason, message: manageError.message, now: now,
                withUpdateTime: false))
        } else if manageError == nil && hasFailure {
            status = WorkloadConditions.removing(status, type: "ReplicaFailure")
        }
        return status
    }

    /// Whether `status` differs from what the cache holds (numbers compared semantically, absent
    /// counters read as 0 since upstream omits zeros).
    static func statusNeedsUpdate(replicaSet: JSON, status: JSON) -> Bool {
        let current = replicaSet["status"]
        for key in ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"] {
            if (current[key].intValue ?? 0) != (status[key].intValue ?? 0) { return true }
        }
        return !current["conditions"].semanticallyEquals(status["conditions"])
    }
}
