import KubeAPI
import KubeStore

/// The resource a request addresses, resolved against the registry.
struct ResourceTarget: Sendable {
    var definition: ResourceDefinition
    var namespace: String?
    var name: String?
    var subresource: String

    var qualifiedResource: String { definition.plural }
    var group: String { definition.group }

    /// `/registry/<group|core>/<plural>/[<namespace>/]<name>`
    func key(name: String) -> String {
        StorageKeys.key(definition, namespace: namespace, name: name)
    }

    /// Prefix of every object of this resource in the namespace (or in all namespaces).
    var prefix: String { StorageKeys.prefix(definition, namespace: namespace) }

    /// The object name of a request that must address one object (405 on a collection, as upstream).
    func requireName() throws(StatusError) -> String {
        guard let name else {
            throw StatusError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource",
                              details: .init(kind: definition.plural))
        }
        return name
    }

    func notFound(_ name: String) -> StatusError { .notFound(definition.plural, group: definition.group, name: name) }
}

enum StorageKeys {
    static func prefix(_ definition: ResourceDefinition, namespace: String?) -> String {
        var p = "/registry/\(definition.group.isEmpty ? "core" : definition.group)/\(definition.plural)/"
        if definition.namespaced, let namespace { p += namespace + "/" }
        return p
    }

    static func key(_ definition: ResourceDefinition, namespace: String?, name: String) -> String {
        prefix(definition, namespace: namespace) + name
    }
}

extension APIServer {
    /// Finds the resource and checks scope and verb; errors are upstream's 404/405.
    func resolveTarget(_ info: RequestInfo) throws(StatusError) -> ResourceTarget {
        guard let definition = ResourceRegistry.resource(group: info.group, version: info.version, plural: info.resource) else {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if !definition.namespaced, info.namespace != nil {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if definition.namespaced, info.namespace == nil, info.name != nil {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if definition.namespaced, info.namespace == nil, info.verb == "create" {
            throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if let namespace = info.namespace, namespace.isEmpty || namespace.contains("/") {
            throw StatusError.badRequest("invalid namespace \"\(namespace)\"")
        }
        if let name = info.name, name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("%") {
            throw StatusError.badRequest("invalid resource name \"\(name)\": may not contain '/', '%' or be '.' or '..'")
        }
        let target = ResourceTarget(definition: definition, namespace: info.namespace, name: info.name, subresource: info.subresource)
        if !info.subresource.isEmpty {
            guard let sub = definition.subresources.first(where: { $0.name == info.subresource }) else {
                throw StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
            }
            let verb = info.verb == "create" ? "create" : info.verb
            guard sub.served else {
                throw StatusError(code: 405, reason: "MethodNotAllowed",
                                  message: "\(definition.plural)/\(sub.name) is not served by this Swiftlet API server yet")
            }
            guard sub.verbs.contains(verb) else {
                throw StatusError.methodNotSupported("\(definition.plural)/\(sub.name)", verb: verb)
            }
            return target
        }
        guard definition.served else {
            throw StatusError(code: 405, reason: "MethodNotAllowed",
                              message: "\(definition.qualifiedName) is not served by this Swiftlet API server yet")
        }
        let verb = info.verb == "watch" ? "watch" : info.verb
        guard definition.verbs.contains(verb) else {
            throw StatusError.methodNotSupported(definition.qualifiedName, verb: verb)
        }
        return target
    }

    /// Routes a resource request by verb and subresource.
    func serveResource(_ context: inout RequestContext) async throws -> Int {
        let info = context.info
        if info.group.isEmpty, info.resource == "nodes", info.name != nil,
           info.subresource == "proxy" || info.subresource.hasPrefix("proxy/") {
            return try await nodeProxy(context)
        }
        let target = try resolveTarget(context.info)
        if context.info.verb == "create", target.name != nil, target.subresource.isEmpty {
            throw StatusError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource",
                              details: .init(kind: target.definition.plural))
        }
        switch (context.info.verb, target.subresource) {
        case ("get", ""): return try await get(context, target)
        case ("list", ""): return try await list(context, target)
        case ("watch", _): return try await watch(context, target)
        case ("create", "") where APIServer.reviewGroups.contains(target.group): return try await review(context, target)
        case ("create", ""): return try await create(context, target)
        case ("update", ""), ("update", "status"), ("update", "finalize"): return try await update(context, target)
        case ("patch", ""), ("patch", "status"): return try await patch(context, target)
        case ("delete", ""): return try await delete(context, target)
        case ("deletecollection", ""): return try await deleteCollection(context, target)
        case ("get", "status"): return try await get(context, target)
        case ("get", "log"): return try await podLog(context, target)
        case (_, "scale"): return try await scale(context, target)
        case ("create", "binding"): return try await bind(context, target)
        case ("create", "token") where target.definition.plural == "serviceaccounts" && target.group.isEmpty:
            return try await tokenRequest(context, target)
        case (let verb, let sub) where (verb == "get" || verb == "create") && target.definition.plural == "pods"
                && PodStreamLocation.subresources.contains(sub):
            return try await connect(context, target)
        default:
            throw StatusError.methodNotSupported("\(target.definition.plural)/\(target.subresource)", verb: context.info.verb)
        }
    }
}

extension StoreError {
    /// The API error for a store failure on `target`.
    func status(for target: ResourceTarget, name: String) -> StatusError {
        switch self {
        case .alreadyExists: return .alreadyExists(target.definition.plural, group: target.group, name: name)
        case .notFound: return target.notFound(name)
        case .conflict: return .conflict(target.definition.plural, group: target.group, name: name)
        case .compacted(let requested, let oldest):
            return .expired("too old resource version: \(requested) (\(oldest))")
        case .futureRevision(let requested, let current):
            return StatusError(code: 504, reason: "Timeout", message: "Too large resource version: \(requested), current: \(current)",
                               details: .init(causes: [StatusCause(reason: "ResourceVersionTooLarge", message: "Too large resource version", field: "")], retryAfterSeconds: 1))
        case .backend(let message): return .internalError(message)
        }
    }
}
