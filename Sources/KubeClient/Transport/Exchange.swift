import NIOCore
import NIOHTTP1
import Synchronization

/// What a response delivers to the waiting request; the end of the body finishes the stream.
enum ResponsePart: Sendable {
    case head(HTTPResponseHead)
    case body(ByteBuffer)
}

/// One request and the stream its response parts go to. Written into a channel whose pipeline ends
/// with an `ExchangeHandler` (an HTTP/1.1 connection or one HTTP/2 stream).
final class Exchange: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    /// nil for watches, which stream until the server or the consumer ends them.
    let timeout: TimeAmount?
    let responses: AsyncThrowingStream<ResponsePart, any Error>
    let continuation: AsyncThrowingStream<ResponsePart, any Error>.Continuation
    /// Read backpressure: parts handed to the stream but not yet taken by the consumer. Above
    /// `highWater` the handler stops asking the channel for more (for HTTP/2 the server then runs
    /// into the stream's flow-control window); at `lowWater` the consumer resumes it. Without
    /// this a slow informer lets a watch queue megabytes of response buffers.
    let flow = Mutex(Flow())
    static let highWater = 16
    static let lowWater = 4

    struct Flow {
        var buffered = 0
        /// The read held back while paused; called (on any thread) to resume.
        var resume: (@Sendable () -> Void)?
    }

    init(head: HTTPRequestHead, body: ByteBuffer?, timeout: TimeAmount?) {
        self.head = head
        self.body = body
        self.timeout = timeout
        (responses, continuation) = AsyncThrowingStream.makeStream(of: ResponsePart.self)
    }

    /// Whether the handler may ask for more input now; otherwise `resume` is kept and called once
    /// the consumer has taken enough parts.
    func mayRead(orResume resume: @escaping @Sendable () -> Void) -> Bool {
        flow.withLock { flow in
            guard flow.buffered >= Exchange.highWater else { return true }
            flow.resume = resume
            return false
        }
    }

    /// Counts a part handed to the stream.
    func delivered() {
        flow.withLock { $0.buffered += 1 }
    }

    /// Counts a part the consumer took; resumes a held read at the low-water mark.
    func taken() {
        let resume = flow.withLock { flow -> (@Sendable () -> Void)? in
            flow.buffered -= 1
            guard flow.buffered <= Exchange.lowWater, let resume = flow.resume else { return nil }
            flow.resume = nil
            return resume
        }
        resume?()
    }

    /// Drops a held read (the response ended): true when one was held.
    func releaseHeldRead() -> Bool {
        flow.withLock { flow in
            defer { flow.resume = nil }
            return flow.resume != nil
        }
    }

    /// Closing `channel` when the consumer goes away before the response ended: for HTTP/2 this
    /// resets the stream, for HTTP/1.1 it drops the connection (the only way to abandon a response).
    func closeOnCancel(_ channel: any Channel) {
        continuation.onTermination = { termination in
            if case .cancelled = termination { channel.close(promise: nil) }
        }
    }
}

/// Writes an `Exchange`'s request and routes the response parts back to it. One exchange at a time:
/// HTTP/1.1 connections are reused only after a response ends; an HTTP/2 stream carries one.
final class ExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    private var current: Exchange?
    private var keepAlive = true
    /// A read held back by the current exchange's backpressure.
    private var heldRead = false
    private var deadline: Scheduled<Void>?
    /// HTTP/1.1 only: tells the pool the connection is free again (and whether it may be reused).
    private let onComplete: (@Sendable (_ reusable: Bool) -> Void)?

    init(onComplete: (@Sendable (_ reusable: Bool) -> Void)? = nil) {
        self.onComplete = onComplete
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard current == nil else {
            // The pool hands a connection to one request at a time; this would be a pool bug.
            let error = KubeClientError(.invalidRequest, "connection already carries a request")
            exchange.continuation.finish(throwing: error)
            promise?.fail(error)
            return
        }
        current = exchange
        keepAlive = true
        if let timeout = exchange.timeout {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = bound.value
                handler.complete(error: KubeClientError(.timeout, "no complete response within \(timeout)"))
                context.close(promise: nil)
            }
        }
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response nobody asked for (or after a timeout) is dropped.
        guard let exchange = current else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            exchange.delivered()
            exchange.continuation.yield(.head(head))
        case .body(let bytes):
            exchange.delivered()
            exchange.continuation.yield(.body(bytes))
        case .end:
            complete(error: nil)
            if heldRead { heldRead = false; context.read() }
        }
    }

    /// Holds the read while the current response's consumer is behind (see `Exchange.flow`).
    func read(context: ChannelHandlerContext) {
        guard let exchange = current else { return context.read() }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let resume: @Sendable () -> Void = {
            eventLoop.execute {
                let (handler, context) = bound.value
                guard handler.heldRead else { return }
                handler.heldRead = false
                context.read()
            }
        }
        if exchange.mayRead(orResume: resume) {
            context.read()
        } else {
            heldRead = true
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(error: KubeClientError.connectionClosed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(error: KubeClientError.connectionClosed("\(error)"))
        context.close(promise: nil)
    }

    private func complete(error: (any Error)?) {
        guard let exchange = current else { return }
        current = nil
        _ = exchange.releaseHeldRead()
        deadline?.cancel()
        deadline = nil
        if let error {
            exchange.continuation.finish(throwing: error)
        } else {
            exchange.continuation.finish()
        }
        onComplete?(error == nil && keepAlive)
    }
}

/// The consumer's side of an exchange's response: each part taken counts for the read
/// backpressure (`Exchange.flow`).
struct ResponseIterator {
    private var base: AsyncThrowingStream<ResponsePart, any Error>.AsyncIterator
    private let exchange: Exchange

    init(_ exchange: Exchange) {
        self.base = exchange.responses.makeAsyncIterator()
        self.exchange = exchange
    }

    mutating func next() async throws -> ResponsePart? {
        let part = try await base.next()
        if part != nil { exchange.taken() }
        return part
    }
}
