/// The `paths` of a group-version document: one path item per collection, item, all-namespaces
/// list and `status`/`scale` subresource, with operations named and tagged as upstream does
/// (`listCoreV1NamespacedPod`, `x-kubernetes-action: list`).
extension OpenAPIV3 {
    /// The path items of one resource, gated by its verbs.
    static func pathItems(for resource: ResourceDefinition) -> [(String, JSON)] {
        let prefix = resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
        let scoped = resource.namespaced ? prefix + "/namespaces/{namespace}" : prefix
        let collection = scoped + "/" + resource.plural
        let item = collection + "/{name}"
        let verbs = Set(resource.verbs)
        let kind = schemaName(resource.gvk)
        let namespaced = resource.namespaced ? "Namespaced" : ""
        let id = OperationNames(resource: resource)
        var items: [(String, JSON)] = []

        var ops: JSONObject = [:]
        if verbs.contains("list") {
            ops["get"] = operation(id.make("list", namespaced, ""), action: "list", gvk: resource.gvk,
                                   query: listParameters, response: schemaName(listGVK(resource.gvk)))
        }
        if verbs.contains("create") {
            ops["post"] = operation(id.make("create", namespaced, ""), action: "post", gvk: resource.gvk,
                                    query: writeParameters, body: kind, response: kind, codes: ["200", "201", "202"])
        }
        if verbs.contains("deletecollection") {
            ops["delete"] = operation(id.make("deleteCollection", namespaced, ""), action: "deletecollection",
                                      gvk: resource.gvk, query: listParameters + deleteParameters,
                                      body: SchemaCatalog.metaPrefix + "DeleteOptions",
                                      response: SchemaCatalog.metaPrefix + "Status")
        }
        if !ops.isEmpty { items.append((collection, pathItem(ops, namespaced: resource.namespaced, named: false))) }

        ops = itemOperations(resource: resource, verbs: verbs, gvk: resource.gvk, kind: kind,
                             name: { id.make($0, namespaced, "") }, deletable: true)
        if !ops.isEmpty { items.append((item, pathItem(ops, namespaced: resource.namespaced, named: true))) }

        if resource.namespaced, verbs.contains("list") {
            let all: JSONObject = ["get": operation(id.make("list", "", "ForAllNamespaces"), action: "list",
                                                    gvk: resource.gvk, query: listParameters,
                                                    response: schemaName(listGVK(resource.gvk)))]
            items.append((prefix + "/" + resource.plural, pathItem(all, namespaced: false, named: false)))
        }

        for sub in resource.subresources where ["status", "scale"].contains(sub.name) {
            let subKind = schemaName(sub.responseKind)
            let suffix = sub.name.prefix(1).uppercased() + sub.name.dropFirst()
            let subOps = itemOperations(resource: resource, verbs: Set(sub.verbs), gvk: sub.responseKind,
                                        kind: subKind, name: { id.make($0, namespaced, suffix) }, deletable: false)
            if !subOps.isEmpty {
                items.append((item + "/" + sub.name, pathItem(subOps, namespaced: resource.namespaced, named: true)))
            }
        }
        return items
    }

    /// read/replace/patch (and delete on the object itself) on an item path.
    private static func itemOperations(
        resource: ResourceDefinition, verbs: Set<String>, gvk: GroupVersionKind, kind: String?,
        name: (String) -> String, deletable: Bool
    ) -> JSONObject {
        var ops: JSONObject = [:]
        if verbs.contains("get") {
            ops["get"] = operation(name("read"), action: "get", gvk: gvk, query: [], response: kind)
        }
        if verbs.contains("update") {
            ops["put"] = operation(name("replace"), action: "put", gvk: gvk, query: writeParameters,
                                   body: kind, response: kind, codes: ["200", "201"])
        }
        if verbs.contains("patch") {
            ops["patch"] = operation(name("patch"), action: "patch", gvk: gvk,
                                     query: writeParameters + [queryParameter("force", .boolean)],
                                     body: SchemaCatalog.metaPrefix + "Patch", bodyTypes: patchContentTypes,
                                     response: kind, codes: ["200", "201"])
        }
        if deletable, verbs.contains("delete") {
            ops["delete"] = operation(name("delete"), action: "delete", gvk: gvk, query: deleteParameters,
                                      body: SchemaCatalog.metaPrefix + "DeleteOptions",
                                      response: SchemaCatalog.metaPrefix + "Status", codes: ["200", "202"])
        }
        return ops
    }

    /// The request body types of PATCH; kubectl looks for strategic merge patch here before it
    /// uses `components.schemas` for client-side apply.
    public static let patchContentTypes = [
        "application/apply-patch+yaml", "application/json-patch+json",
        "application/merge-patch+json", "application/strategic-merge-patch+json",
    ]

    private static func schemaName(_ gvk: GroupVersionKind) -> String? { SchemaCatalog.schemaName(for: gvk) }

    private static func pathItem(_ operations: JSONObject, namespaced: Bool, named: Bool) -> JSON {
        var parameters: [JSON] = []
        if named { parameters.append(pathParameter("name", "The name of the object.")) }
        if namespaced { parameters.append(pathParameter("namespace", "The namespace of the object.")) }
        parameters.append(queryParameter("pretty", .string, "If 'true', the output is indented."))
        var item = operations
        item["parameters"] = .array(parameters)
        return .object(item)
    }

    private static func operation(
        _ id: String, action: String, gvk: GroupVersionKind, query: [JSON], body: String? = nil,
        bodyTypes: [String] = ["*/*"], response: String?, codes: [String] = ["200"]
    ) -> JSON {
        var op: JSONObject = [
            "tags": [.string(OperationNames.tag(gvk: gvk))],
            "operationId": .string(id),
        ]
        if !query.isEmpty { op["parameters"] = .array(query) }
        if let body {
            var content: JSONObject = [:]
            for type in bodyTypes { content[type] = ["schema": ["$ref": .string(ref(body))]] }
            op["requestBody"] = ["content": .object(content), "required": true]
        }
        var responses: JSONObject = [:]
        let schema: JSON = response.map { ["$ref": .string(ref($0))] } ?? ["type": "object"]
        for code in codes {
            responses[code] = [
                "description": .string(code == "201" ? "Created" : code == "202" ? "Accepted" : "OK"),
                "content": ["application/json": ["schema": schema], "application/yaml": ["schema": schema]],
            ]
        }
        responses["401"] = ["description": "Unauthorized"]
        op["responses"] = .object(responses)
        op["x-kubernetes-action"] = .string(action)
        op["x-kubernetes-group-version-kind"] = gvkJSON(gvk)
        return .object(op)
    }

    private static func pathParameter(_ name: String, _ description: String) -> JSON {
        ["name": .string(name), "in": "path", "description": .string(description), "required": true,
         "schema": ["type": "string", "uniqueItems": true]]
    }

    static func queryParameter(_ name: String, _ type: TypeSchema, _ description: String = "") -> JSON {
        var parameter: JSONObject = ["name": .string(name), "in": "query"]
        if !description.isEmpty { parameter["description"] = .string(description) }
        var schema = render(type)
        schema["uniqueItems"] = true
        parameter["schema"] = schema
        return .object(parameter)
    }

    static let writeParameters: [JSON] = [
        queryParameter("dryRun", .string, "When present (All), changes are validated but not persisted."),
        queryParameter("fieldManager", .string, "The name of the actor making these changes."),
        queryParameter("fieldValidation", .string,
                       "How to treat unknown or duplicate fields in the body: Ignore, Warn or Strict."),
    ]

    static let listParameters: [JSON] = [
        queryParameter("allowWatchBookmarks", .boolean), queryParameter("continue", .string),
        queryParameter("fieldSelector", .string), queryParameter("labelSelector", .string),
        queryParameter("limit", .int32), queryParameter("resourceVersion", .string),
        queryParameter("resourceVersionMatch", .string), queryParameter("sendInitialEvents", .boolean),
        queryParameter("timeoutSeconds", .int32), queryParameter("watch", .boolean),
    ]

    static let deleteParameters: [JSON] = [
        queryParameter("dryRun", .string), queryParameter("gracePeriodSeconds", .int64),
        queryParameter("orphanDependents", .boolean), queryParameter("propagationPolicy", .string),
    ]
}

/// Upstream's operation ids and tags: `list` + `CoreV1` + `Namespaced` + `Pod` + suffix.
struct OperationNames {
    let groupVersion: String
    let kind: String

    init(resource: ResourceDefinition) {
        groupVersion = OperationNames.camel(group: resource.group) + resource.version.prefix(1).uppercased()
            + resource.version.dropFirst()
        kind = resource.kind
    }

    func make(_ verb: String, _ scope: String, _ suffix: String) -> String {
        if verb == "deleteCollection" { return "delete" + groupVersion + "Collection" + scope + kind + suffix }
        return verb + groupVersion + scope + kind + suffix
    }

    /// `Core` for the core group, `RbacAuthorization` for `rbac.authorization.k8s.io`.
    static func camel(group: String) -> String {
        if group.isEmpty { return "Core" }
        let trimmed = group.hasSuffix(".k8s.io") ? String(group.dropLast(".k8s.io".count)) : group
        return trimmed.split(separator: ".").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `core_v1`, `apps_v1`, `rbacAuthorization_v1`.
    static func tag(gvk: GroupVersionKind) -> String {
        let camel = camel(group: gvk.group)
        return camel.prefix(1).lowercased() + camel.dropFirst() + "_" + gvk.version
    }
}
