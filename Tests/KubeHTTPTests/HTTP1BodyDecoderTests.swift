@testable import KubeHTTP
import NIOCore
import Testing

/// The body framing state machine, fed the same bytes whole and one byte at a time.
struct HTTP1BodyDecoderTests {
    static func decode(_ framing: HTTP1BodyDecoder.Framing, _ text: String, pieceSize: Int, close: Bool) throws -> (String, Bool) {
        var decoder = HTTP1BodyDecoder(framing: framing)
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var offset = 0
        loop: while true {
            switch try decoder.next() {
            case .data(let buffer): out += buffer.readableBytesView
            case .end: break loop
            case .needMore:
                guard offset < bytes.count else {
                    guard close else { return (String(decoding: out, as: UTF8.self), false) }
                    try decoder.inputEnded()
                    continue
                }
                let end = min(offset + pieceSize, bytes.count)
                decoder.feed(ByteBuffer(bytes: bytes[offset..<end]))
                offset = end
            }
        }
        return (String(decoding: out, as: UTF8.self), true)
    }

    @Test(arguments: [1, 3, 1000])
    func chunkedInAnyPieces(pieceSize: Int) throws {
        let wire = "3\r\nabc\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n"
        let (body, ended) = try Self.decode(.chunked, wire, pieceSize: pieceSize, close: false)
        #expect(body == "abc0123456789abcdef")
        #expect(ended)
    }

    @Test(arguments: [1, 4, 1000])
    func contentLengthStopsAtTheLength(pieceSize: Int) throws {
        let (body, ended) = try Self.decode(.length(5), "helloEXTRA", pieceSize: pieceSize, close: false)
        #expect(body == "hello")
        #expect(ended)
    }

    @Test func untilCloseEndsWithTheInput() throws {
        let (body, ended) = try Self.decode(.untilClose, "all of it", pieceSize: 2, close: true)
        #expect(body == "all of it")
        #expect(ended)
    }

    @Test func closeInsideAFramedBodyIsAnError() {
        #expect(throws: RawConnectionError.self) { try Self.decode(.length(10), "short", pieceSize: 2, close: true) }
        #expect(throws: RawConnectionError.self) { try Self.decode(.chunked, "5\r\nab", pieceSize: 2, close: true) }
    }

    @Test(arguments: [
        ("GET", 200, [("Transfer-Encoding", "gzip, chunked"), ("Content-Length", "4")], HTTP1BodyDecoder.Framing.chunked),
        ("GET", 200, [("Content-Length", "4")], .length(4)),
        ("GET", 200, [("content-length", "4"), ("Content-Length", "4")], .length(4)),
        ("GET", 200, [], .untilClose),
        ("HEAD", 200, [("Content-Length", "4")], .none),
        ("GET", 204, [], .none),
        ("GET", 304, [("Content-Length", "4")], .none),
    ])
    func framingFollowsRFC9112(method: String, status: Int, headers: [(String, String)], expected: HTTP1BodyDecoder.Framing) throws {
        #expect(try HTTP1BodyDecoder.framing(method: method, status: status, headers: headers) == expected)
    }

    @Test func negativeContentLengthIsAnError() {
        #expect(throws: RawConnectionError.self) {
            try HTTP1BodyDecoder.framing(method: "GET", status: 200, headers: [("Content-Length", "-1")])
        }
    }
}
