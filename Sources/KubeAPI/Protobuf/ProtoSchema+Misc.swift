// Descriptors for api policy/v1, networking/v1, scheduling/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let miscMessages: [String: [ProtoField]] = [
        "policy.Eviction": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "deleteOptions", .message("meta.DeleteOptions"), .emitZero),
        ],
        "policy.PodDisruptionBudget": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("policy.PodDisruptionBudgetSpec")),
            .f(3, "status", .message("policy.PodDisruptionBudgetStatus")),
        ],
        "policy.PodDisruptionBudgetSpec": [
            .f(1, "minAvailable", .intOrString, .emitZero),
            .f(2, "selector", .message("meta.LabelSelector"), .emitZero),
            .f(3, "maxUnavailable", .intOrString, .emitZero),
            .f(4, "unhealthyPodEvictionPolicy", .string, .emitZero),
        ],
        "policy.PodDisruptionBudgetStatus": [
            .f(1, "observedGeneration", .int64),
            .f(2, "disruptedPods", .map(.time)),
            .f(3, "disruptionsAllowed", .int32, .emitZero),
            .f(4, "currentHealthy", .int32, .emitZero),
            .f(5, "desiredHealthy", .int32, .emitZero),
            .f(6, "expectedPods", .int32, .emitZero),
        ],
        "networking.Ingress": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("networking.IngressSpec")),
        ],
        "networking.IngressSpec": [
            .f(1, "defaultBackend", .message("networking.IngressBackend"), .emitZero),
            .f(2, "tls", .message("networking.IngressTLS"), .repeated),
            .f(3, "rules", .message("networking.IngressRule"), .repeated),
            .f(4, "ingressClassName", .string, .emitZero),
        ],
        "networking.IngressBackend": [
            .f(3, "resource", .message("core.TypedLocalObjectReference"), .emitZero),
            .f(4, "service", .message("networking.IngressServiceBackend"), .emitZero),
        ],
        "networking.IngressServiceBackend": [
            .f(1, "name", .string, .emitZero),
            .f(2, "port", .message("networking.ServiceBackendPort")),
        ],
        "networking.ServiceBackendPort": [
            .f(1, "name"),
            .f(2, "number", .int32),
        ],
        "networking.IngressRule": [
            .f(1, "host"),
            .f(2, "ingressRuleValue", .message("networking.IngressRuleValue"), .inline),
        ],
        "networking.IngressRuleValue": [
            .f(1, "http", .message("networking.HTTPIngressRuleValue"), .emitZero),
        ],
        "networking.HTTPIngressRuleValue": [
            .f(1, "paths", .message("networking.HTTPIngressPath"), .repeated),
        ],
        "networking.HTTPIngressPath": [
            .f(1, "path"),
            .f(2, "backend", .message("networking.IngressBackend"), .emitZero),
            .f(3, "pathType", .string, .emitZero),
        ],
        "networking.IngressTLS": [
            .f(1, "hosts", .string, .repeated),
            .f(2, "secretName"),
        ],
        "scheduling.PriorityClass": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "value", .int32, .emitZero),
            .f(3, "globalDefault", .bool),
            .f(4, "description"),
            .f(5, "preemptionPolicy", .string, .emitZero),
        ],
    ]
}
