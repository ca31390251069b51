/// Whether an object is being created or replaced.
public enum AdmissionOperation: Hashable, Sendable {
    case create, update
}

/// Defaulting and validation of built-in kinds, following upstream v1.32: the v1 defaulters
/// (`pkg/apis/*/v1/defaults.go`), the registry strategies' `PrepareForCreate`/`PrepareForUpdate`
/// where they shape the stored object, and `pkg/apis/*/validation`.
///
/// The caller turns the returned causes into
/// `StatusError.invalid(kind:group:name:causes:)`. Not done here: name generation, uid and
/// creationTimestamp on create, `metadata.generation`, ClusterIP/NodePort allocation, copying
/// `status` from the stored object on update, and admission plugins (service accounts, priority).
public enum Admission {
    /// Applies defaults to `object` in place, then validates it. An empty result means admitted.
    /// - Parameters:
    ///   - old: the stored object, required for `.update` (without it update checks are skipped).
    ///   - namespaced: the resource's scope; when nil it is looked up from a table of built-ins.
    public static func defaultAndValidate(_ object: inout JSON, gvk: GroupVersionKind, operation: AdmissionOperation,
                                          old: JSON?, namespaced: Bool? = nil) -> [StatusCause] {
        fieldErrors(&object, gvk: gvk, operation: operation, old: old, namespaced: namespaced).map(\.cause)
    }

    /// As `defaultAndValidate`, but returns the structured errors.
    public static func fieldErrors(_ object: inout JSON, gvk: GroupVersionKind, operation: AdmissionOperation,
                                   old: JSON?, namespaced: Bool? = nil) -> [FieldError] {
        guard object.isObject else {
            return [.invalid(FieldPath(""), .raw(object.jsonString), "object must be a JSON object")]
        }
        let rules = KindRules.lookup(gvk)
        let isNamespaced = namespaced ?? !clusterScopedKinds.contains(gvk.group + "/" + gvk.kind)
        let context = AdmissionContext(gvk: gvk, operation: operation, old: old)

        rules.setDefaults(&object)
        var errs = ErrorList()
        if operation == .update, let old {
            ObjectMetaValidation.prepareForUpdate(&object, old: old)
            rules.prepareForUpdate(&object, old)
            ObjectMetaValidation.validateUpdate(object["metadata"], old: old["metadata"], into: &errs)
            rules.validate(object, context, &errs)
            rules.validateUpdate(object, old, &errs)
        } else {
            rules.prepareForCreate(&object)
            ObjectMetaValidation.validate(object["metadata"], namespaced: isNamespaced, rule: rules.nameRule, into: &errs)
            rules.validate(object, context, &errs)
            rules.validateCreate(object, &errs)
        }
        return errs.errors
    }

    /// The name check upstream applies to `metadata.name` of a kind.
    public static func nameRule(for gvk: GroupVersionKind) -> NameRule { KindRules.lookup(gvk).nameRule }

    /// Checks a name (or, with `prefix`, a `generateName`) under `rule`; returns upstream's messages.
    public static func validateName(_ name: String, rule: NameRule, prefix: Bool = false) -> [String] {
        ObjectMetaValidation.validateName(name, rule: rule, prefix: prefix)
    }

    /// `group/Kind` of the cluster-scoped built-in kinds.
    static let clusterScopedKinds: Set<String> = [
        "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
        "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "scheduling.k8s.io/PriorityClass", "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver",
        "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment", "networking.k8s.io/IngressClass",
        "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
        "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "node.k8s.io/RuntimeClass", "certificates.k8s.io/CertificateSigningRequest",
        "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
    ]
}

struct AdmissionContext {
    var gvk: GroupVersionKind
    var operation: AdmissionOperation
    var old: JSON?
}

/// The per-kind hooks; kinds without their own rules get only ObjectMeta validation.
struct KindRules: Sendable {
    var nameRule: NameRule = .pathSegment
    /// The versioned defaulter, run on every decoded object.
    var setDefaults: @Sendable (inout JSON) -> Void = { _ in }
    /// Strategy `PrepareForCreate`.
    var prepareForCreate: @Sendable (inout JSON) -> Void = { _ in }
    /// Strategy `PrepareForUpdate` (new, old).
    var prepareForUpdate: @Sendable (inout JSON, JSON) -> Void = { _, _ in }
    /// Validation shared by create and update (everything but ObjectMeta).
    var validate: @Sendable (JSON, AdmissionContext, inout ErrorList) -> Void = { _, _, _ in }
    /// Extra checks on create only.
    var validateCreate: @Sendable (JSON, inout ErrorList) -> Void = { _, _ in }
    /// Extra checks on update only (new, old).
    var validateUpdate: @Sendable (JSON, JSON, inout ErrorList) -> Void = { _, _, _ in }

    static func lookup(_ gvk: GroupVersionKind) -> KindRules {
        switch (gvk.group, gvk.kind) {
        case ("", "Pod"): return PodAdmission.rules
        case ("", "PodTemplate"): return WorkloadAdmission.podTemplate
        case ("", "ReplicationController"): return WorkloadAdmission.replicationController
        case ("apps", "Deployment"): return WorkloadAdmission.deployment
        case ("apps", "ReplicaSet"): return WorkloadAdmission.replicaSet
        case ("apps", "StatefulSet"): return WorkloadAdmission.statefulSet
        case ("apps", "DaemonSet"): return WorkloadAdmission.daemonSet
        case ("batch", "Job"): return BatchAdmission.job
        case ("batch", "CronJob"): return BatchAdmission.cronJob
        case ("", "Service"): return ServiceAdmission.rules
        case ("", "ConfigMap"): return ConfigAdmission.configMap
        case ("", "Secret"): return ConfigAdmission.secret
        case ("", "Namespace"): return ConfigAdmission.namespace
        case ("", "ServiceAccount"): return KindRules(nameRule: .dns1123Subdomain)
        case ("", "Node"): return ClusterAdmission.node
        case ("", "Endpoints"): return ClusterAdmission.endpoints
        case ("discovery.k8s.io", "EndpointSlice"): return ClusterAdmission.endpointSlice
        case ("", "Event"), ("events.k8s.io", "Event"): return ClusterAdmission.event
        case ("coordination.k8s.io", "Lease"): return ClusterAdmission.lease
        case ("", "PersistentVolume"): return ClusterAdmission.persistentVolume
        case ("", "PersistentVolumeClaim"): return ClusterAdmission.persistentVolumeClaim
        case ("", "LimitRange"): return ClusterAdmission.limitRange
        case ("", "ResourceQuota"): return ClusterAdmission.resourceQuota
        case ("rbac.authorization.k8s.io", "Role"): return RBACAdmission.role(namespaced: true)
        case ("rbac.authorization.k8s.io", "ClusterRole"): return RBACAdmission.role(namespaced: false)
        case ("rbac.authorization.k8s.io", "RoleBinding"): return RBACAdmission.binding(namespaced: true)
        case ("rbac.authorization.k8s.io", "ClusterRoleBinding"): return RBACAdmission.binding(namespaced: false)
        case ("scheduling.k8s.io", "PriorityClass"): return ClusterAdmission.priorityClass
        case ("networking.k8s.io", "Ingress"): return ClusterAdmission.ingress
        default: return KindRules()
        }
    }
}
