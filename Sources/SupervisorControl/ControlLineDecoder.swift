import NIOCore

/// One frame from a control client: a request line, or the news that a line grew past the limit.
enum ControlFrame: Sendable {
    case line(ByteBuffer)
    case tooLong
}

/// Splits the byte stream at `\n` and refuses lines longer than `maxLength`, so a client cannot
/// make the supervisor buffer without bound. After `.tooLong` the rest of the input is dropped
/// (the server answers and closes the connection).
struct ControlLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ControlFrame

    let maxLength: Int
    private var overflowed = false
    /// How far the buffer was already searched for a newline, so a slow client costs linear time.
    private var scanned = 0

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if overflowed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: min(scanned, view.count))
        guard let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if view.count > maxLength { overflow(context: context, buffer: &buffer) }
            return .needMoreData
        }
        scanned = 0
        let length = newline - view.startIndex
        if length > maxLength {
            overflow(context: context, buffer: &buffer)
            return .needMoreData
        }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last request without its newline still counts.
        if !overflowed, buffer.readableBytes > 0, let rest = buffer.readSlice(length: buffer.readableBytes) {
            context.fireChannelRead(wrapInboundOut(.line(rest)))
        }
        return .needMoreData
    }

    private mutating func overflow(context: ChannelHandlerContext, buffer: inout ByteBuffer) {
        overflowed = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(wrapInboundOut(.tooLong))
    }
}
