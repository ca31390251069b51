// Descriptors for api core/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let coreObjectMessages: [String: [ProtoField]] = [
        "core.Namespace": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("core.NamespaceSpec")),
            .f(3, "status", .message("core.NamespaceStatus")),
        ],
        "core.NamespaceSpec": [
            .f(1, "finalizers", .string, .repeated),
        ],
        "core.NamespaceStatus": [
            .f(1, "phase"),
            .f(2, "conditions", .message("core.NamespaceCondition"), .repeated),
        ],
        "core.NamespaceCondition": [
            .f(1, "type", .string, .emitZero),
            .f(2, "status", .string, .emitZero),
            .f(4, "lastTransitionTime", .time),
            .f(5, "reason"),
            .f(6, "message"),
        ],
        "core.ConfigMap": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "data", .map(.string)),
            .f(3, "binaryData", .map(.bytes)),
            .f(4, "immutable", .bool, .emitZero),
        ],
        "core.Secret": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "data", .map(.bytes)),
            .f(3, "type"),
            .f(4, "stringData", .map(.string)),
            .f(5, "immutable", .bool, .emitZero),
        ],
        "core.Service": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("core.ServiceSpec")),
        ],
        "core.ServiceSpec": [
            .f(1, "ports", .message("core.ServicePort"), .repeated),
            .f(2, "selector", .map(.string)),
            .f(3, "clusterIP"),
            .f(4, "type"),
            .f(5, "externalIPs", .string, .repeated),
            .f(7, "sessionAffinity"),
            .f(8, "loadBalancerIP"),
            .f(9, "loadBalancerSourceRanges", .string, .repeated),
            .f(10, "externalName"),
            .f(11, "externalTrafficPolicy"),
            .f(12, "healthCheckNodePort", .int32),
            .f(13, "publishNotReadyAddresses", .bool),
            .f(14, "sessionAffinityConfig", .message("core.SessionAffinityConfig"), .emitZero),
            .f(17, "ipFamilyPolicy", .string, .emitZero),
            .f(18, "clusterIPs", .string, .repeated),
            .f(19, "ipFamilies", .string, .repeated),
            .f(20, "allocateLoadBalancerNodePorts", .bool, .emitZero),
            .f(21, "loadBalancerClass", .string, .emitZero),
            .f(22, "internalTrafficPolicy", .string, .emitZero),
            .f(23, "trafficDistribution", .string, .emitZero),
        ],
        "core.ServicePort": [
            .f(1, "name"),
            .f(2, "protocol"),
            .f(3, "port", .int32, .emitZero),
            .f(4, "targetPort", .intOrString),
            .f(5, "nodePort", .int32),
            .f(6, "appProtocol", .string, .emitZero),
        ],
        "core.SessionAffinityConfig": [
            .f(1, "clientIP", .message("core.ClientIPConfig"), .emitZero),
        ],
        "core.ClientIPConfig": [
            .f(1, "timeoutSeconds", .int32, .emitZero),
        ],
        "core.ServiceAccount": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "secrets", .message("core.ObjectReference"), .repeated),
            .f(3, "imagePullSecrets", .message("core.LocalObjectReference"), .repeated),
            .f(4, "automountServiceAccountToken", .bool, .emitZero),
        ],
        "core.ObjectReference": [
            .f(1, "kind"),
            .f(2, "namespace"),
            .f(3, "name"),
            .f(4, "uid"),
            .f(5, "apiVersion"),
            .f(6, "resourceVersion"),
            .f(7, "fieldPath"),
        ],
        "core.LocalObjectReference": [
            .f(1, "name"),
        ],
        "core.ResourceQuota": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("core.ResourceQuotaSpec")),
        ],
        "core.ResourceQuotaSpec": [
            .f(1, "hard", .map(.quantity)),
            .f(2, "scopes", .string, .repeated),
            .f(3, "scopeSelector", .message("core.ScopeSelector"), .emitZero),
        ],
        "core.ScopeSelector": [
            .f(1, "matchExpressions", .message("core.ScopedResourceSelectorRequirement"), .repeated),
        ],
        "core.ScopedResourceSelectorRequirement": [
            .f(1, "scopeName", .string, .emitZero),
            .f(2, "operator", .string, .emitZero),
            .f(3, "values", .string, .repeated),
        ],
        "core.TypedLocalObjectReference": [
            .f(1, "apiGroup", .string, .emitZero),
            .f(2, "kind", .string, .emitZero),
            .f(3, "name", .string, .emitZero),
        ],
    ]
}
