import KubeAPI
import KubeHTTP
import KubePKI
import NIOHTTP1
import Synchronization

/// The component's own HTTPS server as the work closure sees it: the port it bound and a slot for
/// the component's API (every path that is not a health endpoint).
///
/// The kubelet installs its API here once the node agent exists:
/// ```
/// try await ComponentMain.run(component: "kubelet", config: config) { health, server, logger in
///     let agent = NodeAgent(...)
///     server.install(KubeletAPI(agent: agent), authorizer: .kubeletAPI)
///     try await agent.run()
/// }
/// ```
/// Until something is installed (and for components that install nothing) other paths get 404.
public final class ComponentServer: Sendable {
    /// The port actually bound (the config's `securePort`, or the one chosen for port 0).
    public let boundPort: Int
    private let installed = Mutex<(responder: any HTTPResponder, authorizer: PeerAuthorizer)?>(nil)

    init(boundPort: Int) {
        self.boundPort = boundPort
    }

    /// Serves every non-health path with `responder`, after `authorizer` accepted the client's
    /// verified certificate. A later call replaces the earlier one.
    public func install(_ responder: any HTTPResponder, authorizer: PeerAuthorizer) {
        installed.withLock { $0 = (responder, authorizer) }
    }

    /// The installed API, if any.
    var current: (responder: any HTTPResponder, authorizer: PeerAuthorizer)? { installed.withLock { $0 } }
}

/// Who may call a component's API: a verified client certificate (chained to the config's
/// `clientCAFile`, which the TLS layer checks) whose user (CN) or one of whose groups (O) is allowed.
/// No certificate is 401, an identity that is not allowed 403, each with a `Status` body.
public struct PeerAuthorizer: Sendable, Equatable {
    public var allowedUsers: Set<String>
    public var allowedGroups: Set<String>

    public init(allowedUsers: Set<String>, allowedGroups: Set<String>) {
        self.allowedUsers = allowedUsers
        self.allowedGroups = allowedGroups
    }

    /// The kubelet API (logs, exec, attach, port-forward, stats): the apiserver's kubelet client
    /// certificate (`system:kube-apiserver`) and cluster admins (`system:masters`). Upstream's
    /// kubelet asks the apiserver (SubjectAccessReview) for anyone else; Swiftlet refuses them.
    public static let kubeletAPI = PeerAuthorizer(allowedUsers: ["system:kube-apiserver"], allowedGroups: ["system:masters"])

    /// The user and groups of the request's client certificate, or the error to answer.
    public func authorize(_ request: HTTPServerRequest) -> Result<(user: String, groups: [String]), StatusError> {
        guard let der = request.peer.certificateDER,
              let identity = try? PeerIdentity.fromCertificate(derBytes: der) else {
            return .failure(.unauthorized)
        }
        guard allowedUsers.contains(identity.user) || identity.groups.contains(where: allowedGroups.contains) else {
            // Upstream kubelet's wording, with the attributes it derives from the path.
            let (resource, subresource) = Self.attributes(path: request.path)
            let verb = request.method == .GET || request.method == .HEAD ? "get" : "create"
            return .failure(StatusError(code: 403, reason: "Forbidden",
                message: "Forbidden (user=\(identity.user), verb=\(verb), resource=\(resource), subresource=\(subresource))"))
        }
        return .success(identity)
    }

    /// The `nodes` subresource upstream's kubelet authorizes a path as (`pkg/kubelet/server/auth.go`).
    static func attributes(path: Substring) -> (resource: String, subresource: String) {
        let first = path.split(separator: "/").first.map(String.init) ?? ""
        switch first {
        case "stats": return ("nodes", "stats")
        case "metrics": return ("nodes", "metrics")
        case "logs": return ("nodes", "log")
        default: return ("nodes", "proxy")
        }
    }
}

extension HTTPResponseWriter {
    /// Answers `error` as a Kubernetes `Status` (JSON).
    public func respond(error: StatusError) async throws {
        try await respond(status: HTTPResponseStatus(statusCode: error.code),
                          headers: ["Content-Type": "application/json", "Cache-Control": "no-cache, private"],
                          body: error.status.serialized())
    }
}
