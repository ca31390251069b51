import NIOCore
import NIOPosix
import Synchronization

/// Sends questions to the upstream resolvers: UDP first, TCP when the UDP answer is truncated;
/// each upstream in turn until one answers within the timeout.
public final class Forwarder: Sendable {
    public let upstreams: [Upstream]
    public let timeout: Duration
    let group: any EventLoopGroup
    private let nextID = Atomic<UInt16>(UInt16.random(in: 0...UInt16.max))

    public init(upstreams: [Upstream], group: any EventLoopGroup, timeout: Duration = .seconds(2)) {
        self.upstreams = upstreams
        self.group = group
        self.timeout = timeout
    }

    /// The upstream's answer to `question`, or an error when no upstream answered.
    public func resolve(_ question: DNSQuestion) async throws -> DNSMessage {
        var lastError: any Error = DNSConfigError("no upstream resolvers configured")
        for upstream in upstreams {
            do {
                let address = try SocketAddress.makeAddressResolvingHost(upstream.host, port: upstream.port)
                var query = DNSMessage()
                query.id = nextID.wrappingAdd(1, ordering: .relaxed).newValue &+ UInt16.random(in: 0...255) << 8
                query.recursionDesired = true
                query.questions = [question]
                query.edns = EDNS(udpPayloadSize: 1232)
                let reply = try await exchangeUDP(query, with: address)
                if reply.truncated { return try await exchangeTCP(query, with: address) }
                return reply
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private func exchangeUDP(_ query: DNSMessage, with address: SocketAddress) async throws -> DNSMessage {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSMessage.self)
        let local = address.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamUDPHandler(query: query, upstream: address, promise: promise))
                }
            }
            .bind(host: local, port: 0).get()
        defer { channel.close(promise: nil) }
        let timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
            promise.fail(DNSConfigError("upstream \(address) timed out"))
        }
        defer { timer.cancel() }
        var buffer = channel.allocator.buffer(capacity: 512)
        buffer.writeBytes(query.serialized())
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer))
        return try await promise.futureResult.get()
    }

    private func exchangeTCP(_ query: DNSMessage, with address: SocketAddress) async throws -> DNSMessage {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSMessage.self)
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(timeout.nanoseconds)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamTCPHandler(query: query, promise: promise))
                }
            }
            .connect(to: address).get()
        defer { channel.close(promise: nil) }
        let timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
            promise.fail(DNSConfigError("upstream \(address) timed out over TCP"))
        }
        defer { timer.cancel() }
        try await channel.writeAndFlush(DNSFrameDecoder.frame(query.serialized(), allocator: channel.allocator))
        return try await promise.futureResult.get()
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Takes the first datagram from the upstream that answers the query (same id and question);
/// anything else (spoofed or stray packets) is ignored.
final class UpstreamUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let query: DNSMessage
    let upstream: SocketAddress
    let promise: EventLoopPromise<DNSMessage>

    init(query: DNSMessage, upstream: SocketAddress, promise: EventLoopPromise<DNSMessage>) {
        self.query = query
        self.upstream = upstream
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == upstream,
              let reply = try? DNSMessage(parsing: Array(envelope.data.readableBytesView)),
              reply.isResponse, reply.id == query.id, reply.questions == query.questions else { return }
        promise.succeed(reply)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}

final class UpstreamTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let query: DNSMessage
    let promise: EventLoopPromise<DNSMessage>

    init(query: DNSMessage, promise: EventLoopPromise<DNSMessage>) {
        self.query = query
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do {
            let reply = try DNSMessage(parsing: Array(frame.readableBytesView))
            guard reply.id == query.id else { return }
            promise.succeed(reply)
        } catch {
            promise.fail(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}

/// RFC 1035 4.2.2 framing: each message preceded by its length in two bytes.
struct DNSFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    static func frame(_ message: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: message.count + 2)
        buffer.writeInteger(UInt16(truncatingIfNeeded: message.count))
        buffer.writeBytes(message)
        return buffer
    }
}
