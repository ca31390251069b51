/// The strategic merge patch metadata of built-in kinds: the `patchStrategy`/`patchMergeKey` struct
/// tags of upstream `k8s.io/api` (`core/v1`, `apps/v1`, `batch/v1`) and `ObjectMeta`, for the fields
/// kubectl apply touches. Fields without tags are left out: they merge (maps) or are replaced (lists).
public enum BuiltinMergeSchemas {
    /// The schema of `gvk`: a kind-specific one, the metadata-only schema for other kinds of the
    /// built-in groups, and nil for anything else (custom resources, for which upstream refuses
    /// strategic merge patches with 415; that decision is the caller's).
    public static func schema(for gvk: GroupVersionKind) -> (any StrategicMergeSchema)? {
        if let schema = kinds[GroupKind(group: gvk.group, kind: gvk.kind)] { return schema }
        return builtinGroups.contains(gvk.group) ? object : nil
    }

    private struct GroupKind: Hashable {
        var group: String
        var kind: String
    }

    // MARK: - Shared parts

    /// `ObjectMeta`: finalizers merge as a set, owner references by uid.
    static let objectMeta: LiteralMergeSchema = [
        "finalizers": .set,
        "ownerReferences": .list(mergeKey: "uid"),
    ]

    /// Any object: only its metadata carries tags.
    static let object: LiteralMergeSchema = ["metadata": objectMeta]

    /// `Container` and `EphemeralContainer` (which inlines the same fields).
    static let container: LiteralMergeSchema = [
        "ports": .list(mergeKey: "containerPort"),
        "env": .list(mergeKey: "name"),
        "envFrom": .atomicList(),
        "volumeMounts": .list(mergeKey: "mountPath"),
        "volumeDevices": .list(mergeKey: "devicePath"),
    ]

    static let podSpec: LiteralMergeSchema = [
        "volumes": .list(mergeKey: "name", strategy: "merge,retainKeys"),
        "initContainers": .list(mergeKey: "name", of: container),
        "containers": .list(mergeKey: "name", of: container),
        "ephemeralContainers": .list(mergeKey: "name", of: container),
        "imagePullSecrets": .list(mergeKey: "name"),
        "tolerations": .atomicList(),
        "hostAliases": .list(mergeKey: "ip"),
        "topologySpreadConstraints": .list(mergeKey: "topologyKey"),
        "schedulingGates": .list(mergeKey: "name"),
        "resourceClaims": .list(mergeKey: "name", strategy: "merge,retainKeys"),
    ]

    static let podStatus: LiteralMergeSchema = [
        "conditions": conditions,
        "hostIPs": .list(mergeKey: "ip"),
        "podIPs": .list(mergeKey: "ip"),
        "resourceClaimStatuses": .list(mergeKey: "name", strategy: "merge,retainKeys"),
    ]

    /// `PodTemplateSpec`, as found in workload specs.
    static let podTemplate: LiteralMergeSchema = ["metadata": objectMeta, "spec": podSpec]

    static let conditions = LiteralMergeSchema.list(mergeKey: "type")
    static let statusWithConditions: LiteralMergeSchema = ["conditions": conditions]

    /// A workload whose `spec.template` is a pod template and whose status has typed conditions.
    static func workload(spec extra: [String: LiteralMergeSchema] = [:]) -> LiteralMergeSchema {
        object.adding([
            "spec": LiteralMergeSchema(fields: ["template": podTemplate]).adding(extra),
            "status": statusWithConditions,
        ])
    }

    static let jobSpec: LiteralMergeSchema = ["template": podTemplate]

    // MARK: - Kinds

    private static let kinds: [GroupKind: LiteralMergeSchema] = [
        GroupKind(group: "", kind: "Pod"): object.adding(["spec": podSpec, "status": podStatus]),
        GroupKind(group: "", kind: "PodTemplate"): object.adding(["template": podTemplate]),
        GroupKind(group: "", kind: "ReplicationController"): workload(),
        GroupKind(group: "", kind: "Service"): object.adding([
            "spec": ["ports": .list(mergeKey: "port")],
            "status": statusWithConditions,
        ]),
        GroupKind(group: "", kind: "Node"): object.adding([
            "spec": ["podCIDRs": .set],
            "status": ["conditions": conditions, "addresses": .list(mergeKey: "type")],
        ]),
        GroupKind(group: "", kind: "Namespace"): object.adding(["status": statusWithConditions]),
        GroupKind(group: "", kind: "PersistentVolumeClaim"): object.adding(["status": statusWithConditions]),
        GroupKind(group: "", kind: "ServiceAccount"): object.adding(["secrets": .list(mergeKey: "name")]),
        GroupKind(group: "", kind: "Secret"): object,
        GroupKind(group: "", kind: "ConfigMap"): object,
        GroupKind(group: "apps", kind: "Deployment"): workload(spec: [
            "strategy": .map([:], strategy: "retainKeys"),
        ]),
        GroupKind(group: "apps", kind: "ReplicaSet"): workload(),
        GroupKind(group: "apps", kind: "StatefulSet"): workload(),
        GroupKind(group: "apps", kind: "DaemonSet"): workload(),
        GroupKind(group: "batch", kind: "Job"): workload(),
        GroupKind(group: "batch", kind: "CronJob"): object.adding([
            "spec": ["jobTemplate": ["metadata": objectMeta, "spec": jobSpec]],
        ]),
    ]

    /// Groups served by the apiserver itself (not custom resources).
    private static let builtinGroups: Set<String> = [
        "", "apps", "batch", "autoscaling", "policy", "rbac.authorization.k8s.io", "networking.k8s.io",
        "storage.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "scheduling.k8s.io", "node.k8s.io",
        "certificates.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "events.k8s.io",
        "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "apiregistration.k8s.io",
    ]
}
