import NIOCore

/// Errors of raw connections: the upgrade handshake and `HTTP1Client` (connect timeouts,
/// malformed or truncated responses).
public struct RawConnectionError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }

    static let closed = RawConnectionError("the connection is closed")
    static let notActive = RawConnectionError("the connection was not taken over")
}

/// Raw bytes both ways over a channel, with backpressure: reading stops once `highWatermark`
/// bytes wait unread, and each write waits until the socket took it.
///
/// Sits right above the TLS handler (or the socket). Until `activate()` it passes everything
/// through, so the HTTP/1.1 codecs above it work normally; once active it keeps inbound bytes and
/// `read` events to itself and writes below the HTTP encoder: that is how an upgraded connection
/// leaves HTTP without any handler being removed.
final class RawBridgeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var active: Bool
    private var context: ChannelHandlerContext?
    private var buffered = CircularBuffer<ByteBuffer>()
    private var bufferedBytes = 0
    private var inputClosed = false
    private var failure: (any Error)?
    private var waiter: EventLoopPromise<ByteBuffer?>?
    private var readHeld = false
    private let highWatermark: Int

    init(active: Bool, highWatermark: Int = 256 * 1024) {
        self.active = active
        self.highWatermark = highWatermark
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Stops passing bytes to HTTP: from now on they are kept for `nextBuffer`.
    ///
    /// Reads become explicit (auto-read off): a server connection's HTTP pipeline handler above
    /// holds every automatic `read` while its request is unanswered (an upgrade's never is), and
    /// when a read gives TLS only part of a record, NIOSSL fires no `channelReadComplete` and
    /// asks for the next read itself only when auto-read is off. With auto-read on, that read
    /// went to the pipeline handler and was held for good: the connection stalled.
    func activate() {
        active = true
        try? context?.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
    }

    /// Puts bytes read past an HTTP head back in front of the stream.
    func unread(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        buffered.prepend(buffer)
        bufferedBytes += buffer.readableBytes
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard active else { return context.fireChannelRead(data) }
        let buffer = unwrapInboundIn(data)
        if let waiter {
            self.waiter = nil
            waiter.succeed(buffer)
        } else {
            buffered.append(buffer)
            bufferedBytes += buffer.readableBytes
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A read that produced no bytes for us (TLS got only part of a record) would leave the
        // reader waiting, and on a server connection nobody else asks for more: the HTTP
        // pipeline handler above holds every `read` while its request is unanswered.
        // So the bridge reads on by itself while under its watermark, whatever the handlers
        // above do with `read`.
        if active {
            if bufferedBytes < highWatermark { context.read() } else { readHeld = true }
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if active, let event = event as? ChannelEvent, event == .inputClosed {
            endInput(nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        endInput(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard active else { return context.fireErrorCaught(error) }
        // Once upgraded nobody above may answer in HTTP: the error ends the stream instead.
        endInput(error)
        context.close(promise: nil)
    }

    private func endInput(_ error: (any Error)?) {
        inputClosed = true
        if failure == nil { failure = error }
        if let waiter {
            self.waiter = nil
            if let error { waiter.fail(error) } else { waiter.succeed(nil) }
        }
    }

    /// The next inbound bytes; nil at end of input.
    func nextBuffer(promise: EventLoopPromise<ByteBuffer?>) {
        if let next = buffered.popFirst() {
            bufferedBytes -= next.readableBytes
            if readHeld && bufferedBytes < highWatermark, let context {
                readHeld = false
                context.read()
            }
            return promise.succeed(next)
        }
        if let failure { return promise.fail(failure) }
        if inputClosed { return promise.succeed(nil) }
        precondition(waiter == nil, "one reader at a time")
        waiter = promise
        readHeld = false
        context?.read()
    }

    // MARK: outbound

    func read(context: ChannelHandlerContext) {
        guard active else { return context.read() }
        if bufferedBytes >= highWatermark {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Writes below the HTTP handlers.
    func writeRaw(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>) {
        guard let context else { return promise.fail(RawConnectionError.closed) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    func closeOutput(promise: EventLoopPromise<Void>) {
        guard let context else { return promise.fail(RawConnectionError.closed) }
        context.close(mode: .output, promise: promise)
    }
}

/// One side of an upgraded connection (a taken-over HTTP/1.1 server connection, or a client
/// connection after its 101): raw bytes both ways, safe to use from any task.
public final class RawConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<RawBridgeHandler>

    init(channel: any Channel, handler: NIOLoopBound<RawBridgeHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// The next bytes from the peer; nil once it has closed its side.
    public func read() async throws -> ByteBuffer? {
        let handler = self.handler
        let promise = channel.eventLoop.makePromise(of: ByteBuffer?.self)
        channel.eventLoop.execute { handler.value.nextBuffer(promise: promise) }
        return try await promise.futureResult.get()
    }

    /// Writes and flushes `buffer`; returns once the socket took it.
    public func write(_ buffer: ByteBuffer) async throws {
        let handler = self.handler
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute { handler.value.writeRaw(buffer, promise: promise) }
        try await promise.futureResult.get()
    }

    public func write(_ bytes: some Sequence<UInt8>) async throws {
        try await write(ByteBuffer(bytes: Array(bytes)))
    }

    /// Half-closes: the peer reads end of input, reading from it goes on. Closes fully when the
    /// transport cannot half-close (TLS without close_notify support).
    public func closeOutput() async {
        let handler = self.handler
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute { handler.value.closeOutput(promise: promise) }
        do {
            try await promise.futureResult.get()
        } catch {
            await close()
        }
    }

    /// Whether the connection is still open (false once both sides are gone).
    public var isActive: Bool { channel.isActive }

    public func close() async {
        try? await channel.close()
    }
}
