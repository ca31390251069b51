import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// One TLS connection to the API server, speaking what ALPN chose.
final class Connection: Sendable {
    enum Wire: Sendable {
        /// All requests share the connection, one HTTP/2 stream each.
        case http2(NIOHTTP2Handler.AsyncStreamMultiplexer<Void>)
        /// One request at a time; an `ExchangeHandler` ends the pipeline.
        case http1
    }

    let channel: any Channel
    let proto: Wire
    let state: ConnectionState

    init(channel: any Channel, proto: Wire, state: ConnectionState) {
        self.channel = channel
        self.proto = proto
        self.state = state
    }

    var id: ObjectIdentifier { ObjectIdentifier(channel) }
    var isHTTP2: Bool { if case .http2 = proto { true } else { false } }
    /// Open and not told to go away: new requests may use it.
    var isUsable: Bool { channel.isActive && !state.draining.load(ordering: .relaxed) }
}

/// Flags the pipeline sets and the pool reads.
final class ConnectionState: Sendable {
    /// The server sent GOAWAY (shutting down): finish what runs, open nothing new here.
    let draining = Atomic<Bool>(false)
    /// The first error the pipeline saw, to explain a failed handshake.
    let firstError = Mutex<(any Error)?>(nil)
}

/// Marks the connection draining when the server sends GOAWAY; connection-level frames reach the
/// pipeline after the HTTP/2 handler.
final class GoAwayHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    let state: ConnectionState

    init(state: ConnectionState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .goAway = unwrapInboundIn(data).payload { state.draining.store(true, ordering: .relaxed) }
    }
}

/// Remembers the first error (typically the TLS handshake failure) for the connect error message.
final class ErrorRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let state: ConnectionState

    init(state: ConnectionState) { self.state = state }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.firstError.withLock { if $0 == nil { $0 = error } }
        context.fireErrorCaught(error)
    }
}

extension Connection {
    /// Receive windows as Go's HTTP/2 transport sizes them (4 MiB a stream, 1 GiB the connection),
    /// so a whole object or list page arrives without waiting for window updates; NIO's 64 KiB
    /// default also stalls on servers that end a stream before its buffered DATA is flushed.
    static let http2Configuration: NIOHTTP2Handler.Configuration = {
        var configuration = NIOHTTP2Handler.Configuration()
        let streamWindow = 4 << 20
        configuration.connection.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
            HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16_384),
        ]
        configuration.connection.targetWindowSize = 1 << 30
        configuration.stream.targetWindowSize = streamWindow
        return configuration
    }()

    /// Connects, performs the TLS handshake (server verified against the CA and its name), and
    /// configures HTTP/2 or HTTP/1.1 as negotiated. `release` is called by HTTP/1.1 connections
    /// when a response ends.
    static func connect(to server: ServerAddress, serverName: String?, tls: NIOSSLContext, group: any EventLoopGroup,
                        connectTimeout: Duration,
                        release: @escaping @Sendable (ObjectIdentifier, Bool) -> Void) async throws -> Connection {
        let state = ConnectionState()
        // SNI carries names only; for an IP literal NIOSSL checks the IP SANs against the peer address.
        let serverHostname = serverName ?? (server.isIPAddress ? nil : server.host)
        let negotiated: EventLoopFuture<NIONegotiatedHTTPVersion<Connection, Connection>>
        do {
            negotiated = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000
                    + connectTimeout.components.attoseconds / 1_000_000_000))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: server.host, port: server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        try sync.addHandler(ErrorRecorder(state: state))
                    }.flatMap {
                        channel.configureHTTP2AsyncSecureUpgrade(
                            http1ConnectionInitializer: { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    let sync = channel.pipeline.syncOperations
                                    try sync.addHTTPClientHandlers()
                                    let id = ObjectIdentifier(channel)
                                    try sync.addHandler(ExchangeHandler(onComplete: { release(id, $0) }))
                                    return Connection(channel: channel, proto: .http1, state: state)
                                }
                            },
                            http2ConnectionInitializer: { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    let sync = channel.pipeline.syncOperations
                                    // The server never opens streams towards us (no push).
                                    let mux = try sync.configureAsyncHTTP2Pipeline(mode: .client, configuration: Self.http2Configuration) { stream in
                                        stream.close()
                                    }
                                    try sync.addHandler(GoAwayHandler(state: state))
                                    return Connection(channel: channel, proto: .http2(mux), state: state)
                                }
                            })
                    }
                }
        } catch {
            throw KubeClientError(.connect, "cannot connect to \(server): \(error)")
        }
        do {
            switch try await negotiated.get() {
            case .http1_1(let connection), .http2(let connection): return connection
            }
        } catch {
            let cause = state.firstError.withLock { $0 } ?? error
            throw KubeClientError(.connect, "TLS handshake with \(server) failed: \(cause)")
        }
    }

    /// Sends `exchange` on this connection: a fresh HTTP/2 stream, or the HTTP/1.1 connection itself.
    func send(_ exchange: Exchange) async throws {
        let target: any Channel
        switch proto {
        case .http2(let mux):
            target = try await mux.openStream { stream in
                stream.eventLoop.makeCompletedFuture {
                    let sync = stream.pipeline.syncOperations
                    try sync.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .https))
                    try sync.addHandler(ExchangeHandler())
                    return stream
                }
            }
        case .http1:
            target = channel
        }
        exchange.closeOnCancel(target)
        try await target.writeAndFlush(exchange)
    }
}

