import NIOCore

/// Answers the runtime's HTTP/2 PING frames before they reach the HTTP/2 handler.
///
/// containerd's gRPC server (grpc-go) estimates bandwidth-delay by sending a PING each time it
/// receives data while no such ping is outstanding. Over a unix socket the round trip is a few
/// microseconds, so every request the kubelet sends is answered with a PING as well. SwiftNIO's
/// HTTP/2 handler counts inbound control frames as a denial-of-service heuristic and closes the
/// connection after 200 in 30 seconds, which a burst of pod starts reaches in about a second: every
/// call in flight then fails with "Stream unexpectedly closed" and containerd cancels the work
/// behind them (half-started shims, sandboxes whose names stay reserved). Neither limit can be
/// configured through the gRPC transport, so this handler sits between the socket and the HTTP/2
/// handler, acknowledges each non-ACK PING itself (as RFC 9113 §6.7 requires, with the same
/// payload) and passes every other byte through unchanged.
///
/// It only parses frame headers; frame payloads other than PINGs stream through without being
/// buffered.
final class PingResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let frameHeaderLength = 9
    static let pingType: UInt8 = 0x6
    static let ackFlag: UInt8 = 0x1
    static let pingPayloadLength = 8

    /// Bytes of the current (non-PING) frame still to pass through.
    private var passThrough = 0
    /// An incomplete frame header, or an incomplete PING frame.
    private var pending: ByteBuffer?

    init() {}

    /// Walks the frame headers of `buffer` (the first `skipping` bytes belong to a frame already
    /// started). Nil when a PING starts in it or it ends inside a frame header; otherwise how
    /// many bytes of the last frame are still to come.
    static func bytesLeftIfNoPing(in buffer: ByteBuffer, skipping: Int) -> Int? {
        var index = skipping
        while index < buffer.readableBytes {
            let at = buffer.readerIndex + index
            guard index + frameHeaderLength <= buffer.readableBytes,
                  let word = buffer.getInteger(at: at, as: UInt32.self),
                  let type = buffer.getInteger(at: at + 3, as: UInt8.self),
                  let flags = buffer.getInteger(at: at + 4, as: UInt8.self) else { return nil }
            let length = Int(word >> 8)
            if type == pingType, flags & ackFlag == 0, length == pingPayloadLength { return nil }
            index += frameHeaderLength + length
        }
        return index - buffer.readableBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        // Most reads hold no PING and end on a frame boundary or inside a frame's payload:
        // forward them as they are, without copying.
        if pending == nil, let remaining = Self.bytesLeftIfNoPing(in: input, skipping: passThrough) {
            passThrough = remaining
            context.fireChannelRead(wrapInboundOut(input))
            return
        }
        if var held = pending {
            held.writeBuffer(&input)
            input = held
            pending = nil
        }
        var output = context.channel.allocator.buffer(capacity: input.readableBytes)
        var wroteAck = false
        while input.readableBytes > 0 {
            if passThrough > 0 {
                let count = min(passThrough, input.readableBytes)
                var slice = input.readSlice(length: count)!
                output.writeBuffer(&slice)
                passThrough -= count
                continue
            }
            guard input.readableBytes >= Self.frameHeaderLength,
                  let length = input.getInteger(at: input.readerIndex, as: UInt32.self).map({ Int($0 >> 8) }),
                  let type = input.getInteger(at: input.readerIndex + 3, as: UInt8.self),
                  let flags = input.getInteger(at: input.readerIndex + 4, as: UInt8.self) else {
                pending = input.readSlice(length: input.readableBytes)
                break
            }
            let isPing = type == Self.pingType && flags & Self.ackFlag == 0 && length == Self.pingPayloadLength
            guard isPing else {
                // Header and as much payload as there is go on; the rest follows in later reads.
                passThrough = Self.frameHeaderLength + length
                continue
            }
            guard input.readableBytes >= Self.frameHeaderLength + length else {
                pending = input.readSlice(length: input.readableBytes)
                break
            }
            var ping = input.readSlice(length: Self.frameHeaderLength + length)!
            // The same frame with the ACK flag set (stream 0, same opaque payload).
            ping.setInteger(flags | Self.ackFlag, at: ping.readerIndex + 4)
            context.write(wrapOutboundOut(ping), promise: nil)
            wroteAck = true
        }
        if wroteAck { context.flush() }
        if output.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(output))
        }
    }
}
