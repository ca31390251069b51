// Descriptors for api apps/v1, batch/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let workloadMessages: [String: [ProtoField]] = [
        "apps.Deployment": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("apps.DeploymentSpec")),
            .f(3, "status", .message("apps.DeploymentStatus")),
        ],
        "apps.DeploymentSpec": [
            .f(1, "replicas", .int32, .emitZero),
            .f(2, "selector", .message("meta.LabelSelector"), .emitZero),
            .f(3, "template", .message("core.PodTemplateSpec"), .emitZero),
            .f(4, "strategy", .message("apps.DeploymentStrategy")),
            .f(5, "minReadySeconds", .int32),
            .f(6, "revisionHistoryLimit", .int32, .emitZero),
            .f(7, "paused", .bool),
            .f(9, "progressDeadlineSeconds", .int32, .emitZero),
        ],
        "apps.DeploymentStrategy": [
            .f(1, "type"),
            .f(2, "rollingUpdate", .message("apps.RollingUpdateDeployment"), .emitZero),
        ],
        "apps.RollingUpdateDeployment": [
            .f(1, "maxUnavailable", .intOrString, .emitZero),
            .f(2, "maxSurge", .intOrString, .emitZero),
        ],
        "apps.DeploymentStatus": [
            .f(1, "observedGeneration", .int64),
            .f(2, "replicas", .int32),
            .f(3, "updatedReplicas", .int32),
            .f(4, "availableReplicas", .int32),
            .f(5, "unavailableReplicas", .int32),
            .f(6, "conditions", .message("apps.DeploymentCondition"), .repeated),
            .f(7, "readyReplicas", .int32),
            .f(8, "collisionCount", .int32, .emitZero),
            .f(9, "terminatingReplicas", .int32, .emitZero),
        ],
        "apps.DeploymentCondition": [
            .f(1, "type", .string, .emitZero),
            .f(2, "status", .string, .emitZero),
            .f(4, "reason"),
            .f(5, "message"),
            .f(6, "lastUpdateTime", .time),
            .f(7, "lastTransitionTime", .time),
        ],
        "batch.Job": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("batch.JobSpec")),
            .f(3, "status", .message("batch.JobStatus")),
        ],
        "batch.JobSpec": [
            .f(1, "parallelism", .int32, .emitZero),
            .f(2, "completions", .int32, .emitZero),
            .f(3, "activeDeadlineSeconds", .int64, .emitZero),
            .f(4, "selector", .message("meta.LabelSelector"), .emitZero),
            .f(5, "manualSelector", .bool, .emitZero),
            .f(6, "template", .message("core.PodTemplateSpec"), .emitZero),
            .f(7, "backoffLimit", .int32, .emitZero),
            .f(8, "ttlSecondsAfterFinished", .int32, .emitZero),
            .f(9, "completionMode", .string, .emitZero),
            .f(10, "suspend", .bool, .emitZero),
            .f(12, "backoffLimitPerIndex", .int32, .emitZero),
            .f(13, "maxFailedIndexes", .int32, .emitZero),
            .f(14, "podReplacementPolicy", .string, .emitZero),
            .f(15, "managedBy", .string, .emitZero),
        ],
        "batch.JobStatus": [
            .f(1, "conditions", .message("batch.JobCondition"), .repeated),
            .f(2, "startTime", .time, .emitZero),
            .f(3, "completionTime", .time, .emitZero),
            .f(4, "active", .int32),
            .f(5, "succeeded", .int32),
            .f(6, "failed", .int32),
            .f(7, "completedIndexes"),
            .f(9, "ready", .int32, .emitZero),
            .f(10, "failedIndexes", .string, .emitZero),
            .f(11, "terminating", .int32, .emitZero),
        ],
        "batch.JobCondition": [
            .f(1, "type", .string, .emitZero),
            .f(2, "status", .string, .emitZero),
            .f(3, "lastProbeTime", .time),
            .f(4, "lastTransitionTime", .time),
            .f(5, "reason"),
            .f(6, "message"),
        ],
        "batch.CronJob": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("batch.CronJobSpec")),
            .f(3, "status", .message("batch.CronJobStatus")),
        ],
        "batch.CronJobSpec": [
            .f(1, "schedule", .string, .emitZero),
            .f(2, "startingDeadlineSeconds", .int64, .emitZero),
            .f(3, "concurrencyPolicy"),
            .f(4, "suspend", .bool, .emitZero),
            .f(5, "jobTemplate", .message("batch.JobTemplateSpec"), .emitZero),
            .f(6, "successfulJobsHistoryLimit", .int32, .emitZero),
            .f(7, "failedJobsHistoryLimit", .int32, .emitZero),
            .f(8, "timeZone", .string, .emitZero),
        ],
        "batch.JobTemplateSpec": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("batch.JobSpec")),
        ],
        "batch.CronJobStatus": [
            .f(1, "active", .message("core.ObjectReference"), .repeated),
            .f(4, "lastScheduleTime", .time, .emitZero),
            .f(5, "lastSuccessfulTime", .time, .emitZero),
        ],
    ]
}
