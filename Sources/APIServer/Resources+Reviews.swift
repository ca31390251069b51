import KubeAPI
import NIOHTTP1

/// The virtual, create-only review kinds: nothing is stored; the answer is computed from the
/// authenticator and authorizer (`kubectl auth can-i`, `kubectl auth whoami`, webhook-style token reviews).
extension APIServer {
    static let reviewGroups: Set<String> = ["authorization.k8s.io", "authentication.k8s.io"]

    func review(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let options = try WriteOptions(context)
        var (object, _) = try decodeObject(context, target, options: options)
        let spec = object["spec"]
        var status: JSON = [:]
        switch target.definition.plural {
        case "selfsubjectaccessreviews", "subjectaccessreviews", "localsubjectaccessreviews":
            let user: UserInfo
            if target.definition.plural == "selfsubjectaccessreviews" {
                user = context.user
            } else {
                guard let name = spec["user"].stringValue, !name.isEmpty else {
                    throw StatusError.invalid(kind: target.definition.kind, group: target.group, name: "", causes: [
                        StatusCause(reason: "FieldValueRequired", message: "Required value: at least one of user or group must be specified", field: "spec.user"),
                    ])
                }
                user = UserInfo(name: name, groups: (spec["groups"].arrayValue ?? []).compactMap(\.stringValue))
            }
            let info = try reviewedRequest(spec, namespace: target.namespace)
            let allowed = authorizer.authorize(user: user, info: info)
            status["allowed"] = .bool(allowed)
            status["reason"] = .string(allowed ? "allowed by the Swiftlet bootstrap authorizer" : "")
        case "selfsubjectrulesreviews":
            let everything = authorizer.authorize(user: context.user, info: RequestInfo(kind: .resource, verb: "*", resource: "*", path: ""))
            status["resourceRules"] = everything ? [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]] : []
            status["nonResourceRules"] = everything ? [["verbs": ["*"], "nonResourceURLs": ["*"]]]
                : [["verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version"]]]
            status["incomplete"] = false
        case "selfsubjectreviews":
            status["userInfo"] = APIServer.userInfoJSON(context.user)
        case "tokenreviews":
            guard let token = spec["token"].stringValue, !token.isEmpty else {
                throw StatusError.invalid(kind: "TokenReview", group: target.group, name: "", causes: [
                    StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec.token"),
                ])
            }
            if let user = await authenticate(headers: [("Authorization", "Bearer " + token)], peer: .init()) {
                status["authenticated"] = true
                status["user"] = APIServer.userInfoJSON(user)
            } else {
                status["authenticated"] = false
                status["error"] = "invalid bearer token"
            }
        default:
            throw StatusError.methodNotSupported(target.definition.qualifiedName, verb: "create")
        }
        object["status"] = status
        if object["metadata"].isNull { object["metadata"] = [:] }
        try await context.send(json: object, status: .created)
        return 201
    }

    /// authentication.k8s.io/v1 UserInfo: username, uid (when known), groups, extra (when any).
    static func userInfoJSON(_ user: UserInfo) -> JSON {
        var info: JSONObject = ["username": .string(user.name)]
        if let uid = user.uid { info["uid"] = .string(uid) }
        info["groups"] = .array(user.groups.map(JSON.string))
        if !user.extra.isEmpty {
            var extra: JSONObject = [:]
            for key in user.extra.keys.sorted() { extra[key] = .array((user.extra[key] ?? []).map(JSON.string)) }
            info["extra"] = .object(extra)
        }
        return .object(info)
    }

    /// The request a SubjectAccessReview asks about.
    private func reviewedRequest(_ spec: JSON, namespace: String?) throws(StatusError) -> RequestInfo {
        let resource = spec["resourceAttributes"]
        if case .object = resource {
            var info = RequestInfo(kind: .resource, verb: resource["verb"].stringValue ?? "", path: "")
            info.group = resource["group"].stringValue ?? ""
            info.version = resource["version"].stringValue ?? ""
            info.resource = resource["resource"].stringValue ?? ""
            info.subresource = resource["subresource"].stringValue ?? ""
            info.name = resource["name"].stringValue
            info.namespace = namespace ?? resource["namespace"].stringValue
            return info
        }
        let nonResource = spec["nonResourceAttributes"]
        if case .object = nonResource {
            return RequestInfo(kind: .nonResource, verb: nonResource["verb"].stringValue ?? "", path: nonResource["path"].stringValue ?? "")
        }
        throw StatusError.invalid(kind: "SubjectAccessReview", group: "authorization.k8s.io", name: "", causes: [
            StatusCause(reason: "FieldValueRequired", message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
                        field: "spec.resourceAttributes"),
        ])
    }
}
