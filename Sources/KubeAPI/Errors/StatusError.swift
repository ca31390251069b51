/// One cause of an `Invalid` (or other) error, as in `Status.details.causes`.
public struct StatusCause: Hashable, Sendable {
    /// Upstream cause types: `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`,
    /// `FieldValueDuplicate`, `FieldValueTooLong`, `FieldValueForbidden`, `FieldValueTypeInvalid`,
    /// `FieldManagerConflict`, `UnexpectedServerResponse`, `ExitCode`...
    public var reason: String
    public var message: String
    public var field: String

    public init(reason: String, message: String, field: String) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// An API error that becomes a Kubernetes `Status` object at the HTTP edge.
public struct StatusError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `BadRequest`, ...
    public var reason: String
    public var message: String
    public var details: Details?
    /// Seconds for `Retry-After` (429, 503).
    public var retryAfterSeconds: Int?

    public struct Details: Hashable, Sendable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [StatusCause]
        public var retryAfterSeconds: Int?

        public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil,
                    causes: [StatusCause] = [], retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public init(code: Int, reason: String, message: String, details: Details? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(reason) (\(code)): \(message)" }

    /// The `Status` object sent to clients.
    public var status: JSON {
        var object: JSONObject = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object([:]),
            "status": "Failure", "message": .string(message), "reason": .string(reason),
        ]
        if let details {
            var d = JSONObject()
            if let name = details.name { d["name"] = .string(name) }
            if let group = details.group, !group.isEmpty { d["group"] = .string(group) }
            if let kind = details.kind { d["kind"] = .string(kind) }
            if let uid = details.uid { d["uid"] = .string(uid) }
            if !details.causes.isEmpty {
                d["causes"] = .array(details.causes.map { c in
                    var o: JSONObject = ["reason": .string(c.reason), "message": .string(c.message)]
                    if !c.field.isEmpty { o["field"] = .string(c.field) }
                    return .object(o)
                })
            }
            if let r = details.retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(r)) }
            object["details"] = .object(d)
        }
        object["code"] = .int(Int64(code))
        return .object(object)
    }
}

extension StatusError {
    public static func notFound(_ resource: String, group: String = "", name: String) -> StatusError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return StatusError(code: 404, reason: "NotFound", message: "\(qualified) \"\(name)\" not found",
                           details: Details(name: name, group: group, kind: resource))
    }

    public static func alreadyExists(_ resource: String, group: String = "", name: String) -> StatusError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return StatusError(code: 409, reason: "AlreadyExists", message: "\(qualified) \"\(name)\" already exists",
                           details: Details(name: name, group: group, kind: resource))
    }

    public static func conflict(_ resource: String, group: String = "", name: String, reason: String? = nil) -> StatusError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        let why = reason ?? "the object has been modified; please apply your changes to the latest version and try again"
        return StatusError(code: 409, reason: "Conflict",
                           message: "Operation cannot be fulfilled on \(qualified) \"\(name)\": \(why)",
                           details: Details(name: name, group: group, kind: resource))
    }

    /// 422 with field causes; `kind` is the Kind (e.g. `Pod`), as upstream words it.
    public static func invalid(kind: String, group: String = "", name: String, causes: [StatusCause]) -> StatusError {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        let list = causes.map { c in c.field.isEmpty ? c.message : "\(c.field): \(c.message)" }
        let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        return StatusError(code: 422, reason: "Invalid", message: "\(qualified) \"\(name)\" is invalid: \(joined)",
                           details: Details(name: name, group: group, kind: kind, causes: causes))
    }

    public static func badRequest(_ message: String) -> StatusError {
        StatusError(code: 400, reason: "BadRequest", message: message)
    }

    public static func methodNotSupported(_ resource: String, verb: String) -> StatusError {
        StatusError(code: 405, reason: "MethodNotAllowed",
                    message: "\(verb) is not supported on resources of kind \"\(resource)\"",
                    details: Details(kind: resource))
    }

    public static func expired(_ message: String) -> StatusError {
        StatusError(code: 410, reason: "Expired", message: message)
    }

    public static func unsupportedMediaType(_ contentType: String) -> StatusError {
        StatusError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
    }

    public static func internalError(_ message: String) -> StatusError {
        StatusError(code: 500, reason: "InternalError",
                    message: "Internal error occurred: \(message)",
                    details: Details(causes: [StatusCause(reason: "", message: message, field: "")]))
    }

    public static func forbidden(user: String, verb: String, resource: String, group: String, namespace: String?) -> StatusError {
        let scope = namespace.map { " in the namespace \"\($0)\"" } ?? " at the cluster scope"
        return StatusError(code: 403, reason: "Forbidden",
                           message: "\(resource)\(group.isEmpty ? "" : "." + group) is forbidden: User \"\(user)\" cannot \(verb) resource \"\(resource)\" in API group \"\(group)\"\(scope)",
                           details: Details(group: group, kind: resource))
    }

    public static let unauthorized = StatusError(code: 401, reason: "Unauthorized", message: "Unauthorized")
}
