import Crypto
import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// The server side of a WebSocket whose binary messages carry another byte stream (kubectl's
/// `SPDY/3.1+portforward.k8s.io` tunnel: SPDY frames inside binary messages, as upstream's
/// streamtunnel.go). Incoming message payloads are written to the backend as they are; backend
/// bytes go back one binary message per read. Pings are answered, a close is echoed.
public enum WebSocketTunnel {
    /// The `101` answer to a WebSocket handshake choosing `subprotocol`, or nil when the request
    /// lacks a usable `Sec-WebSocket-Key`.
    public static func handshakeResponse(requestHeaders: HTTPHeaders, subprotocol: String?) -> HTTPResponseHead? {
        guard let key = requestHeaders.first(name: "Sec-WebSocket-Key"), !key.isEmpty,
              requestHeaders.first(name: "Sec-WebSocket-Version") == "13" else { return nil }
        var headers: HTTPHeaders = [
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": acceptValue(forKey: key),
        ]
        if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
        return HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers)
    }

    /// RFC 6455 §4.2.2: base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return Data(digest).base64EncodedString()
    }

    /// The subprotocols a client offered, in its order.
    public static func offeredProtocols(_ headers: HTTPHeaders) -> [String] {
        headers[canonicalForm: "Sec-WebSocket-Protocol"].map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
    }

    /// One server frame (servers never mask): FIN, `opcode`, `payload`.
    public static func frame(_ opcode: WebSocketOpcode, _ payload: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(payload.readableBytes + 10)
        out.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        let count = payload.readableBytes
        if count < 126 {
            out.writeInteger(UInt8(count))
        } else if count <= Int(UInt16.max) {
            out.writeInteger(UInt8(126))
            out.writeInteger(UInt16(count))
        } else {
            out.writeInteger(UInt8(127))
            out.writeInteger(UInt64(count))
        }
        var payload = payload
        out.writeBuffer(&payload)
        return out
    }

    /// A close frame with `code` (1000: normal).
    public static func closeFrame(code: UInt16 = 1000) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(code)
        return frame(.connectionClose, payload)
    }

    /// One decoded frame, payload unmasked.
    public struct Frame: Sendable, Equatable {
        public var fin: Bool
        public var opcode: WebSocketOpcode
        public var payload: ByteBuffer
    }

    /// Decodes frames from a byte stream, one `feed` at a time (RFC 6455 §5.2). A small parser of
    /// its own: NIO's `WebSocketFrameDecoder` only runs inside a channel pipeline, and here the
    /// bytes come from an upgraded `RawConnection`.
    public struct FrameReader {
        private var pending = ByteBuffer()
        private let maxFrameSize: Int

        public init(maxFrameSize: Int = 1 << 20) {
            self.maxFrameSize = maxFrameSize
        }

        /// The frames completed by `bytes`; throws on a frame above `maxFrameSize`.
        public mutating func feed(_ bytes: ByteBuffer) throws -> [Frame] {
            var bytes = bytes
            pending.writeBuffer(&bytes)
            var frames: [Frame] = []
            while let frame = try next() { frames.append(frame) }
            pending.discardReadBytes()
            return frames
        }

        private mutating func next() throws -> Frame? {
            var view = pending
            guard let first = view.readInteger(as: UInt8.self), let second = view.readInteger(as: UInt8.self) else { return nil }
            var length: UInt64
            switch second & 0x7F {
            case 126:
                guard let l = view.readInteger(as: UInt16.self) else { return nil }
                length = UInt64(l)
            case 127:
                guard let l = view.readInteger(as: UInt64.self) else { return nil }
                length = l
            default:
                length = UInt64(second & 0x7F)
            }
            guard length <= UInt64(maxFrameSize) else {
                throw RawConnectionError("WebSocket frame of \(length) bytes exceeds \(maxFrameSize)")
            }
            var mask: [UInt8]?
            if second & 0x80 != 0 {
                guard let key = view.readBytes(length: 4) else { return nil }
                mask = key
            }
            guard var payload = view.readSlice(length: Int(length)) else { return nil }
            if let mask {
                var unmasked = ByteBuffer()
                unmasked.reserveCapacity(Int(length))
                for (i, byte) in payload.readableBytesView.enumerated() { unmasked.writeInteger(byte ^ mask[i & 3]) }
                payload = unmasked
            }
            pending = view
            return Frame(fin: first & 0x80 != 0, opcode: WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!, payload: payload)
        }
    }

    /// Reads a client's frames until it closes, fails or `onData` throws: data frames (binary,
    /// text, continuation) go to `onData` with their FIN bit, pings are answered, a close is
    /// echoed through `closer` (1002 on a protocol error).
    static func readData(from client: RawConnection, closer: CloseFrameOnce,
                         onData: (ByteBuffer, _ fin: Bool) async throws -> Void) async {
        var reader = FrameReader()
        do {
            while let bytes = try await client.read() {
                for frame in try reader.feed(bytes) {
                    switch frame.opcode {
                    case .binary, .continuation, .text:
                        try await onData(frame.payload, frame.fin)
                    case .ping:
                        try await client.write(WebSocketTunnel.frame(.pong, frame.payload))
                    case .connectionClose:
                        await closer.send(1000)
                        return
                    default:
                        continue
                    }
                }
            }
        } catch {
            await closer.send(1002)
        }
    }

    /// Runs the tunnel until either side ends, then closes both.
    public static func run(client: RawConnection, backend: RawConnection) async {
        let closer = CloseFrameOnce(client)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Client messages -> backend bytes.
                await readData(from: client, closer: closer) { payload, _ in
                    if payload.readableBytes > 0 { try await backend.write(payload) }
                }
                await backend.close()
                await client.close()
            }
            group.addTask {
                // Backend bytes -> binary messages.
                do {
                    while let bytes = try await backend.read() {
                        try await client.write(WebSocketTunnel.frame(.binary, bytes))
                    }
                    await closer.send(1000)
                } catch {}
                await client.close()
                await backend.close()
            }
            await group.waitForAll()
        }
    }
}

/// A WebSocket's close frame to a client, sent once, whichever side of a tunnel ends first.
final class CloseFrameOnce: Sendable {
    private let client: RawConnection
    private let sent = Mutex(false)

    init(_ client: RawConnection) {
        self.client = client
    }

    func send(_ code: UInt16) async {
        let first = sent.withLock { sent in
            defer { sent = true }
            return !sent
        }
        guard first else { return }
        try? await client.write(WebSocketTunnel.closeFrame(code: code))
    }
}
