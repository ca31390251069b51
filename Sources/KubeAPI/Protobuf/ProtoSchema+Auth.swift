// Descriptors for api authentication/v1, authorization/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let authMessages: [String: [ProtoField]] = [
        "authn.TokenRequest": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("authn.TokenRequestSpec"), .emitZero),
            .f(3, "status", .message("authn.TokenRequestStatus")),
        ],
        "authn.TokenRequestSpec": [
            .f(1, "audiences", .string, .repeated),
            .f(3, "boundObjectRef", .message("authn.BoundObjectReference"), .emitZero),
            .f(4, "expirationSeconds", .int64, .emitZero),
        ],
        "authn.BoundObjectReference": [
            .f(1, "kind"),
            .f(2, "apiVersion"),
            .f(3, "name"),
            .f(4, "uid"),  // the proto field is spelled "uID"; the JSON tag is "uid"
        ],
        "authn.TokenRequestStatus": [
            .f(1, "token", .string, .emitZero),
            .f(2, "expirationTimestamp", .time, .emitZero),
        ],
        // `kubectl auth whoami` and `kubectl auth can-i --list` send these with an empty status.
        "authn.SelfSubjectReview": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
        ],
        "authz.SelfSubjectRulesReview": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("authz.SelfSubjectRulesReviewSpec"), .emitZero),
        ],
        "authz.SelfSubjectRulesReviewSpec": [
            .f(1, "namespace"),
        ],
        "authz.SelfSubjectAccessReview": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("authz.SelfSubjectAccessReviewSpec"), .emitZero),
            .f(3, "status", .message("authz.SubjectAccessReviewStatus")),
        ],
        "authz.SelfSubjectAccessReviewSpec": [
            .f(1, "resourceAttributes", .message("authz.ResourceAttributes"), .emitZero),
            .f(2, "nonResourceAttributes", .message("authz.NonResourceAttributes"), .emitZero),
        ],
        "authz.ResourceAttributes": [
            .f(1, "namespace"),
            .f(2, "verb"),
            .f(3, "group"),
            .f(4, "version"),
            .f(5, "resource"),
            .f(6, "subresource"),
            .f(7, "name"),
            .f(8, "fieldSelector", .message("authz.FieldSelectorAttributes"), .emitZero),
            .f(9, "labelSelector", .message("authz.LabelSelectorAttributes"), .emitZero),
        ],
        "authz.NonResourceAttributes": [
            .f(1, "path"),
            .f(2, "verb"),
        ],
        "authz.FieldSelectorAttributes": [
            .f(1, "rawSelector"),
            .f(2, "requirements", .message("meta.FieldSelectorRequirement"), .repeated),
        ],
        "authz.LabelSelectorAttributes": [
            .f(1, "rawSelector"),
            .f(2, "requirements", .message("meta.LabelSelectorRequirement"), .repeated),
        ],
        "authz.SubjectAccessReviewStatus": [
            .f(1, "allowed", .bool, .emitZero),
            .f(2, "reason"),
            .f(3, "evaluationError"),
            .f(4, "denied", .bool),
        ],
    ]
}
