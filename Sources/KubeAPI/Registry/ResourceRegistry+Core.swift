extension ResourceRegistry {
    /// The legacy core group (`/api/v1`), as kube-apiserver 1.32 registers it in
    /// `pkg/registry/core/rest/storage_core.go` (componentstatuses left out on purpose).
    static let coreV1: [ResourceDefinition] = [
        core("Binding", "bindings", verbs: createOnly),
        core("ConfigMap", "configmaps", short: ["cm"]),
        core("Endpoints", "endpoints", short: ["ep"]),
        core("Event", "events", short: ["ev"], fieldSelectors: eventFields),
        core("LimitRange", "limitranges", short: ["limits"]),
        core(
            "Namespace", "namespaces", namespaced: false, verbs: verbsWithoutDeleteCollection, short: ["ns"],
            subresources: [
                SubresourceDefinition(name: "finalize", responseKind: v1("Namespace"), verbs: ["update"]),
                .status(v1("Namespace")),
            ],
            fieldSelectors: ["status.phase": ["status", "phase"]]),
        core(
            "Node", "nodes", namespaced: false, short: ["no"],
            subresources: [
                // Served for GET (`kubectl get --raw /api/v1/nodes/N/proxy/stats/summary`).
                SubresourceDefinition(name: "proxy", responseKind: v1("NodeProxyOptions"), verbs: SubresourceDefinition.proxyVerbs),
                .status(v1("Node")),
            ],
            fieldSelectors: ["spec.unschedulable": ["spec", "unschedulable"]]),
        core(
            "PersistentVolumeClaim", "persistentvolumeclaims", short: ["pvc"],
            subresources: [.status(v1("PersistentVolumeClaim"))]),
        core(
            "PersistentVolume", "persistentvolumes", namespaced: false, short: ["pv"],
            subresources: [.status(v1("PersistentVolume"))]),
        core(
            "Pod", "pods", short: ["po"], categories: ["all"], subresources: podSubresources,
            fieldSelectors: podFields),
        core("PodTemplate", "podtemplates"),
        core(
            "ReplicationController", "replicationcontrollers", short: ["rc"], categories: ["all"],
            subresources: [.scale, .status(v1("ReplicationController"))],
            fieldSelectors: ["status.replicas": ["status", "replicas"]]),
        core(
            "ResourceQuota", "resourcequotas", short: ["quota"], subresources: [.status(v1("ResourceQuota"))]),
        core("Secret", "secrets", fieldSelectors: ["type": ["type"]]),
        core(
            "ServiceAccount", "serviceaccounts", short: ["sa"],
            subresources: [
                SubresourceDefinition(
                    name: "token",
                    responseKind: GroupVersionKind(group: "authentication.k8s.io", version: "v1", kind: "TokenRequest"),
                    verbs: ["create"], served: true)
            ]),
        core(
            "Service", "services", short: ["svc"], categories: ["all"],
            subresources: [
                SubresourceDefinition(
                    name: "proxy", responseKind: v1("ServiceProxyOptions"), verbs: SubresourceDefinition.proxyVerbs,
                    served: false),
                .status(v1("Service")),
            ],
            fieldSelectors: ["spec.clusterIP": ["spec", "clusterIP"], "spec.type": ["spec", "type"]]),
    ]

    /// Pod subresources. `status` and `binding` are served; the streaming and kubelet-backed ones are
    /// declared for discovery only until the proxy paths exist.
    static let podSubresources: [SubresourceDefinition] = [
        SubresourceDefinition(name: "attach", responseKind: v1("PodAttachOptions"), verbs: ["create", "get"], served: true),
        SubresourceDefinition(name: "binding", responseKind: v1("Binding"), verbs: ["create"]),
        SubresourceDefinition(name: "ephemeralcontainers", responseKind: v1("Pod"), verbs: ["get", "patch", "update"], served: false),
        SubresourceDefinition(
            name: "eviction", responseKind: GroupVersionKind(group: "policy", version: "v1", kind: "Eviction"),
            verbs: ["create"], served: false),
        SubresourceDefinition(name: "exec", responseKind: v1("PodExecOptions"), verbs: ["create", "get"], served: true),
        SubresourceDefinition(name: "log", responseKind: v1("Pod"), verbs: ["get"]),
        SubresourceDefinition(
            name: "portforward", responseKind: v1("PodPortForwardOptions"), verbs: ["create", "get"], served: true),
        SubresourceDefinition(name: "proxy", responseKind: v1("PodProxyOptions"), verbs: SubresourceDefinition.proxyVerbs, served: false),
        .status(v1("Pod")),
    ]

    /// Pod field selectors (upstream `pkg/registry/core/pod/strategy.go` `ToSelectableFields`).
    /// `spec.hostNetwork` compares as `"true"`/`"false"` and is `"false"` when absent;
    /// `status.podIP` is the primary pod IP (`status.podIPs[0]`, mirrored in `status.podIP`).
    static let podFields: [String: [String]] = [
        "spec.nodeName": ["spec", "nodeName"],
        "spec.restartPolicy": ["spec", "restartPolicy"],
        "spec.schedulerName": ["spec", "schedulerName"],
        "spec.serviceAccountName": ["spec", "serviceAccountName"],
        "spec.hostNetwork": ["spec", "hostNetwork"],
        "status.phase": ["status", "phase"],
        "status.podIP": ["status", "podIP"],
        "status.nominatedNodeName": ["status", "nominatedNodeName"],
    ]

    /// Core v1 Event field selectors (upstream `pkg/registry/core/event/strategy.go`). The label
    /// `source` is the reporting component, i.e. `source.component`, not the whole `source` object.
    static let eventFields: [String: [String]] = [
        "involvedObject.kind": ["involvedObject", "kind"],
        "involvedObject.namespace": ["involvedObject", "namespace"],
        "involvedObject.name": ["involvedObject", "name"],
        "involvedObject.uid": ["involvedObject", "uid"],
        "involvedObject.apiVersion": ["involvedObject", "apiVersion"],
        "involvedObject.resourceVersion": ["involvedObject", "resourceVersion"],
        "involvedObject.fieldPath": ["involvedObject", "fieldPath"],
        "reason": ["reason"],
        "reportingComponent": ["reportingComponent"],
        "source": ["source", "component"],
        "type": ["type"],
    ]

    static func v1(_ kind: String) -> GroupVersionKind {
        GroupVersionKind(group: "", version: "v1", kind: kind)
    }

    private static func core(
        _ kind: String, _ plural: String, namespaced: Bool = true, verbs: [String] = ResourceDefinition.allVerbs,
        short: [String] = [], categories: [String] = [], subresources: [SubresourceDefinition] = [],
        fieldSelectors: [String: [String]] = [:]
    ) -> ResourceDefinition {
        ResourceDefinition(
            group: "", version: "v1", kind: kind, plural: plural, namespaced: namespaced, verbs: verbs,
            shortNames: short, categories: categories, subresources: subresources, fieldSelectors: fieldSelectors)
    }

    private static var createOnly: [String] { ResourceDefinition.createOnly }
    private static var verbsWithoutDeleteCollection: [String] { ResourceDefinition.verbsWithoutDeleteCollection }
}
