// Descriptors for api core/v1.
// Field numbers and names come from upstream generated.proto; `.emitZero` marks Go pointer fields
// and fields whose JSON tag lacks omitempty (see `ProtoOccurs`). Fields with no descriptor here
// (deprecated volume plugins, status-only types, alpha features) are skipped when decoding.

extension ProtoSchema {
    static let podMessages: [String: [ProtoField]] = [
        "core.Pod": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("core.PodSpec")),
        ],
        "core.PodTemplateSpec": [
            .f(1, "metadata", .message("meta.ObjectMeta")),
            .f(2, "spec", .message("core.PodSpec")),
        ],
        "core.PodSpec": [
            .f(1, "volumes", .message("core.Volume"), .repeated),
            .f(2, "containers", .message("core.Container"), .repeated),
            .f(3, "restartPolicy"),
            .f(4, "terminationGracePeriodSeconds", .int64, .emitZero),
            .f(5, "activeDeadlineSeconds", .int64, .emitZero),
            .f(6, "dnsPolicy"),
            .f(7, "nodeSelector", .map(.string)),
            .f(8, "serviceAccountName"),
            .f(9, "serviceAccount"),
            .f(10, "nodeName"),
            .f(11, "hostNetwork", .bool),
            .f(12, "hostPID", .bool),
            .f(13, "hostIPC", .bool),
            .f(14, "securityContext", .message("core.PodSecurityContext"), .emitZero),
            .f(15, "imagePullSecrets", .message("core.LocalObjectReference"), .repeated),
            .f(16, "hostname"),
            .f(17, "subdomain"),
            .f(18, "affinity", .message("core.Affinity"), .emitZero),
            .f(19, "schedulerName"),
            .f(20, "initContainers", .message("core.Container"), .repeated),
            .f(21, "automountServiceAccountToken", .bool, .emitZero),
            .f(22, "tolerations", .message("core.Toleration"), .repeated),
            .f(23, "hostAliases", .message("core.HostAlias"), .repeated),
            .f(24, "priorityClassName"),
            .f(25, "priority", .int32, .emitZero),
            .f(26, "dnsConfig", .message("core.PodDNSConfig"), .emitZero),
            .f(27, "shareProcessNamespace", .bool, .emitZero),
            .f(28, "readinessGates", .message("core.PodReadinessGate"), .repeated),
            .f(29, "runtimeClassName", .string, .emitZero),
            .f(30, "enableServiceLinks", .bool, .emitZero),
            .f(31, "preemptionPolicy", .string, .emitZero),
            .f(32, "overhead", .map(.quantity)),
            .f(33, "topologySpreadConstraints", .message("core.TopologySpreadConstraint"), .repeated),
            .f(35, "setHostnameAsFQDN", .bool, .emitZero),
            .f(36, "os", .message("core.PodOS"), .emitZero),
            .f(37, "hostUsers", .bool, .emitZero),
            .f(38, "schedulingGates", .message("core.PodSchedulingGate"), .repeated),
            .f(40, "resources", .message("core.ResourceRequirements"), .emitZero),
            .f(41, "hostnameOverride", .string, .emitZero),
        ],
        "core.PodSecurityContext": [
            .f(1, "seLinuxOptions", .message("core.SELinuxOptions"), .emitZero),
            .f(2, "runAsUser", .int64, .emitZero),
            .f(3, "runAsNonRoot", .bool, .emitZero),
            .f(4, "supplementalGroups", .int64, .repeated),
            .f(5, "fsGroup", .int64, .emitZero),
            .f(6, "runAsGroup", .int64, .emitZero),
            .f(7, "sysctls", .message("core.Sysctl"), .repeated),
            .f(9, "fsGroupChangePolicy", .string, .emitZero),
            .f(10, "seccompProfile", .message("core.SeccompProfile"), .emitZero),
            .f(11, "appArmorProfile", .message("core.AppArmorProfile"), .emitZero),
            .f(12, "supplementalGroupsPolicy", .string, .emitZero),
            .f(13, "seLinuxChangePolicy", .string, .emitZero),
        ],
        "core.Sysctl": [
            .f(1, "name", .string, .emitZero),
            .f(2, "value", .string, .emitZero),
        ],
        "core.Toleration": [
            .f(1, "key"),
            .f(2, "operator"),
            .f(3, "value"),
            .f(4, "effect"),
            .f(5, "tolerationSeconds", .int64, .emitZero),
        ],
        "core.HostAlias": [
            .f(1, "ip", .string, .emitZero),
            .f(2, "hostnames", .string, .repeated),
        ],
        "core.PodDNSConfig": [
            .f(1, "nameservers", .string, .repeated),
            .f(2, "searches", .string, .repeated),
            .f(3, "options", .message("core.PodDNSConfigOption"), .repeated),
        ],
        "core.PodDNSConfigOption": [
            .f(1, "name"),
            .f(2, "value", .string, .emitZero),
        ],
        "core.PodOS": [
            .f(1, "name", .string, .emitZero),
        ],
        "core.PodReadinessGate": [
            .f(1, "conditionType", .string, .emitZero),
        ],
        "core.PodSchedulingGate": [
            .f(1, "name", .string, .emitZero),
        ],
        "core.TopologySpreadConstraint": [
            .f(1, "maxSkew", .int32, .emitZero),
            .f(2, "topologyKey", .string, .emitZero),
            .f(3, "whenUnsatisfiable", .string, .emitZero),
            .f(4, "labelSelector", .message("meta.LabelSelector"), .emitZero),
            .f(5, "minDomains", .int32, .emitZero),
            .f(6, "nodeAffinityPolicy", .string, .emitZero),
            .f(7, "nodeTaintsPolicy", .string, .emitZero),
            .f(8, "matchLabelKeys", .string, .repeated),
        ],
        "core.Affinity": [
            .f(1, "nodeAffinity", .message("core.NodeAffinity"), .emitZero),
            .f(2, "podAffinity", .message("core.PodAffinity"), .emitZero),
            .f(3, "podAntiAffinity", .message("core.PodAntiAffinity"), .emitZero),
        ],
        "core.NodeAffinity": [
            .f(1, "requiredDuringSchedulingIgnoredDuringExecution", .message("core.NodeSelector"), .emitZero),
            .f(2, "preferredDuringSchedulingIgnoredDuringExecution", .message("core.PreferredSchedulingTerm"), .repeated),
        ],
        "core.NodeSelector": [
            .f(1, "nodeSelectorTerms", .message("core.NodeSelectorTerm"), .repeated),
        ],
        "core.NodeSelectorTerm": [
            .f(1, "matchExpressions", .message("core.NodeSelectorRequirement"), .repeated),
            .f(2, "matchFields", .message("core.NodeSelectorRequirement"), .repeated),
        ],
        "core.NodeSelectorRequirement": [
            .f(1, "key", .string, .emitZero),
            .f(2, "operator", .string, .emitZero),
            .f(3, "values", .string, .repeated),
        ],
        "core.PreferredSchedulingTerm": [
            .f(1, "weight", .int32, .emitZero),
            .f(2, "preference", .message("core.NodeSelectorTerm"), .emitZero),
        ],
        "core.PodAffinity": [
            .f(1, "requiredDuringSchedulingIgnoredDuringExecution", .message("core.PodAffinityTerm"), .repeated),
            .f(2, "preferredDuringSchedulingIgnoredDuringExecution", .message("core.WeightedPodAffinityTerm"), .repeated),
        ],
        "core.PodAntiAffinity": [
            .f(1, "requiredDuringSchedulingIgnoredDuringExecution", .message("core.PodAffinityTerm"), .repeated),
            .f(2, "preferredDuringSchedulingIgnoredDuringExecution", .message("core.WeightedPodAffinityTerm"), .repeated),
        ],
        "core.PodAffinityTerm": [
            .f(1, "labelSelector", .message("meta.LabelSelector"), .emitZero),
            .f(2, "namespaces", .string, .repeated),
            .f(3, "topologyKey", .string, .emitZero),
            .f(4, "namespaceSelector", .message("meta.LabelSelector"), .emitZero),
            .f(5, "matchLabelKeys", .string, .repeated),
            .f(6, "mismatchLabelKeys", .string, .repeated),
        ],
        "core.WeightedPodAffinityTerm": [
            .f(1, "weight", .int32, .emitZero),
            .f(2, "podAffinityTerm", .message("core.PodAffinityTerm"), .emitZero),
        ],
    ]
}
