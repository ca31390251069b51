import FoundationEssentials
import KubeAPI

/// Status, after upstream's `computeReplicaStatus` and `completeRollingUpdate`; these are the
/// fields `kubectl rollout status statefulset` reads.
extension StatefulSetSync {
    func computeStatus(_ members: [JSON], current: JSON, update: JSON, collisionCount: Int64) -> JSON {
        let currentName = SetsSupport.name(current)
        let updateName = SetsSupport.name(update)
        var replicas: Int64 = 0, ready: Int64 = 0, available: Int64 = 0
        var currentReplicas: Int64 = 0, updated: Int64 = 0
        for pod in members {
            // A pod without a phase has not been seen by the apiserver's defaulting yet.
            let created = !SetsSupport.phase(pod).isEmpty
            if created { replicas += 1 }
            if SetsSupport.isRunningAndReady(pod) {
                ready += 1
                if SetsSupport.isAvailable(pod, minReadySeconds: spec.minReadySeconds, now: now) { available += 1 }
            }
            if created, !SetsSupport.isTerminating(pod) {
                let revision = SetsSupport.labels(pod)[StatefulSetController.revisionLabel]
                if revision == currentName { currentReplicas += 1 }
                if revision == updateName { updated += 1 }
            }
        }
        var currentRevision = currentName
        // The rollout is complete once every pod is updated and ready: the update becomes current.
        if !spec.onDelete, updated == replicas, ready == replicas {
            currentReplicas = updated
            currentRevision = updateName
        }
        var status: JSON = [
            "observedGeneration": .int(spec.generation),
            "replicas": .int(replicas),
            "readyReplicas": .int(ready),
            "currentReplicas": .int(currentReplicas),
            "updatedReplicas": .int(updated),
            "availableReplicas": .int(available),
            "currentRevision": .string(currentRevision),
            "updateRevision": .string(updateName),
            "collisionCount": .int(collisionCount),
        ]
        let conditions = set[path: ["status", "conditions"]]
        if !conditions.isNull { status["conditions"] = conditions }
        return status
    }
}
