import KubeHTTP
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Testing

/// Frames of the port-forward WebSocket tunnel and its handshake.
struct WebSocketFrameTests {
    /// RFC 6455 §1.3's worked example.
    @Test func acceptValueMatchesTheRFC() {
        #expect(WebSocketTunnel.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func handshakeNeedsKeyAndVersion13() {
        let ok = WebSocketTunnel.handshakeResponse(
            requestHeaders: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"],
            subprotocol: "SPDY/3.1+portforward.k8s.io")
        #expect(ok?.status == .switchingProtocols)
        #expect(ok?.headers.first(name: "Sec-WebSocket-Protocol") == "SPDY/3.1+portforward.k8s.io")
        #expect(WebSocketTunnel.handshakeResponse(requestHeaders: ["Sec-WebSocket-Version": "13"], subprotocol: nil) == nil)
        #expect(WebSocketTunnel.handshakeResponse(requestHeaders: ["Sec-WebSocket-Key": "a", "Sec-WebSocket-Version": "8"], subprotocol: nil) == nil)
    }

    @Test func offeredProtocolsSplitCommaLists() {
        #expect(WebSocketTunnel.offeredProtocols(["Sec-WebSocket-Protocol": "v5.channel.k8s.io, v4.channel.k8s.io"])
            == ["v5.channel.k8s.io", "v4.channel.k8s.io"])
    }

    /// A client frame as a browser or client-go writes it: masked.
    static func masked(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, key: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            out.append(0x80 | UInt8(payload.count))
        } else {
            out.append(0x80 | 126)
            out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        out += key
        out += payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
        return out
    }

    @Test func readerUnmasksAndReassemblesAcrossFeeds() throws {
        let big = (0..<300).map { UInt8($0 & 0xFF) }
        let bytes = Self.masked(0x2, [0, 1, 2]) + Self.masked(0x9, Array("ping".utf8)) + Self.masked(0x2, big)
        var reader = WebSocketTunnel.FrameReader()
        var frames: [WebSocketTunnel.Frame] = []
        // One byte at a time: every header and payload boundary gets split.
        for byte in bytes { frames += try reader.feed(ByteBuffer(bytes: [byte])) }
        #expect(frames.map(\.opcode) == [.binary, .ping, .binary])
        #expect(frames.map { Array($0.payload.readableBytesView) } == [[0, 1, 2], Array("ping".utf8), big])
        let allFinal = frames.allSatisfy { $0.fin }
        #expect(allFinal)
    }

    @Test(arguments: [0, 125, 126, 65535, 65536])
    func serverFramesDecode(size: Int) throws {
        let payload = ByteBuffer(bytes: (0..<size).map { UInt8($0 % 251) })
        var encoded = WebSocketTunnel.frame(.binary, payload)
        #expect(encoded.getInteger(at: 0, as: UInt8.self) == 0x82)
        var reader = WebSocketTunnel.FrameReader()
        let frames = try reader.feed(encoded.readSlice(length: encoded.readableBytes)!)
        #expect(frames.count == 1)
        #expect(frames.first?.payload == payload)
    }

    @Test func oversizedFramesAreRefused() {
        var reader = WebSocketTunnel.FrameReader(maxFrameSize: 100)
        #expect(throws: RawConnectionError.self) { try reader.feed(ByteBuffer(bytes: Self.masked(0x2, Array(repeating: 7, count: 200)))) }
    }

    @Test func closeFrameCarriesTheCode() throws {
        var reader = WebSocketTunnel.FrameReader()
        let frame = try #require(try reader.feed(WebSocketTunnel.closeFrame(code: 1000)).first)
        #expect(frame.opcode == .connectionClose)
        #expect(frame.payload.getInteger(at: 0, as: UInt16.self) == 1000)
    }
}
