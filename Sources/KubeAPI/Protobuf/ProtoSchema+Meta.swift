// Descriptors for apimachinery pkg/apis/meta/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let metaMessages: [String: [ProtoField]] = [
        "meta.ObjectMeta": [
            .f(1, "name"),
            .f(2, "generateName"),
            .f(3, "namespace"),
            .f(4, "selfLink"),
            .f(5, "uid"),
            .f(6, "resourceVersion"),
            .f(7, "generation", .int64),
            .f(8, "creationTimestamp", .time),
            .f(9, "deletionTimestamp", .time, .emitZero),
            .f(10, "deletionGracePeriodSeconds", .int64, .emitZero),
            .f(11, "labels", .map(.string)),
            .f(12, "annotations", .map(.string)),
            .f(13, "ownerReferences", .message("meta.OwnerReference"), .repeated),
            .f(14, "finalizers", .string, .repeated),
            .f(17, "managedFields", .message("meta.ManagedFieldsEntry"), .repeated),
        ],
        "meta.OwnerReference": [
            .f(1, "kind", .string, .emitZero),
            .f(3, "name", .string, .emitZero),
            .f(4, "uid", .string, .emitZero),
            .f(5, "apiVersion", .string, .emitZero),
            .f(6, "controller", .bool, .emitZero),
            .f(7, "blockOwnerDeletion", .bool, .emitZero),
        ],
        "meta.ManagedFieldsEntry": [
            .f(1, "manager"),
            .f(2, "operation"),
            .f(3, "apiVersion"),
            .f(4, "time", .time, .emitZero),
            .f(6, "fieldsType"),
            .f(7, "fieldsV1", .fieldsV1, .emitZero),
            .f(8, "subresource"),
        ],
        "meta.LabelSelector": [
            .f(1, "matchLabels", .map(.string)),
            .f(2, "matchExpressions", .message("meta.LabelSelectorRequirement"), .repeated),
        ],
        "meta.LabelSelectorRequirement": [
            .f(1, "key", .string, .emitZero),
            .f(2, "operator", .string, .emitZero),
            .f(3, "values", .string, .repeated),
        ],
        "meta.DeleteOptions": [
            .f(1, "gracePeriodSeconds", .int64, .emitZero),
            .f(2, "preconditions", .message("meta.Preconditions"), .emitZero),
            .f(3, "orphanDependents", .bool, .emitZero),
            .f(4, "propagationPolicy", .string, .emitZero),
            .f(5, "dryRun", .string, .repeated),
            .f(6, "ignoreStoreReadErrorWithClusterBreakingPotential", .bool, .emitZero),
        ],
        "meta.Preconditions": [
            .f(1, "uid", .string, .emitZero),
            .f(2, "resourceVersion", .string, .emitZero),
        ],
        "meta.FieldSelectorRequirement": [
            .f(1, "key", .string, .emitZero),
            .f(2, "operator", .string, .emitZero),
            .f(3, "values", .string, .repeated),
        ],
    ]
}
