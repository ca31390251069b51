import NIOCore

/// Splits an HTTP/1.1 response body out of the bytes that follow its head, as they arrive:
/// `Content-Length`, `Transfer-Encoding: chunked`, or everything up to the close (RFC 9112 §6.3).
/// A pure state machine: `feed` bytes, then take `next()` steps until it asks for more.
struct HTTP1BodyDecoder: Sendable {
    enum Framing: Equatable, Sendable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    enum Step: Equatable {
        /// Body bytes, delivered as soon as they came (a chunk may come in pieces).
        case data(ByteBuffer)
        /// Nothing decodable is buffered: read more, then `feed` it (or `inputEnded`).
        case needMore
        /// The body is complete.
        case end
    }

    private enum State: Equatable {
        case remaining(Int)
        case chunkSize
        case chunkData(Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    private var state: State
    private var buffer = ByteBuffer()
    /// A chunk-size or trailer line longer than this is not HTTP.
    static let maxLineLength = 8 * 1024

    init(framing: Framing) {
        switch framing {
        case .none: state = .done
        case .length(let n): state = n == 0 ? .done : .remaining(n)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    /// The framing of a response to `method` (RFC 9112 §6.3): no body for HEAD, 1xx, 204 and 304;
    /// chunked wins over Content-Length; a bad Content-Length is an error.
    static func framing(method: String, status: Int, headers: [(String, String)]) throws -> Framing {
        if method == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304 { return .none }
        let codings = headers.filter { $0.0.lowercased() == "transfer-encoding" }
            .flatMap { $0.1.split(separator: ",") }.map { $0.trimmingSpaces.lowercased() }
        if let last = codings.last {
            guard last == "chunked" else { return .untilClose }
            return .chunked
        }
        let lengths = Set(headers.filter { $0.0.lowercased() == "content-length" }.map { $0.1[...].trimmingSpaces })
        guard let text = lengths.first else { return .untilClose }
        guard lengths.count == 1, let length = Int(text), length >= 0 else {
            throw RawConnectionError("malformed Content-Length in the response: \(lengths.sorted())")
        }
        return .length(length)
    }

    var isDone: Bool { state == .done }

    mutating func feed(_ bytes: ByteBuffer) {
        var bytes = bytes
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            buffer.writeBuffer(&bytes)
        }
    }

    /// The peer closed its side: fine at the end of a read-until-close body, an error elsewhere.
    mutating func inputEnded() throws {
        switch state {
        case .done: return
        case .untilClose: state = .done
        default: throw RawConnectionError("the connection closed before the response body was complete")
        }
    }

    mutating func next() throws -> Step {
        while true {
            switch state {
            case .done:
                return .end
            case .untilClose:
                return takeAll(max: .max)
            case .remaining(let n):
                let step = takeAll(max: n)
                if case .data(let d) = step {
                    let left = n - d.readableBytes
                    state = left == 0 ? .done : .remaining(left)
                }
                return step
            case .chunkSize:
                guard let line = try takeLine() else { return .needMore }
                let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0 else {
                    throw RawConnectionError("malformed chunk size in the response: \(line.prefix(40))")
                }
                state = size == 0 ? .trailers : .chunkData(size)
            case .chunkData(let n):
                let step = takeAll(max: n)
                if case .data(let d) = step {
                    let left = n - d.readableBytes
                    state = left == 0 ? .chunkDataEnd : .chunkData(left)
                }
                return step
            case .chunkDataEnd:
                guard let line = try takeLine() else { return .needMore }
                guard line.isEmpty else { throw RawConnectionError("a chunk in the response does not end with CRLF") }
                state = .chunkSize
            case .trailers:
                // Trailer fields are read and dropped up to the blank line that ends the body.
                guard let line = try takeLine() else { return .needMore }
                if line.isEmpty { state = .done }
            }
        }
    }

    private mutating func takeAll(max: Int) -> Step {
        let n = min(max, buffer.readableBytes)
        guard n > 0 else { return .needMore }
        return .data(buffer.readSlice(length: n)!)
    }

    /// The next CRLF-terminated line without its CRLF; nil while incomplete.
    private mutating func takeLine() throws -> Substring? {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: 10) else {
            if view.count > Self.maxLineLength { throw RawConnectionError("a chunk line in the response is too long") }
            return nil
        }
        let length = lf - view.startIndex
        var line = buffer.readBytes(length: length + 1)!
        line.removeLast()  // LF
        if line.last == 13 { line.removeLast() }
        return Substring(String(decoding: line, as: UTF8.self))
    }
}
