import NIOCore
import NIOHTTP1

/// What the TLS layer learned about the client.
public struct PeerInfo: Sendable {
    /// DER of the client certificate, when one was presented and verified against the client CA.
    public var certificateDER: [UInt8]?
    public var remoteAddress: String?

    public init(certificateDER: [UInt8]? = nil, remoteAddress: String? = nil) {
        self.certificateDER = certificateDER
        self.remoteAddress = remoteAddress
    }
}

/// A fully received HTTP request (the body is collected up to the server's limit).
public struct HTTPServerRequest: Sendable {
    public var method: HTTPMethod
    /// The request target as sent, e.g. `/api/v1/pods?limit=500`.
    public var uri: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    public var peer: PeerInfo
    public var isHTTP2: Bool
    /// Takes the connection over after an Upgrade request; nil on HTTP/2 (which has no Upgrade).
    public var upgrader: ConnectionUpgrader?

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: ByteBuffer, peer: PeerInfo, isHTTP2: Bool,
                upgrader: ConnectionUpgrader? = nil) {
        self.upgrader = upgrader
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.peer = peer
        self.isHTTP2 = isHTTP2
    }

    /// The path without the query, percent-decoding left to the router.
    public var path: Substring {
        if let q = uri.firstIndex(of: "?") { return uri[..<q] }
        return uri[...]
    }

    /// Query parameters in order; repeated keys are kept (`command=a&command=b`).
    public var queryItems: [(name: String, value: String)] {
        guard let q = uri.firstIndex(of: "?") else { return [] }
        return uri[uri.index(after: q)...].split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return (percentDecode(pair[..<eq]), percentDecode(pair[pair.index(after: eq)...]))
            }
            return (percentDecode(pair), "")
        }
    }
}

/// Decodes `%XX` escapes and `+` (as a space, like Go's url.ParseQuery).
public func percentDecode(_ s: Substring) -> String {
    guard s.contains(where: { $0 == "%" || $0 == "+" }) else { return String(s) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(s.utf8.count)
    var it = s.utf8.makeIterator()
    while let b = it.next() {
        if b == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else if b == UInt8(ascii: "%"), let h = it.next(), let l = it.next(),
                  let hv = hexValue(h), let lv = hexValue(l) {
            bytes.append(hv << 4 | lv)
        } else {
            bytes.append(b)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// Writes one response: either `respond` once, or `writeHead`, any number of `writeBody`, `end`.
/// Streaming writes wait for the peer to read (backpressure) and throw once it has gone away.
public struct HTTPResponseWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    let allocator: ByteBufferAllocator

    public func respond(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8]) async throws {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        var buffer = allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        try await outbound.write(contentsOf: [
            .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)),
            .body(.byteBuffer(buffer)),
            .end(nil),
        ])
    }

    public func writeHead(status: HTTPResponseStatus, headers: HTTPHeaders) async throws {
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
    }

    public func writeBody(_ bytes: [UInt8]) async throws {
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await outbound.write(.body(.byteBuffer(buffer)))
    }

    public func end() async throws {
        try await outbound.write(.end(nil))
    }
}

/// The application behind the server.
public protocol HTTPResponder: Sendable {
    /// Answers one request. Throwing after nothing was written makes the server answer 500;
    /// the task is cancelled when the client goes away.
    func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws
}
