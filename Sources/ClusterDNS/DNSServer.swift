#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix

/// The UDP and TCP listeners on one address and port, answering through a `DNSResolver`.
public final class DNSServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port (the same one for TCP and UDP).
        public var port: Int
        /// How long a TCP connection may sit without a query (RFC 7766 suggests seconds).
        public var tcpIdleTimeout: Duration
        /// UDP sockets sharing the port (SO_REUSEPORT), one per event loop thread.
        public var udpSockets: Int
        /// Who is answered; nil: everyone.
        public var clients: ClientFilter?

        public init(host: String = "0.0.0.0", port: Int = 53, tcpIdleTimeout: Duration = .seconds(10), udpSockets: Int = 1,
                    clients: ClientFilter? = nil) {
            self.host = host
            self.port = port
            self.tcpIdleTimeout = tcpIdleTimeout
            self.udpSockets = udpSockets
            self.clients = clients
        }
    }

    public let port: Int
    private let channels: [any Channel]

    private init(port: Int, channels: [any Channel]) {
        self.port = port
        self.channels = channels
    }

    /// Binds TCP first (to learn a free port when 0 was asked), then UDP on the same port. With
    /// port 0 a UDP socket may already hold the number TCP got: then it tries another.
    public static func start(configuration: Configuration, resolver: DNSResolver, group: any EventLoopGroup,
                             logger: Logger) async throws -> DNSServer {
        var attempt = 1
        while true {
            do {
                return try await bind(configuration: configuration, resolver: resolver, group: group, logger: logger)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && configuration.port == 0 && attempt < 20 {
                attempt += 1
            }
        }
    }

    private static func bind(configuration: Configuration, resolver: DNSResolver, group: any EventLoopGroup,
                             logger: Logger) async throws -> DNSServer {
        let idle = TimeAmount.nanoseconds(configuration.tcpIdleTimeout.nanoseconds)
        let tcp = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                if let clients = configuration.clients, !clients.allows(channel.remoteAddress) {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(TCPQueryHandler(resolver: resolver))
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        guard let port = tcp.localAddress?.port else { throw DNSConfigError("TCP listener has no port") }
        var channels: [any Channel] = [tcp]
        do {
            for _ in 0..<max(1, configuration.udpSockets) {
                let udp = try await DatagramBootstrap(group: group)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: configuration.udpSockets > 1 ? 1 : 0)
                    .channelOption(.datagramVectorReadMessageCount, value: 32)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096 * 32))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(UDPQueryHandler(resolver: resolver, clients: configuration.clients))
                        }
                    }
                    .bind(host: configuration.host, port: port).get()
                channels.append(udp)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        logger.info("serving DNS", metadata: ["address": "\(configuration.host)", "port": "\(port)"])
        return DNSServer(port: port, channels: channels)
    }

    /// Closes the listeners (open TCP connections end with their idle timeout or their peer).
    public func stop() async {
        for channel in channels { try? await channel.close() }
    }
}

/// One UDP socket: replies go out in the read loop, flushed once per batch of reads.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let resolver: DNSResolver
    let clients: ClientFilter?
    private var pendingFlush = false

    init(resolver: DNSResolver, clients: ClientFilter?) {
        self.resolver = resolver
        self.clients = clients
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let remote = envelope.remoteAddress
        if let clients, !clients.allows(remote) { return }
        switch resolver.handle(Array(envelope.data.readableBytesView), transport: .udp) {
        case .drop: return
        case .reply(let bytes):
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: context.channel.allocator.buffer(bytes: bytes))),
                          promise: nil)
            pendingFlush = true
        case .deferred(let work):
            let channel = context.channel
            Task {
                guard let bytes = await work() else { return }
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP unreachable and the like surface here; the socket stays open.
    }
}

/// One TCP connection: any number of length-framed queries, answered as they complete.
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let resolver: DNSResolver

    init(resolver: DNSResolver) { self.resolver = resolver }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch resolver.handle(Array(frame.readableBytesView), transport: .tcp) {
        case .drop: return
        case .reply(let bytes):
            context.writeAndFlush(wrapOutboundOut(DNSFrameDecoder.frame(bytes, allocator: context.channel.allocator)), promise: nil)
        case .deferred(let work):
            let channel = context.channel
            Task {
                guard let bytes = await work() else { return }
                channel.writeAndFlush(DNSFrameDecoder.frame(bytes, allocator: channel.allocator), promise: nil)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
