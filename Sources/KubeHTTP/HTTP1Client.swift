import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/1.1 request to send with `HTTP1Client.execute`.
public struct HTTP1Request: Sendable {
    public var method: HTTPMethod
    /// An IP address or a name; an IPv6 address without brackets.
    public var host: String
    public var port: Int
    /// Path and query, e.g. `/healthz?x=1`.
    public var target: String
    /// Sent as given; `Host` is added unless present, `Content-Length` when there is a body.
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod = .GET, host: String, port: Int, target: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.host = host
        self.port = port
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// `host:port` for the Host header, with an IPv6 address in brackets.
    var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The head as sent: our headers plus Host, Content-Length and `Connection: close`.
    func head() throws -> HTTPRequestHead {
        // Bytes that would end the request line or a header early would smuggle a second request.
        func clean(_ s: String) -> Bool { !s.utf8.contains { $0 == 13 || $0 == 10 } }
        guard !target.isEmpty, clean(target), !target.utf8.contains(32) else {
            throw RawConnectionError("invalid request target: \(target.prefix(80))")
        }
        guard headers.allSatisfy({ clean($0.name) && clean($0.value) && !$0.name.isEmpty }) else {
            throw RawConnectionError("a request header contains a line break")
        }
        var headers = self.headers
        if !headers.contains(name: "Host") { headers.add(name: "Host", value: authority) }
        if !body.isEmpty || [.POST, .PUT, .PATCH].contains(method) {
            headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        }
        headers.replaceOrAdd(name: "Connection", value: "close")
        return HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
    }
}

/// A response's head and its body as a stream.
public struct HTTP1Response: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    /// The body as it arrives; ends at the body's end. The connection closes at the end, on an
    /// error, when the consuming task is cancelled, or with `body.close()`.
    public var body: HTTP1Body

    /// Reads the body up to `limit` bytes (more is dropped, the connection closed), then closes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        do {
            for try await buffer in body {
                let room = limit - out.count
                if buffer.readableBytes >= room {
                    out += buffer.readableBytesView.prefix(room)
                    break
                }
                out += buffer.readableBytesView
            }
        } catch {
            await body.close()
            throw error
        }
        await body.close()
        return out
    }
}

/// A minimal HTTP/1.1 client: one request per connection, the response body streamed. For
/// kubelet probes and the apiserver's proxying to kubelets, where a pool buys nothing and
/// a full client library would bring Foundation.
public enum HTTP1Client {
    static let maxHeadSize = 64 * 1024

    /// One request on a new connection (`Connection: close`). `tls` nil = plain TCP;
    /// `serverHostname` for SNI/verification.
    /// Throws on connect failure, timeout (connect + response head within `timeout`), malformed response.
    public static func execute(
        _ request: HTTP1Request, tls: NIOSSLContext? = nil, serverHostname: String? = nil,
        timeout: Duration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> HTTP1Response {
        let deadline = ContinuousClock.now + timeout
        let head = try request.head()
        let connection: RawConnection
        do {
            connection = try await RawConnection.connect(
                host: request.host, port: request.port, tls: tls, serverHostname: serverHostname,
                group: group, connectTimeout: timeout)
        } catch ChannelError.connectTimeout {
            throw RawConnectionError("connecting to \(request.authority) timed out after \(timeout)")
        }
        // The deadline closes the connection, which ends a pending read; the flag tells why.
        let timer = DeadlineTimer(connection: connection, in: deadline - ContinuousClock.now)
        do {
            var bytes = ByteBuffer(bytes: HTTPHead.serialize(head))
            bytes.writeBytes(request.body)
            try await connection.write(bytes)
            let (responseHead, rest) = try await readHead(from: connection)
            guard timer.cancel() else { throw CancellationError() }
            let framing = try HTTP1BodyDecoder.framing(
                method: request.method.rawValue, status: Int(responseHead.status.code),
                headers: responseHead.headers.map { ($0.name, $0.value) })
            var decoder = HTTP1BodyDecoder(framing: framing)
            decoder.feed(rest)
            let body = HTTP1Body(reader: BodyReader(connection: connection, decoder: decoder, untilClose: framing == .untilClose))
            return HTTP1Response(status: responseHead.status, headers: responseHead.headers, body: body)
        } catch {
            _ = timer.cancel()
            await connection.close()
            if timer.fired { throw RawConnectionError("no response from \(request.authority) within \(timeout)") }
            throw error
        }
    }

    /// Reads up to the end of a final (non-1xx) response head; returns it and the bytes after it.
    static func readHead(from connection: RawConnection) async throws -> (HTTPResponseHead, ByteBuffer) {
        var pending = ByteBuffer()
        while true {
            if let end = HTTPHead.endOfHead(in: pending) {
                let head = try HTTPHead.parseResponse(pending.readBytes(length: end)!)
                // 100 Continue and other interim answers precede the real one.
                if (100..<200).contains(head.status.code) && head.status != .switchingProtocols { continue }
                return (head, pending)
            }
            // Fail at once on bytes that cannot start a response, rather than at the close.
            let prefix = Array("HTTP/".utf8)
            if !pending.readableBytesView.prefix(prefix.count).elementsEqual(prefix.prefix(pending.readableBytes)) {
                let text = String(decoding: pending.readableBytesView.prefix(40), as: UTF8.self)
                throw RawConnectionError("the server's answer is not HTTP: \(text.debugDescription)")
            }
            if pending.readableBytes > maxHeadSize {
                throw RawConnectionError("the server's response head is larger than \(maxHeadSize) bytes")
            }
            guard var chunk = try await connection.readClosingOnCancel() else {
                throw RawConnectionError("the server closed the connection before answering")
            }
            pending.writeBuffer(&chunk)
        }
    }
}

/// Closes a connection when its deadline passes, unless cancelled first.
private final class DeadlineTimer: Sendable {
    private let task: Scheduled<Void>
    private let state: DeadlineState

    init(connection: RawConnection, in delay: Duration) {
        let state = DeadlineState()
        let channel = connection.channel
        self.state = state
        self.task = channel.eventLoop.scheduleTask(in: TimeAmount(max(delay, .zero))) {
            if state.set(.fired) { channel.close(promise: nil) }
        }
    }

    /// Stops the timer; false when it had already fired.
    func cancel() -> Bool {
        task.cancel()
        return state.set(.cancelled) || !fired
    }

    var fired: Bool { state.value == .fired }
}

/// The first of `fired` / `cancelled` wins.
private final class DeadlineState: Sendable {
    enum Value { case pending, fired, cancelled }
    private let mutex = Mutex(Value.pending)

    /// Sets `value` if still pending; true when it did.
    func set(_ value: Value) -> Bool {
        mutex.withLock { v in
            guard v == .pending else { return false }
            v = value
            return true
        }
    }

    var value: Value { mutex.withLock { $0 } }
}
