import FoundationEssentials
import KubeAPI
import KubeHTTP
import KubePKI
import KubeStore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftletCore
import Synchronization

/// The API server's request pipeline: authentication -> request info -> authorization ->
/// handlers (discovery, health, resources) -> encoding. One instance serves every connection.
public final class APIServer: HTTPResponder {
    let config: APIServerConfig
    let store: any KubeStore
    let authenticator: Authenticator
    let authorizer: any Authorizer
    /// Service-account token issuing (TokenRequest) and authentication; nil without
    /// `serviceAccountSigningKeyFile` in the config.
    let serviceAccountTokens: ServiceAccountTokens?
    let logger: Logger
    let metrics: APIMetrics
    let limiter: InflightLimiter
    let allocator: ServiceAllocator
    let openAPI: OpenAPICache
    let watchTuning: WatchTuning
    /// Where kubelets are and the client certificate for them (logs, node proxy, exec, attach,
    /// port-forward); nil without `kubeletClientCertificate` in the config.
    let kubeletLocator: KubeletLocator?
    /// The locator's TLS settings as a context, made once for the streaming upgrades.
    let kubeletSSLContext: NIOSSLContext?
    /// Set once the bootstrap objects exist; `/readyz` reports it.
    let bootstrapped = ManagedFlag()
    /// Namespaces whose contents are being deleted by this process.
    let terminating = Mutex<Set<String>>([])

    public init(config: APIServerConfig, store: any KubeStore, logger: Logger) throws {
        self.config = config
        self.store = store
        self.authenticator = try Authenticator(tokenFile: config.tokenAuthFile)
        self.authorizer = BootstrapAuthorizer()
        self.serviceAccountTokens = try config.serviceAccountSigningKeyFile.map { path in
            ServiceAccountTokens(signingKey: try ServiceAccountSigningKey(pemFile: path), issuer: config.serviceAccountIssuer)
        }
        self.logger = logger
        self.metrics = APIMetrics()
        self.limiter = InflightLimiter(maxReadOnly: config.maxRequestsInflight, maxMutating: config.maxMutatingRequestsInflight)
        self.allocator = try ServiceAllocator(serviceCIDR: config.serviceCIDR, nodePortRange: config.serviceNodePortRange)
        self.openAPI = OpenAPICache()
        self.watchTuning = WatchTuning()
        let locator = config.kubeletClientCertificate == nil ? nil : try KubeletLocator(config: config, store: store)
        self.kubeletLocator = locator
        self.kubeletSSLContext = try locator.map { try NIOSSLContext(configuration: $0.tls) }
    }

    public func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
        let started = ContinuousClock.now
        let query = Query(items: request.queryItems)
        let path = percentDecode(request.path)
        let info = RequestInfo.parse(method: request.method.rawValue, path: path, query: query)
        var context = RequestContext(request: request, info: info, query: query, writer: writer,
                                     format: ResponseFormat(accept: request.headers.first(name: "Accept")))
        let code: Int
        do {
            code = try await dispatch(&context)
        } catch let error as StatusError {
            code = error.code
            try await context.send(error: error)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as ChannelError {
            throw error  // the client went away mid-response: nothing to answer
        } catch let error as IOError {
            throw error
        } catch {
            let status = StatusError.internalError("\(error)")
            code = status.code
            logger.error("request failed", metadata: ["verb": "\(info.verb)", "path": "\(path)", "error": "\(error)"])
            try await context.send(error: status)
        }
        metrics.observe(verb: info.verb.uppercased(), resource: info.resource, subresource: info.subresource,
                        code: code, duration: ContinuousClock.now - started, isWatch: info.verb == "watch")
    }

    /// Returns the HTTP status code sent.
    private func dispatch(_ context: inout RequestContext) async throws -> Int {
        let info = context.info
        // Health endpoints answer without credentials so probes and load balancers can use them.
        if info.kind == .nonResource, let code = try await serveHealth(&context) { return code }

        let headers = context.request.headers.map { ($0.name, $0.value) }
        guard let user = await authenticate(headers: headers, peer: context.request.peer) else {
            throw StatusError.unauthorized
        }
        let effective = try impersonate(headers: context.request.headers, requester: user)
        context.user = effective
        guard authorizer.authorize(user: effective, info: info) else {
            if info.kind == .resource {
                throw StatusError.forbidden(user: effective.name, verb: info.verb, resource: info.resource,
                                            group: info.group, namespace: info.namespace)
            }
            throw StatusError(code: 403, reason: "Forbidden",
                              message: "forbidden: User \"\(effective.name)\" cannot \(info.verb) path \"\(info.path)\"")
        }

        if info.kind == .nonResource {
            return try await serveNonResource(&context)
        }
        let isMutating = !["get", "list", "watch"].contains(info.verb)
        // Long-running requests (watch, logs, proxy, exec, attach, port-forward) are not counted,
        // like upstream's max-in-flight filter.
        if info.verb == "watch" || info.subresource == "log" || info.subresource == "proxy" || info.subresource.hasPrefix("proxy/")
            || (info.resource == "pods" && PodStreamLocation.subresources.contains(info.subresource)) {
            return try await serveResource(&context)
        }
        guard limiter.acquire(mutating: isMutating) else {
            throw StatusError(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                              details: .init(causes: [], retryAfterSeconds: 1), retryAfterSeconds: 1)
        }
        defer { limiter.release(mutating: isMutating) }
        return try await serveResource(&context)
    }
}

extension APIServer {
    /// `Impersonate-User` / `Impersonate-Group` (kubectl `--as`, `--as-group`): the request then runs
    /// as that user. Only `system:masters` may impersonate until RBAC grants the `impersonate` verb.
    func impersonate(headers: HTTPHeaders, requester: UserInfo) throws(StatusError) -> UserInfo {
        let name = headers.first(name: "Impersonate-User")
        let groups = headers["Impersonate-Group"]
        let others = headers.contains { $0.name.lowercased().hasPrefix("impersonate-") }
        guard let name else {
            if others { throw StatusError.badRequest("impersonation requires Impersonate-User: requested \(groups) without impersonating a user") }
            return requester
        }
        guard requester.groups.contains("system:masters") else {
            throw StatusError(code: 403, reason: "Forbidden",
                              message: "users \"\(name)\" is forbidden: User \"\(requester.name)\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
                              details: .init(name: name, kind: "users"))
        }
        var all = groups
        if name != "system:anonymous", !all.contains("system:authenticated") { all.append("system:authenticated") }
        return UserInfo(name: name, groups: all)
    }
}

/// Per-request state passed to handlers.
struct RequestContext {
    let request: HTTPServerRequest
    let info: RequestInfo
    let query: Query
    let writer: HTTPResponseWriter
    let format: ResponseFormat
    var user = UserInfo(name: "system:anonymous", groups: [])

    var body: [UInt8] { Array(request.body.readableBytesView) }
    var contentType: String? { request.headers.first(name: "Content-Type") }

    func send(json: JSON, status: HTTPResponseStatus = .ok, warnings: [String] = []) async throws {
        try await send(bytes: json.serialized(), status: status, warnings: warnings)
    }

    func send(bytes: [UInt8], status: HTTPResponseStatus = .ok, contentType: String = "application/json", warnings: [String] = []) async throws {
        var headers: HTTPHeaders = ["Content-Type": contentType, "Cache-Control": "no-cache, private"]
        for warning in warnings {
            headers.add(name: "Warning", value: "299 - \"\(warning.replacing("\"", with: "\\\""))\"")
        }
        try await writer.respond(status: status, headers: headers, body: bytes)
    }

    func send(error: StatusError) async throws {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Cache-Control": "no-cache, private"]
        if let retry = error.retryAfterSeconds { headers.add(name: "Retry-After", value: String(retry)) }
        try await writer.respond(status: HTTPResponseStatus(statusCode: error.code), headers: headers,
                                 body: error.status.serialized())
    }

    func sendText(_ text: String, status: HTTPResponseStatus = .ok) async throws {
        try await writer.respond(status: status, headers: ["Content-Type": "text/plain; charset=utf-8",
                                                          "X-Content-Type-Options": "nosniff"],
                                 body: Array(text.utf8))
    }
}
