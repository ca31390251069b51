import KubeAPI

/// What a request is about, parsed from its path and method as kube-apiserver's RequestInfoFactory does.
struct RequestInfo: Sendable {
    enum Kind: Sendable { case resource, nonResource }
    var kind: Kind
    /// Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection.
    var verb: String
    var group = ""
    var version = ""
    var resource = ""
    var subresource = ""
    var namespace: String?
    var name: String?
    var path: String
    /// Non-empty for `/api`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`, `/api/v1` discovery requests.
    var parts: [String] = []
}

extension RequestInfo {
    /// Parses `/api/v1/namespaces/ns/pods/name/sub` and `/apis/g/v/...`.
    static func parse(method: String, path: String, query: Query) -> RequestInfo {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var info = RequestInfo(kind: .nonResource, verb: method.lowercased(), path: path, parts: parts)
        guard let first = parts.first, first == "api" || first == "apis" else { return info }
        var rest = parts.dropFirst()
        if first == "api" {
            guard let v = rest.first else { return info }
            info.version = v
            rest = rest.dropFirst()
        } else {
            guard rest.count >= 2 else { return info }
            info.group = rest.removeFirst()
            info.version = rest.removeFirst()
        }
        guard !rest.isEmpty else { return info }
        info.kind = .resource
        var segments = Array(rest)
        // `/namespaces/<ns>/<resource>...` addresses namespaced resources, except the namespace's own
        // subresources (`/namespaces/<name>/status`, `/finalize`), as upstream's RequestInfoFactory.
        if segments[0] == "namespaces", segments.count >= 3, !["status", "finalize"].contains(segments[2]) {
            info.namespace = segments[1]
            segments.removeFirst(2)
        }
        info.resource = segments[0]
        if segments.count >= 2 { info.name = segments[1] }
        if segments.count >= 3 { info.subresource = segments[2...].joined(separator: "/") }
        let isWatch = query.bool("watch")
        switch method {
        case "GET", "HEAD":
            if info.name == nil { info.verb = isWatch ? "watch" : "list" } else { info.verb = isWatch ? "watch" : "get" }
        case "POST": info.verb = "create"
        case "PUT": info.verb = "update"
        case "PATCH": info.verb = "patch"
        case "DELETE": info.verb = info.name == nil ? "deletecollection" : "delete"
        default: info.verb = method.lowercased()
        }
        return info
    }
}

/// Query parameters with Kubernetes' parsing rules.
struct Query: Sendable {
    var items: [(name: String, value: String)]

    func value(_ name: String) -> String? {
        items.first(where: { $0.name == name })?.value
    }

    func values(_ name: String) -> [String] {
        items.filter { $0.name == name }.map(\.value)
    }

    /// `?watch`, `?watch=true`, `?watch=1` are true; like Go's strconv.ParseBool.
    func bool(_ name: String) -> Bool {
        guard let v = value(name) else { return false }
        return ["", "1", "t", "T", "true", "TRUE", "True"].contains(v)
    }

    func int(_ name: String) throws(StatusError) -> Int64? {
        guard let v = value(name), !v.isEmpty else { return nil }
        guard let i = Int64(v) else { throw .badRequest("invalid value for \(name): \"\(v)\": must be an integer") }
        return i
    }
}
