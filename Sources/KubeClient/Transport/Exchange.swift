import NIOCore
import NIOHTTP1

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

    init(head: HTTPRequestHead, body: ByteBuffer?, timeout: TimeAmount?) {
        self.head = head
        self.body = body
        self.timeout = timeout
        (responses, continuation) = AsyncThrowingStream.makeStream(of: ResponsePart.self)
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
            exchange.continuation.yield(.head(head))
        case .body(let bytes):
            exchange.continuation.yield(.body(bytes))
        case .end:
            complete(error: nil)
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
