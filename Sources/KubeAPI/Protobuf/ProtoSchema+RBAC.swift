// Descriptors for api rbac/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let rbacMessages: [String: [ProtoField]] = [
        "rbac.Role": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "rules", .message("rbac.PolicyRule"), .repeated),
        ],
        "rbac.ClusterRole": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "rules", .message("rbac.PolicyRule"), .repeated),
            .f(3, "aggregationRule", .message("rbac.AggregationRule"), .emitZero),
        ],
        "rbac.AggregationRule": [
            .f(1, "clusterRoleSelectors", .message("meta.LabelSelector"), .repeated),
        ],
        "rbac.PolicyRule": [
            .f(1, "verbs", .string, .repeated),
            .f(2, "apiGroups", .string, .repeated),
            .f(3, "resources", .string, .repeated),
            .f(4, "resourceNames", .string, .repeated),
            .f(5, "nonResourceURLs", .string, .repeated),
        ],
        "rbac.RoleBinding": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "subjects", .message("rbac.Subject"), .repeated),
            .f(3, "roleRef", .message("rbac.RoleRef"), .emitZero),
        ],
        "rbac.ClusterRoleBinding": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "subjects", .message("rbac.Subject"), .repeated),
            .f(3, "roleRef", .message("rbac.RoleRef"), .emitZero),
        ],
        "rbac.Subject": [
            .f(1, "kind", .string, .emitZero),
            .f(2, "apiGroup"),
            .f(3, "name", .string, .emitZero),
            .f(4, "namespace"),
        ],
        "rbac.RoleRef": [
            .f(1, "apiGroup", .string, .emitZero),
            .f(2, "kind", .string, .emitZero),
            .f(3, "name", .string, .emitZero),
        ],
    ]
}
