@testable import KubeAPI

/// A small resource list for schema and OpenAPI tests (the real one is `ResourceRegistry`).
enum SchemaTestResources {
    static func statusSub(_ g: String, _ k: String) -> SubresourceDefinition {
        SubresourceDefinition(name: "status", responseKind: GroupVersionKind(group: g, version: "v1", kind: k),
                              verbs: ["get", "patch", "update"])
    }

    static let all: [ResourceDefinition] = [
        ResourceDefinition(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true,
                           shortNames: ["po"], categories: ["all"], subresources: [statusSub("", "Pod")]),
        ResourceDefinition(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true,
                           shortNames: ["svc"], categories: ["all"], subresources: [statusSub("", "Service")]),
        ResourceDefinition(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true,
                           shortNames: ["cm"]),
        ResourceDefinition(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false,
                           verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"]),
        ResourceDefinition(group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false,
                           shortNames: ["no"], subresources: [statusSub("", "Node")]),
        ResourceDefinition(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
                           shortNames: ["deploy"], categories: ["all"], subresources: [
                               statusSub("apps", "Deployment"),
                               SubresourceDefinition(name: "scale",
                                                     responseKind: GroupVersionKind(group: "autoscaling", version: "v1", kind: "Scale"),
                                                     verbs: ["get", "patch", "update"]),
                           ]),
        ResourceDefinition(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true,
                           shortNames: ["sts"], categories: ["all"]),
        ResourceDefinition(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole",
                           plural: "clusterroles", namespaced: false),
        // A kind without a schema (as a CRD would be): no unknown-field errors, no components.
        ResourceDefinition(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true),
    ]
}
