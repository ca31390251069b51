import Testing
@testable import KubeAPI

private let resources = SchemaTestResources.all
private let core = OpenAPIV3.document(groupVersion: "v1", resources: resources)
private let apps = OpenAPIV3.document(groupVersion: "apps/v1", resources: resources)

@Test func rootListsEveryGroupVersionWithAContentHash() throws {
    let root = OpenAPIV3.root(groupVersions: ["v1", "apps/v1"], resources: resources)
    let url = try #require(root[path: ["paths", "api/v1", "serverRelativeURL"]].stringValue)
    #expect(url == "/openapi/v3/api/v1?hash=" + OpenAPIV3.hash(of: core))
    #expect(root[path: ["paths", "apis/apps/v1", "serverRelativeURL"]].stringValue?.hasPrefix("/openapi/v3/apis/apps/v1?hash=") == true)
    let hash = OpenAPIV3.hash(of: core)
    #expect(hash.count == 16 && hash.allSatisfy { $0.isHexDigit && !$0.isLowercase })
    // The hash follows content: same document, same hash; another document, another hash.
    #expect(OpenAPIV3.hash(of: OpenAPIV3.document(groupVersion: "v1", resources: resources)) == hash)
    #expect(OpenAPIV3.hash(of: apps) != hash)
}

@Test(arguments: [
    ("/api/v1/namespaces/{namespace}/pods/{name}", "Pod", ""),
    ("/api/v1/namespaces/{namespace}/pods/{name}/status", "Pod", ""),
    ("/api/v1/nodes/{name}", "Node", ""),
    ("/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "Deployment", "apps"),
    ("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "Scale", "autoscaling"),
])
func patchCarriesGVKAndFieldValidation(path: String, kind: String, group: String) throws {
    let doc = path.hasPrefix("/api/") ? core : apps
    let patch = doc[path: ["paths", path, "patch"]]
    #expect(patch["x-kubernetes-action"] == "patch")
    #expect(patch["x-kubernetes-group-version-kind"] == ["group": .string(group), "kind": .string(kind), "version": "v1"])
    let names = (patch["parameters"].arrayValue ?? []).compactMap { $0["name"].stringValue }
    #expect(names == ["dryRun", "fieldManager", "fieldValidation", "force"])
    let types = patch[path: ["requestBody", "content"]].objectValue.map { Array($0.keys) } ?? []
    #expect(Set(types) == Set(OpenAPIV3.patchContentTypes))
}

@Test func pathsCoverCollectionItemAndAllNamespaces() {
    let paths = core["paths"].objectValue.map { Set($0.keys) } ?? []
    for path in ["/api/v1/namespaces/{namespace}/pods", "/api/v1/namespaces/{namespace}/pods/{name}", "/api/v1/pods",
                 "/api/v1/nodes", "/api/v1/namespaces", "/api/v1/namespaces/{name}"] {
        #expect(paths.contains(path), "\(path)")
    }
    #expect(!paths.contains("/api/v1/namespaces/{namespace}/deployments"))
    // Namespaces have no deletecollection verb in the test list: no DELETE on the collection.
    #expect(core[path: ["paths", "/api/v1/namespaces", "delete"]] == .null)
    #expect(core[path: ["paths", "/api/v1/namespaces/{namespace}/pods", "get", "operationId"]] == "listCoreV1NamespacedPod")
    #expect(core[path: ["paths", "/api/v1/pods", "get", "operationId"]] == "listCoreV1PodForAllNamespaces")
    #expect(core[path: ["paths", "/api/v1/namespaces/{namespace}/pods", "delete", "operationId"]] == "deleteCoreV1CollectionNamespacedPod")
    #expect(core[path: ["paths", "/api/v1/namespaces/{namespace}/pods", "post", "x-kubernetes-action"]] == "post")
    let itemParams = (core[path: ["paths", "/api/v1/namespaces/{namespace}/pods/{name}", "parameters"]].arrayValue ?? [])
        .compactMap { $0["name"].stringValue }
    #expect(itemParams == ["name", "namespace", "pretty"])
    #expect(OperationNames.tag(gvk: GroupVersionKind(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role")) == "rbacAuthorization_v1")
}

/// Every `$ref` in `json`, anywhere.
private func refs(in json: JSON) -> [String] {
    switch json {
    case .object(let o): return o.flatMap { key, value in key == "$ref" ? [value.stringValue ?? "?"] : refs(in: value) }
    case .array(let a): return a.flatMap(refs(in:))
    default: return []
    }
}

@Test(arguments: ["v1", "apps/v1", "rbac.authorization.k8s.io/v1"])
func everyRefResolvesInItsDocument(groupVersion: String) throws {
    let doc = OpenAPIV3.document(groupVersion: groupVersion, resources: resources)
    let schemas = try #require(doc[path: ["components", "schemas"]].objectValue)
    let all = refs(in: doc)
    #expect(!all.isEmpty)
    for ref in Set(all) {
        #expect(ref.hasPrefix("#/components/schemas/"), "\(ref)")
        #expect(schemas[String(ref.dropFirst("#/components/schemas/".count))] != nil, "dangling \(ref)")
    }
}

@Test func componentsCarryKindsAndPatchMetadata() throws {
    let schemas = try #require(core[path: ["components", "schemas"]].objectValue)
    #expect(schemas["io.k8s.api.core.v1.Pod"]?["x-kubernetes-group-version-kind"] == [["group": "", "kind": "Pod", "version": "v1"]])
    #expect(schemas["io.k8s.api.core.v1.PodList"]?["x-kubernetes-group-version-kind"] == [["group": "", "kind": "PodList", "version": "v1"]])
    // Deployment lives in apps/v1 only.
    #expect(schemas["io.k8s.api.apps.v1.Deployment"] == nil)
    let containers = try #require(schemas["io.k8s.api.core.v1.PodSpec"]?[path: ["properties", "containers"]])
    #expect(containers["x-kubernetes-patch-merge-key"] == "name")
    #expect(containers["x-kubernetes-patch-strategy"] == "merge")
    #expect(containers["x-kubernetes-list-type"] == "map")
    #expect(containers["x-kubernetes-list-map-keys"] == ["name"])
    #expect(containers[path: ["items", "$ref"]] == "#/components/schemas/io.k8s.api.core.v1.Container")
    #expect(schemas["io.k8s.api.core.v1.PodSpec"]?["required"] == ["containers"])
    let port = try #require(schemas["io.k8s.api.core.v1.ServicePort"]?[path: ["properties", "targetPort", "$ref"]])
    #expect(port == "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString")
    let intOrString = try #require(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"])
    #expect(intOrString["format"] == "int-or-string")
    #expect(intOrString["x-kubernetes-int-or-string"] == true)
    #expect(schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"] != nil)
    // A $ref with siblings is wrapped in allOf, so the siblings are not ignored.
    let strategy = try #require(apps[path: ["components", "schemas", "io.k8s.api.apps.v1.DeploymentSpec", "properties", "strategy"]].objectValue)
    #expect(strategy["x-kubernetes-patch-strategy"] == "retainKeys")
    #expect(strategy["allOf"] == [["$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"]])
    #expect(strategy["$ref"] == nil)
    let metadata = try #require(apps[path: ["components", "schemas", "io.k8s.api.apps.v1.Deployment", "properties", "metadata"]].objectValue)
    #expect(metadata["allOf"] != nil && metadata["description"] != nil)
}

@Test func groupVersionWithoutResourcesOrSchemasStillHasAValidShape() {
    let empty = OpenAPIV3.document(groupVersion: "batch/v1", resources: resources)
    #expect(empty["openapi"] == "3.0.0")
    #expect(empty["paths"] == .object([:]))
    let widgets = OpenAPIV3.document(groupVersion: "example.com/v1", resources: resources)
    #expect(widgets[path: ["paths", "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}", "patch", "x-kubernetes-group-version-kind", "kind"]] == "Widget")
    // No schema for Widget: responses fall back to a plain object, and no ref dangles.
    #expect(widgets[path: ["paths", "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}", "get", "responses", "200", "content", "application/json", "schema"]] == ["type": "object"])
}
