import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Opens an HTTP/1.1 connection and sends one Upgrade request (WebSocket or SPDY), as the
/// apiserver does to a kubelet and the kubelet to the runtime's streaming server.
public enum UpgradeClient {
    /// The answer to an upgrade request.
    public enum Outcome: Sendable {
        /// `101 Switching Protocols`: the connection now carries the new protocol.
        case upgraded(HTTPResponseHead, RawConnection)
        /// Any other answer, with its body (the connection is closed).
        case refused(HTTPResponseHead, body: [UInt8])
    }

    /// Where to connect.
    public struct Target: Sendable {
        public var host: String
        public var port: Int
        /// TLS context and the name to verify (SNI); nil for plain TCP.
        public var tls: NIOSSLContext?
        public var serverHostname: String?

        public init(host: String, port: Int, tls: NIOSSLContext? = nil, serverHostname: String? = nil) {
            self.host = host
            self.port = port
            self.tls = tls
            self.serverHostname = serverHostname
        }
    }

    static let maxHeadSize = 64 * 1024
    static let maxErrorBodySize = 1024 * 1024

    /// Connects to `target`, sends `head` (no body) and reads the response head.
    public static func upgrade(
        to target: Target, head: HTTPRequestHead, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: Duration = .seconds(10)
    ) async throws -> Outcome {
        let bridge = try await RawConnection.connect(
            host: target.host, port: target.port, tls: target.tls, serverHostname: target.serverHostname,
            group: group, connectTimeout: connectTimeout)
        do {
            try await bridge.write(ByteBuffer(bytes: HTTPHead.serialize(head)))
            return try await readResponse(from: bridge)
        } catch {
            await bridge.close()
            throw error
        }
    }

    /// Reads the head, then either hands over the connection (101) or the error body.
    static func readResponse(from connection: RawConnection) async throws -> Outcome {
        var pending = ByteBuffer()
        var headEnd: Int?
        while headEnd == nil {
            guard var chunk = try await connection.read() else {
                throw RawConnectionError("the server closed the connection before answering")
            }
            pending.writeBuffer(&chunk)
            headEnd = HTTPHead.endOfHead(in: pending)
            if headEnd == nil && pending.readableBytes > maxHeadSize {
                throw RawConnectionError("the server's response head is larger than \(maxHeadSize) bytes")
            }
        }
        let headBytes = pending.readBytes(length: headEnd!)!
        let head = try HTTPHead.parseResponse(headBytes)
        if head.status == .switchingProtocols {
            // Bytes that came with the head belong to the new protocol.
            let rest = pending
            let handler = connection.handler
            try await connection.channel.eventLoop.submit { handler.value.unread(rest) }.get()
            return .upgraded(head, connection)
        }
        defer { Task { await connection.close() } }
        let body = try await readBody(head: head, pending: pending, from: connection)
        return .refused(head, body: body)
    }

    /// An error body: Content-Length, chunked, or up to the close; capped.
    static func readBody(head: HTTPResponseHead, pending: ByteBuffer, from connection: RawConnection) async throws -> [UInt8] {
        var data = pending
        let length = head.headers.first(name: "Content-Length").flatMap(Int.init)
        let chunked = head.headers[canonicalForm: "Transfer-Encoding"].contains { $0.lowercased() == "chunked" }
        func complete() -> Bool {
            if let length { return data.readableBytes >= length }
            if chunked { return ChunkedBody.decode(data) != nil }
            return false
        }
        while !complete() && data.readableBytes < maxErrorBodySize {
            guard var chunk = try? await connection.read() else { break }
            data.writeBuffer(&chunk)
        }
        if chunked { return ChunkedBody.decode(data) ?? Array(data.readableBytesView) }
        let bytes = Array(data.readableBytesView)
        if let length { return Array(bytes.prefix(length)) }
        return bytes
    }
}

/// Decodes a complete `Transfer-Encoding: chunked` body (nil while incomplete).
enum ChunkedBody {
    static func decode(_ buffer: ByteBuffer) -> [UInt8]? {
        let bytes = Array(buffer.readableBytesView)
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = find(bytes, from: i) else { return nil }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16) else { return nil }
            i = lineEnd + 2
            if size == 0 { return out }
            guard bytes.count >= i + size + 2 else { return nil }
            out += bytes[i..<(i + size)]
            i += size + 2
        }
    }

    private static func find(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }
}
