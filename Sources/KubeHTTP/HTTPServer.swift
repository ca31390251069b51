import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// TLS material for the server, as PEM bytes.
public struct TLSMaterial: Sendable {
    public var certificateChainPEM: [UInt8]
    public var privateKeyPEM: [UInt8]
    /// CA bundle that client certificates must chain to; nil: no client certificates requested.
    public var clientCAPEM: [UInt8]?

    public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], clientCAPEM: [UInt8]?) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.clientCAPEM = clientCAPEM
    }

    /// A NIOSSL server context offering h2 and http/1.1, asking for (optional) client certificates.
    public func makeServerContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMBytes(certificateChainPEM).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(bytes: privateKeyPEM, format: .pem)
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        config.minimumTLSVersion = .tlsv12
        config.applicationProtocols = ["h2", "http/1.1"]
        if let clientCAPEM {
            config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(clientCAPEM))
            // Clients with only a bearer token (or nothing, to be told 401) must still connect.
            config.certificateVerification = .optionalVerification
        }
        return try NIOSSLContext(configuration: config)
    }
}

/// An HTTPS server speaking HTTP/1.1 and HTTP/2 (chosen by ALPN) in front of an `HTTPResponder`.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var tls: TLSMaterial
        /// Bodies above this size are refused with 413.
        public var maxBodySize: Int
        public var threads: Int

        public init(host: String, port: Int, tls: TLSMaterial, maxBodySize: Int = 3 * 1024 * 1024, threads: Int = System.coreCount) {
            self.host = host
            self.port = port
            self.tls = tls
            self.maxBodySize = maxBodySize
            self.threads = threads
        }
    }

    typealias Stream = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    typealias Negotiated = EventLoopFuture<NIONegotiatedHTTPVersion<StreamWithPeer, (Channel, NIOHTTP2Handler.AsyncStreamMultiplexer<StreamWithPeer>)>>

    struct StreamWithPeer: Sendable {
        var stream: Stream
        var peer: PeerInfo
        var closeFuture: EventLoopFuture<Void>
        var isHTTP2: Bool
        /// HTTP/1.1 only: takes the connection over after an Upgrade request.
        var upgrader: ConnectionUpgrader? = nil
    }

    public let configuration: Configuration
    let responder: any HTTPResponder
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    private let serverChannel: NIOAsyncChannel<Negotiated, Never>
    private let shutdownRequested = Mutex(false)

    /// The port actually bound (useful with port 0).
    public let boundPort: Int

    /// Binds the listening socket; call `run()` to serve.
    public init(configuration: Configuration, responder: any HTTPResponder, logger: Logger) async throws {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        let sslContext = try configuration.tls.makeServerContext()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                }.flatMap {
                    channel.configureAsyncHTTPServerPipeline(
                        http1ConnectionInitializer: { channel in
                            channel.eventLoop.makeCompletedFuture {
                                let peer = HTTPServer.peerInfo(of: channel)
                                // Below the HTTP codecs, so an upgraded connection can leave them.
                                let bridge = RawBridgeHandler(active: false)
                                let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
                                try channel.pipeline.syncOperations.addHandler(bridge, position: .after(tls))
                                let upgrader = ConnectionUpgrader(channel: channel, handler: NIOLoopBound(bridge, eventLoop: channel.eventLoop))
                                let stream = try Stream(wrappingChannelSynchronously: channel)
                                return StreamWithPeer(stream: stream, peer: peer, closeFuture: channel.closeFuture, isHTTP2: false,
                                                      upgrader: upgrader)
                            }
                        },
                        http2ConnectionInitializer: { channel in channel.eventLoop.makeSucceededFuture(channel) },
                        http2StreamInitializer: { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                                let peer = stream.parent.map { HTTPServer.peerInfo(of: $0) } ?? PeerInfo()
                                let wrapped = try Stream(wrappingChannelSynchronously: stream)
                                return StreamWithPeer(stream: wrapped, peer: peer, closeFuture: stream.closeFuture, isHTTP2: true)
                            }
                        }
                    )
                }
            }
        self.serverChannel = channel
        self.boundPort = channel.channel.localAddress?.port ?? configuration.port
    }

    static func peerInfo(of channel: Channel) -> PeerInfo {
        let handler = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
        let der = (try? handler?.peerCertificate?.toDERBytes()) ?? nil
        return PeerInfo(certificateDER: der, remoteAddress: channel.remoteAddress?.description)
    }

    /// Serves until `shutdown()` or cancellation.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await serverChannel.executeThenClose { inbound in
                for try await negotiated in inbound {
                    group.addTask { await self.handleConnection(negotiated) }
                }
            }
        }
    }

    /// Stops accepting connections; `run()` returns once open connections end.
    public func shutdown() async {
        try? await serverChannel.channel.close()
    }

    public func shutdownEventLoops() async {
        try? await group.shutdownGracefully()
    }

    private func handleConnection(_ negotiated: Negotiated) async {
        do {
            switch try await negotiated.get() {
            case .http1_1(let stream):
                await serve(stream)
            case .http2((_, let multiplexer)):
                try await withThrowingDiscardingTaskGroup { group in
                    for try await stream in multiplexer.inbound {
                        group.addTask { await self.serve(stream) }
                    }
                }
            }
        } catch {
            // TLS failures and resets are ordinary (Go closes without close_notify): debug only.
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }
}
