import Foundation
@testable import KubeHTTP
import NIOCore
import Testing

/// SPDY framing (towards containerd's exec server) and the v5 -> SPDY translation of client
/// messages. The bridge itself is exercised end to end by Tests/e2e/test_exec.py with kubectl
/// and containerd.
@Suite struct SPDYTests {
    @Test func framesRoundTrip() throws {
        var writer = SPDYFrameWriter()
        var stream = ByteBuffer()
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, headers: [SPDYHeader("streamType", "error")], fin: false),
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "hello")),
            .data(streamID: 3, fin: true, payload: ByteBuffer()),
            .ping(id: 2), .rstStream(streamID: 5, status: 5), .goAway(lastGoodStreamID: 7),
            .windowUpdate(streamID: 1, delta: 65_536), .settings, .synReply(streamID: 1), .headers(streamID: 9),
        ]
        for frame in frames {
            var bytes = writer.encode(frame)
            stream.writeBuffer(&bytes)
        }
        // Byte by byte: frames come out only when complete.
        var reader = SPDYFrameReader()
        var decoded: [SPDYFrame] = []
        for byte in stream.readableBytesView { decoded += try reader.feed(ByteBuffer(bytes: [byte])) }
        // Header blocks are not decoded on the way in (a client needs only the stream ids).
        var expected = frames
        expected[0] = .synStream(streamID: 1, headers: [], fin: false)
        #expect(decoded == expected)
    }

    @Test func dataFrameLayout() {
        var writer = SPDYFrameWriter()
        let bytes = writer.encode(.data(streamID: 3, fin: true, payload: ByteBuffer(string: "ab")))
        #expect(Array(bytes.readableBytesView) == [0, 0, 0, 3, 0x01, 0, 0, 2, 0x61, 0x62])
        let ping = writer.encode(.ping(id: 1))
        #expect(Array(ping.readableBytesView) == [0x80, 0x03, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1])
    }

    /// The header blocks of a session are one zlib stream that a real inflater (Python's zlib,
    /// as Go's compress/zlib on the server) reads back into the name/value pairs.
    @Test func headerBlocksAreAZlibStream() throws {
        var writer = SPDYFrameWriter()
        let long = String(repeating: "v", count: 70_000)  // more than one stored block
        var stream: [UInt8] = []
        for headers in [[SPDYHeader("streamType", "error")], [SPDYHeader("StreamType", "stdin"), SPDYHeader("x", long)]] {
            var frame = writer.encode(.synStream(streamID: 1, headers: headers, fin: false))
            frame.moveReaderIndex(forwardBy: 18)  // control header (8), stream ids (8), priority (2)
            stream += frame.readableBytesView
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, zlib; sys.stdout.write(zlib.decompressobj().decompress(sys.stdin.buffer.read()).hex())"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(stream))
        try input.fileHandleForWriting.close()
        let hex = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var plain = ByteBuffer()
        func pairs(_ list: [(String, String)]) {
            plain.writeInteger(UInt32(list.count))
            for (name, value) in list {
                plain.writeInteger(UInt32(name.utf8.count)); plain.writeString(name)
                plain.writeInteger(UInt32(value.utf8.count)); plain.writeString(value)
            }
        }
        pairs([("streamtype", "error")])
        pairs([("streamtype", "stdin"), ("x", long)])
        #expect(hex == plain.readableBytesView.map { String(format: "%02x", $0) }.joined())
    }

    @Test func malformedFramesAreErrors() {
        var reader = SPDYFrameReader(maxFrameSize: 16)
        #expect(throws: RawConnectionError.self) { try reader.feed(ByteBuffer(bytes: [0, 0, 0, 1, 0, 0, 0, 17])) }
        var wrongVersion = SPDYFrameReader()
        #expect(throws: RawConnectionError.self) { try wrongVersion.feed(ByteBuffer(bytes: [0x80, 0x02, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1])) }
        var short = SPDYFrameReader()
        #expect(throws: RawConnectionError.self) { try short.feed(ByteBuffer(bytes: [0x80, 0x03, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1])) }
        var partial = SPDYFrameReader()
        #expect((try? partial.feed(ByteBuffer(bytes: [0x80, 0x03, 0, 6, 0, 0]))) == [])
    }

    @Test func streamsOpenAsClientGoOpensThem() {
        let (bytes, ids) = RemoteCommandBridge.openStreams(.init(stdin: true, stdout: true, stderr: true, tty: true))
        // A terminal has no stderr stream; the error stream comes first.
        #expect(ids == [3: 1, 0: 3, 1: 5, 4: 7])
        var reader = SPDYFrameReader()
        #expect((try? reader.feed(bytes))?.count == 4)
        let (_, plain) = RemoteCommandBridge.openStreams(.init(stdin: false, stdout: true, stderr: true, tty: false))
        #expect(plain == [3: 1, 1: 3, 2: 5])
    }

    @Test func clientMessagesBecomeStreamData() {
        let ids: [UInt8: UInt32] = [3: 1, 0: 3, 1: 5, 4: 7]
        var closed = false
        func message(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
        #expect(RemoteCommandBridge.translate(message: message([0, 0x61]), ids: ids, stdinClosed: &closed)
            == .data(streamID: 3, fin: false, payload: ByteBuffer(string: "a")))
        #expect(RemoteCommandBridge.translate(message: message([4] + Array(#"{"Width":80,"Height":24}"#.utf8)), ids: ids, stdinClosed: &closed)
            == .data(streamID: 7, fin: false, payload: ByteBuffer(string: #"{"Width":80,"Height":24}"#)))
        // Empty stdin messages, unknown channels and output channels from the client: nothing.
        #expect(RemoteCommandBridge.translate(message: message([0]), ids: ids, stdinClosed: &closed) == nil)
        #expect(RemoteCommandBridge.translate(message: message([9, 1]), ids: ids, stdinClosed: &closed) == nil)
        #expect(RemoteCommandBridge.translate(message: message([1, 1]), ids: ids, stdinClosed: &closed) == nil)
        #expect(RemoteCommandBridge.translate(message: message([]), ids: ids, stdinClosed: &closed) == nil)
        // v5 close of another channel: ignored; of stdin: the end of the stream, once.
        #expect(RemoteCommandBridge.translate(message: message([255, 1]), ids: ids, stdinClosed: &closed) == nil)
        #expect(RemoteCommandBridge.translate(message: message([255, 0]), ids: ids, stdinClosed: &closed)
            == .data(streamID: 3, fin: true, payload: ByteBuffer()))
        #expect(closed)
        #expect(RemoteCommandBridge.translate(message: message([255, 0]), ids: ids, stdinClosed: &closed) == nil)
        #expect(RemoteCommandBridge.translate(message: message([0, 0x61]), ids: ids, stdinClosed: &closed) == nil)
        // Without a stdin stream, a close has nothing to end.
        var other = false
        #expect(RemoteCommandBridge.translate(message: message([255, 0]), ids: [3: 1, 1: 3], stdinClosed: &other) == nil)
    }
}
