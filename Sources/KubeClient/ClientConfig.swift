/// Everything `HTTPClient` needs to reach and authenticate to the API server.
public struct ClientConfig: Sendable {
    /// Which HTTP versions to offer in ALPN.
    public enum HTTPVersions: Sendable, Hashable {
        /// Offer h2 and http/1.1; the server picks.
        case automatic
        /// Offer only http/1.1 (a small pool of keep-alive connections).
        case http1Only
    }

    public var server: ServerAddress
    /// PEM bundle the server certificate must chain to; nil uses the system trust store.
    public var certificateAuthorityPEM: [UInt8]?
    /// Client certificate (PEM, leaf first) and its key, for mutual TLS.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Sent as `Authorization: Bearer ...` when set.
    public var bearerToken: String?
    /// The name the server certificate is verified against (and sent as SNI) instead of the
    /// server's host, as kubeconfig's `tls-server-name`.
    public var tlsServerName: String?
    public var userAgent: String
    /// Client-side rate limit (token bucket); `qps <= 0` disables it.
    public var qps: Double
    public var burst: Int
    /// How often a 429 answer is retried (after its `Retry-After`) before it is thrown.
    public var maxRetries: Int
    /// The longest `Retry-After` honoured; longer requests are clamped.
    public var maxRetryDelay: Duration
    /// Deadline for a non-watch request, from sending it to the end of the response.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    public var httpVersions: HTTPVersions
    /// Idle HTTP/1.1 connections kept for reuse (HTTP/2 uses one connection for everything).
    public var maxIdleConnections: Int

    public init(server: ServerAddress, certificateAuthorityPEM: [UInt8]? = nil,
                clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
                bearerToken: String? = nil, userAgent: String = "swiftlet-client") {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.bearerToken = bearerToken
        self.userAgent = userAgent
        self.qps = 50
        self.burst = 100
        self.maxRetries = 3
        self.maxRetryDelay = .seconds(10)
        self.requestTimeout = .seconds(60)
        self.connectTimeout = .seconds(10)
        self.httpVersions = .automatic
        self.maxIdleConnections = 4
    }

    /// Same as `init(server:...)` with the server given as an `https://host:port` URL.
    public init(serverURL: String, certificateAuthorityPEM: [UInt8]? = nil,
                clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
                bearerToken: String? = nil, userAgent: String = "swiftlet-client") throws(KubeClientError) {
        self.init(server: try ServerAddress(url: serverURL), certificateAuthorityPEM: certificateAuthorityPEM,
                  clientCertificatePEM: clientCertificatePEM, clientKeyPEM: clientKeyPEM,
                  bearerToken: bearerToken, userAgent: userAgent)
    }
}
