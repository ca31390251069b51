import KubeAPI

extension HTTPClient {
    public func get(_ type: ResourceType, namespace: String?, name: String, subresource: String?) async throws -> JSON {
        let path = try Self.itemPath(type, namespace: namespace, name: name, subresource: subresource)
        return try await object(APIRequest(method: "GET", path: path))
    }

    public func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> ObjectList {
        let request = APIRequest(method: "GET", path: type.path(namespace: namespace),
                                 query: options.queryItems(watch: false))
        let json = try await object(request)
        guard let items = json["items"].arrayValue ?? (json["items"].isNull ? [] : nil) else {
            throw KubeClientError(.badResponse, "list of \(type): items is not an array")
        }
        let continueToken = json["metadata"]["continue"].stringValue
        return ObjectList(items: items, resourceVersion: json["metadata"]["resourceVersion"].stringValue ?? "",
                          continueToken: continueToken?.isEmpty == true ? nil : continueToken)
    }

    public func create(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        let namespace = try Self.namespace(type, namespace, object)
        let path: String
        if let subresource {
            // `pods/<name>/binding`, `serviceaccounts/<name>/token`, ...: the parent's name.
            guard let name = object["metadata"]["name"].stringValue, !name.isEmpty else {
                throw KubeClientError(.invalidRequest, "create of \(type)/\(subresource) needs metadata.name")
            }
            path = type.path(namespace: namespace, name: name, subresource: subresource)
        } else {
            path = type.path(namespace: namespace)
        }
        return try await self.object(APIRequest(method: "POST", path: path, body: object.serialized()))
    }

    public func update(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        guard let name = object["metadata"]["name"].stringValue, !name.isEmpty else {
            throw KubeClientError(.invalidRequest, "update of \(type) needs metadata.name")
        }
        let namespace = try Self.namespace(type, namespace, object)
        let path = type.path(namespace: namespace, name: name, subresource: subresource)
        return try await self.object(APIRequest(method: "PUT", path: path, body: object.serialized()))
    }

    public func patch(_ type: ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType,
                      subresource: String?) async throws -> JSON {
        let path = try Self.itemPath(type, namespace: namespace, name: name, subresource: subresource)
        var query: [(String, String)] = []
        // Server-side apply needs a field manager; the user agent names the component.
        if patchType == .apply { query = [("fieldManager", config.userAgent), ("force", "true")] }
        return try await object(APIRequest(method: "PATCH", path: path, query: query, body: patch.serialized(),
                                           contentType: patchType.rawValue))
    }

    public func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) async throws -> JSON {
        let path = try Self.itemPath(type, namespace: namespace, name: name, subresource: nil)
        return try await object(APIRequest(method: "DELETE", path: path, body: options.body.serialized()))
    }

    static func itemPath(_ type: ResourceType, namespace: String?, name: String, subresource: String?) throws -> String {
        guard !name.isEmpty, !name.contains("/") else {
            throw KubeClientError(.invalidRequest, "invalid \(type) name \"\(name)\"")
        }
        if type.namespaced, namespace?.isEmpty ?? true {
            throw KubeClientError(.invalidRequest, "\(type) \"\(name)\" is namespaced: a namespace is required")
        }
        return type.path(namespace: namespace, name: name, subresource: subresource)
    }

    /// The explicit namespace, else the object's own; required for namespaced types.
    static func namespace(_ type: ResourceType, _ namespace: String?, _ object: JSON) throws -> String? {
        guard type.namespaced else { return nil }
        guard let value = namespace ?? object["metadata"]["namespace"].stringValue, !value.isEmpty else {
            throw KubeClientError(.invalidRequest, "\(type) is namespaced: a namespace is required")
        }
        return value
    }
}
