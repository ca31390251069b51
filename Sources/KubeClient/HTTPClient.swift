import KubeAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The `KubeAPIClient` of the components: JSON over HTTPS with the component's client certificate
/// (or a bearer token), HTTP/2 when the server offers it (one connection multiplexing every request
/// and watch), HTTP/1.1 with a few keep-alive connections otherwise.
///
/// Requests pass a client-side token bucket (`ClientConfig.qps`/`burst`); 429 answers are retried
/// after their `Retry-After`, `ClientConfig.maxRetries` times. API errors are thrown as
/// `StatusError`, client and transport failures as `KubeClientError`. A connection that dies (the
/// apiserver restarted) fails the requests it carried; the next request reconnects.
public final class HTTPClient: KubeAPIClient {
    public let config: ClientConfig
    let pool: ConnectionPool
    private let limiter: RateLimiter
    private let retry: RetryPolicy
    private let group: any EventLoopGroup
    private let ownsGroup: Bool

    /// - Parameter eventLoopGroup: the loops connections run on; nil uses a group of one thread the
    ///   client owns and shuts down in `shutdown()`.
    public init(config: ClientConfig, eventLoopGroup: (any EventLoopGroup)? = nil) throws(KubeClientError) {
        self.config = config
        let tls = try Self.makeTLSContext(config)
        if let eventLoopGroup {
            group = eventLoopGroup
            ownsGroup = false
        } else {
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            ownsGroup = true
        }
        pool = ConnectionPool(server: config.server, serverName: config.tlsServerName, tls: tls, group: group,
                              connectTimeout: config.connectTimeout, maxIdle: config.maxIdleConnections)
        limiter = RateLimiter(qps: config.qps, burst: config.burst)
        retry = RetryPolicy(maxRetries: config.maxRetries, maxDelay: config.maxRetryDelay)
    }

    /// A client for the current context of a kubeconfig file.
    public convenience init(kubeconfigPath: String, userAgent: String = "swiftlet-client",
                            eventLoopGroup: (any EventLoopGroup)? = nil) throws(KubeClientError) {
        try self.init(config: .load(kubeconfigPath: kubeconfigPath, userAgent: userAgent), eventLoopGroup: eventLoopGroup)
    }

    /// Closes every connection (requests and watches in flight fail) and, if the client created
    /// its event loops, stops them. Later requests throw `KubeClientError` `.shutdown`.
    public func shutdown() async {
        await pool.shutdown()
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    static func makeTLSContext(_ config: ClientConfig) throws(KubeClientError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = config.httpVersions == .automatic ? ["h2", "http/1.1"] : ["http/1.1"]
        do {
            if let ca = config.certificateAuthorityPEM {
                let roots = try NIOSSLCertificate.fromPEMBytes(ca)
                guard !roots.isEmpty else { throw KubeClientError(.tls, "the certificate authority PEM holds no certificate") }
                tls.trustRoots = .certificates(roots)
            }
            if let certificate = config.clientCertificatePEM, let key = config.clientKeyPEM {
                let chain = try NIOSSLCertificate.fromPEMBytes(certificate)
                guard !chain.isEmpty else { throw KubeClientError(.tls, "the client certificate PEM holds no certificate") }
                tls.certificateChain = chain.map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
            return try NIOSSLContext(configuration: tls)
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw KubeClientError(.tls, "unusable TLS material: \(error)")
        }
    }
}

// MARK: - Requests on the wire

extension HTTPClient {
    struct RawResponse {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// Sends a request (rate-limited, 429 retried) and reads the whole response.
    func perform(_ request: APIRequest) async throws -> RawResponse {
        var attempt = 0
        while true {
            try await limiter.acquire()
            let (head, rest) = try await start(request)
            var iterator = rest
            var body: [UInt8] = []
            while let part = try await iterator.next() {
                if case .body(let bytes) = part { body.append(contentsOf: bytes.readableBytesView) }
            }
            let status = Int(head.status.code)
            if let delay = retry.delay(status: status, headers: head.headers, attempt: attempt) {
                attempt += 1
                try await Task.sleep(for: delay)
                continue
            }
            return RawResponse(status: status, headers: head.headers, body: body)
        }
    }

    /// Sends a request and waits for the response head; the rest of the response follows in the
    /// returned iterator.
    func start(_ request: APIRequest) async throws
        -> (HTTPResponseHead, ResponseIterator) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: config.server.authority)
        headers.add(name: "User-Agent", value: config.userAgent)
        headers.add(name: "Accept", value: "application/json")
        if let token = config.bearerToken { headers.add(name: "Authorization", value: "Bearer \(token)") }
        var body: ByteBuffer?
        if let bytes = request.body {
            headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            headers.add(name: "Content-Length", value: String(bytes.count))
            body = ByteBuffer(bytes: bytes)
        }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method),
                                   uri: request.target, headers: headers)
        let timeout: TimeAmount? = request.streaming ? nil : .nanoseconds(
            config.requestTimeout.components.seconds * 1_000_000_000 + config.requestTimeout.components.attoseconds / 1_000_000_000)
        let exchange = Exchange(head: head, body: body, timeout: timeout)
        try await pool.send(exchange)
        var iterator = ResponseIterator(exchange)
        guard let first = try await iterator.next() else {
            throw KubeClientError.connectionClosed("no response to \(request.method) \(request.path)")
        }
        guard case .head(let responseHead) = first else {
            throw KubeClientError(.badResponse, "response body before its head")
        }
        return (responseHead, iterator)
    }

    /// A JSON object from a 2xx answer; a `StatusError` otherwise.
    func object(_ request: APIRequest) async throws -> JSON {
        let response = try await perform(request)
        try Self.check(response, request)
        do {
            return try JSON(parsing: response.body)
        } catch {
            throw KubeClientError(.badResponse, "\(request.method) \(request.path): \(error)")
        }
    }

    static func check(_ response: RawResponse, _ request: APIRequest) throws {
        guard !(200..<300).contains(response.status) else { return }
        let retryAfter = response.headers.first(name: "retry-after").flatMap { Int($0) }
        throw StatusDecoding.error(code: response.status, body: response.body, retryAfter: retryAfter,
                                   verb: request.method)
    }
}
