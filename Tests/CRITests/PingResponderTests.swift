@testable import CRI
import NIOCore
import NIOEmbedded
import Testing

/// The handler that answers containerd's HTTP/2 PINGs: whatever way the bytes are split into
/// reads, every other frame passes through byte for byte and each PING gets one ACK.
struct PingResponderTests {
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags]
            + [UInt8(stream >> 24 & 0xff), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)]
            + payload
    }

    static let ping = frame(type: 6, payload: [2, 4, 16, 16, 9, 14, 7, 7])
    static let pingAck = frame(type: 6, flags: 1, payload: [2, 4, 16, 16, 9, 14, 7, 7])
    static let settings = frame(type: 4, payload: [0, 5, 0, 0, 64, 0])
    static let headers = frame(type: 1, flags: 4, stream: 1, payload: Array(repeating: 0x88, count: 20))
    static let data = frame(type: 0, flags: 1, stream: 1, payload: (0..<3000).map { UInt8($0 % 251) })
    static let windowUpdate = frame(type: 8, payload: [0, 0, 0, 70])
    /// An ACK the server sends for a PING of ours is not answered again.
    static let ackFromPeer = frame(type: 6, flags: 1, payload: [1, 1, 1, 1, 1, 1, 1, 1])

    @Test(arguments: [1, 2, 5, 9, 10, 17, 100, 4096])
    func pingsAreAnsweredAndEverythingElsePassesThrough(chunk: Int) throws {
        let stream = Self.settings + Self.ping + Self.headers + Self.data + Self.windowUpdate + Self.ping
            + Self.ackFromPeer + Self.data + Self.ping
        let expected = Self.settings + Self.headers + Self.data + Self.windowUpdate + Self.ackFromPeer + Self.data
        let channel = EmbeddedChannel(handler: PingResponder())
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + chunk)
            try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
        }
        var passed: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) {
            passed += buffer.readableBytesView
        }
        #expect(passed == expected)
        var acks: [[UInt8]] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            acks.append(Array(buffer.readableBytesView))
        }
        #expect(acks == Array(repeating: Self.pingAck, count: 3))
        #expect(try channel.finish().isClean)
    }

    @Test func aPingWithAnOddLengthIsLeftToTheHTTP2Handler() throws {
        // Not a valid PING (RFC 9113 requires 8 bytes): the HTTP/2 handler reports the error.
        let odd = Self.frame(type: 6, payload: [1, 2, 3])
        let channel = EmbeddedChannel(handler: PingResponder())
        try channel.writeInbound(ByteBuffer(bytes: odd + Self.settings))
        let passed = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(Array(passed.readableBytesView) == odd + Self.settings)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    }
}
