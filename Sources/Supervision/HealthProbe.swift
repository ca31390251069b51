import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Asks a component's health endpoint for its status.
public protocol HealthProbing: Sendable {
    /// The HTTP status of `GET https://<host>:<port><path>`; throws on connection or TLS failure.
    func status(host: String, port: Int, path: String, timeout: Duration) async throws -> Int
}

/// A minimal HTTPS client for health endpoints: one GET per connection, mutual TLS with the
/// supervisor's client certificate, the server verified against the cluster's server CA.
public final class ReadinessProbe: HealthProbing {
    private let group: MultiThreadedEventLoopGroup
    private let context: NIOSSLContext

    struct Timeout: Error, CustomStringConvertible {
        var description: String { "no response in time" }
    }

    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "connection closed before a complete response" }
    }

    public init(caPEM: String, clientCertificatePEM: String, clientKeyPEM: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
        tls.applicationProtocols = ["http/1.1"]
        context = try NIOSSLContext(configuration: tls)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// The HTTP status of `GET https://<host>:<port><path>`; throws on connection or TLS failure.
    public func status(host: String, port: Int, path: String, timeout: Duration) async throws -> Int {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Int.self)
        let context = self.context
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // nil host name: the certificate is checked against the peer's IP address.
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: nil)
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        StatusHandler(promise: promise, hostHeader: "\(host):\(port)", path: path))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) { promise.fail(Timeout()) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    public func shutdown() async {
        try? await group.shutdownGracefully()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Sends one GET and completes the promise with the response status at the end of the response.
private final class StatusHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let promise: EventLoopPromise<Int>
    private let hostHeader: String
    private let path: String
    private var status: Int?

    init(promise: EventLoopPromise<Int>, hostHeader: String, path: String) {
        self.promise = promise
        self.hostHeader = hostHeader
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: hostHeader)
        headers.add(name: "User-Agent", value: "swiftlet-supervisor")
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body:
            break
        case .end:
            if let status { promise.succeed(status) } else { promise.fail(ReadinessProbe.ConnectionClosed()) }
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ReadinessProbe.ConnectionClosed())
        context.fireChannelInactive()
    }
}
