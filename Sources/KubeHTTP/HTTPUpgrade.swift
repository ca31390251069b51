import NIOCore
import NIOHTTP1
import Synchronization

/// The hook that lets a responder take an HTTP/1.1 connection over after an `Upgrade` request
/// (WebSocket, SPDY). Present on `HTTPServerRequest.upgrader` for HTTP/1.1 requests only: h2 has
/// no Upgrade, and clients (kubectl, client-go, the Python client) open a fresh HTTP/1.1
/// connection for streaming.
public final class ConnectionUpgrader: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<RawBridgeHandler>
    private let taken = Mutex(false)

    init(channel: any Channel, handler: NIOLoopBound<RawBridgeHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Whether `takeOver` was called: the server then serves nothing more on the connection.
    public var wasTakenOver: Bool { taken.withLock { $0 } }

    /// Leaves HTTP: writes `head` (normally `101 Switching Protocols`) as it is, and returns the
    /// connection's raw bytes. The responder owns the connection from then on; it is closed when
    /// the responder returns.
    public func takeOver(head: HTTPResponseHead) async throws -> RawConnection {
        let first = taken.withLock { t -> Bool in
            defer { t = true }
            return !t
        }
        guard first else { throw RawConnectionError("the connection was already taken over") }
        let handler = self.handler
        try await channel.eventLoop.submit { handler.value.activate() }.get()
        let connection = RawConnection(channel: channel, handler: handler)
        try await connection.write(ByteBuffer(bytes: HTTPHead.serialize(head)))
        return connection
    }
}

extension HTTPServerRequest {
    /// Whether the request asks to switch protocols (`Connection: Upgrade` and an `Upgrade` header).
    public var isUpgradeRequest: Bool {
        headers.contains(name: "Upgrade")
            && headers[canonicalForm: "Connection"].contains { $0.lowercased() == "upgrade" }
    }
}

/// HTTP/1.1 heads as bytes, for the two ends of an upgrade where the HTTP codecs are not used.
public enum HTTPHead {
    /// `HTTP/1.1 101 Switching Protocols\r\n` + headers + blank line.
    public static func serialize(_ head: HTTPResponseHead) -> [UInt8] {
        var text = "HTTP/\(head.version.major).\(head.version.minor) \(head.status.code) \(head.status.reasonPhrase)\r\n"
        for (name, value) in head.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// `GET /path HTTP/1.1\r\n` + headers + blank line.
    public static func serialize(_ head: HTTPRequestHead) -> [UInt8] {
        var text = "\(head.method.rawValue) \(head.uri) HTTP/1.1\r\n"
        for (name, value) in head.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// The end of a head (`\r\n\r\n`) in `bytes`: the index just past it, or nil when incomplete.
    public static func endOfHead(in bytes: ByteBuffer) -> Int? {
        let view = bytes.readableBytesView
        var matched = 0
        var index = view.startIndex
        while index < view.endIndex {
            let b = view[index]
            switch (matched, b) {
            case (0, 13), (2, 13): matched += 1
            case (1, 10), (3, 10): matched += 1
            case (_, 13): matched = 1
            default: matched = 0
            }
            index += 1
            if matched == 4 { return index - view.startIndex }
        }
        return nil
    }

    /// Parses a response head (status line and headers, without the blank line's bytes mattering).
    public static func parseResponse(_ bytes: [UInt8]) throws -> HTTPResponseHead {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let statusLine = lines.popFirst() else { throw RawConnectionError("empty HTTP response") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (100...599).contains(code) else {
            throw RawConnectionError("malformed HTTP status line: \(statusLine.prefix(80))")
        }
        let minor = parts[0] == "HTTP/1.0" ? 0 : 1
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw RawConnectionError("malformed HTTP header line: \(line.prefix(80))")
            }
            let name = line[..<colon].trimmingSpaces
            let value = line[line.index(after: colon)...].trimmingSpaces
            headers.add(name: String(name), value: String(value))
        }
        return HTTPResponseHead(version: .init(major: 1, minor: minor), status: .init(statusCode: code), headers: headers)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
