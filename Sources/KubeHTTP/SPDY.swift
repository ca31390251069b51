import NIOCore

/// SPDY/3.1 frames, as far as a client of Kubernetes' streaming protocols needs them (the
/// runtime's exec and attach server speaks SPDY through docker/spdystream, as the kubelet's did).
/// Header blocks are written as a zlib stream of stored (uncompressed) deflate blocks: a valid
/// zlib stream that needs no compressor and no dictionary (the SPDY dictionary only matters to
/// a compressor that refers to it). Header blocks received are skipped: a client only needs the
/// stream id of a SYN_REPLY.
public enum SPDYFrame: Equatable, Sendable {
    case synStream(streamID: UInt32, headers: [SPDYHeader], fin: Bool)
    case synReply(streamID: UInt32)
    case rstStream(streamID: UInt32, status: UInt32)
    case settings
    case ping(id: UInt32)
    case goAway(lastGoodStreamID: UInt32)
    case headers(streamID: UInt32)
    case windowUpdate(streamID: UInt32, delta: UInt32)
    case data(streamID: UInt32, fin: Bool, payload: ByteBuffer)
    /// A control frame of a type this client does not use.
    case unknown(type: UInt16)

    static let version: UInt16 = 3
    static let finFlag: UInt8 = 0x01
}

public struct SPDYHeader: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Encodes frames for one session (its header blocks continue one zlib stream).
public struct SPDYFrameWriter: Sendable {
    private var zlibHeaderWritten = false

    public init() {}

    public mutating func encode(_ frame: SPDYFrame) -> ByteBuffer {
        var out = ByteBuffer()
        switch frame {
        case .synStream(let id, let headers, let fin):
            var body = ByteBuffer()
            body.writeInteger(id & 0x7FFF_FFFF)
            body.writeInteger(UInt32(0))  // associated-to stream
            body.writeInteger(UInt16(0))  // priority 0, slot 0
            var block = headerBlock(headers)
            body.writeBuffer(&block)
            Self.control(type: 1, flags: fin ? SPDYFrame.finFlag : 0, body: body, into: &out)
        case .synReply(let id), .headers(let id):
            // Both carry a stream id and a header block; this client sends them empty.
            var body = ByteBuffer()
            body.writeInteger(id & 0x7FFF_FFFF)
            var block = headerBlock([])
            body.writeBuffer(&block)
            let type: UInt16 = if case .synReply = frame { 2 } else { 8 }
            Self.control(type: type, flags: 0, body: body, into: &out)
        case .rstStream(let id, let status):
            var body = ByteBuffer()
            body.writeInteger(id & 0x7FFF_FFFF)
            body.writeInteger(status)
            Self.control(type: 3, flags: 0, body: body, into: &out)
        case .settings:
            var body = ByteBuffer()
            body.writeInteger(UInt32(0))
            Self.control(type: 4, flags: 0, body: body, into: &out)
        case .ping(let id):
            var body = ByteBuffer()
            body.writeInteger(id)
            Self.control(type: 6, flags: 0, body: body, into: &out)
        case .goAway(let last):
            var body = ByteBuffer()
            body.writeInteger(last & 0x7FFF_FFFF)
            body.writeInteger(UInt32(0))  // OK
            Self.control(type: 7, flags: 0, body: body, into: &out)
        case .windowUpdate(let id, let delta):
            var body = ByteBuffer()
            body.writeInteger(id & 0x7FFF_FFFF)
            body.writeInteger(delta & 0x7FFF_FFFF)
            Self.control(type: 9, flags: 0, body: body, into: &out)
        case .data(let id, let fin, var payload):
            out.writeInteger(id & 0x7FFF_FFFF)
            out.writeInteger(UInt32(fin ? SPDYFrame.finFlag : 0) << 24 | UInt32(payload.readableBytes))
            out.writeBuffer(&payload)
        case .unknown:
            break
        }
        return out
    }

    private static func control(type: UInt16, flags: UInt8, body: ByteBuffer, into out: inout ByteBuffer) {
        var body = body
        out.writeInteger(0x8000 | SPDYFrame.version)
        out.writeInteger(type)
        out.writeInteger(UInt32(flags) << 24 | UInt32(body.readableBytes))
        out.writeBuffer(&body)
    }

    /// The name/value block (count, then length-prefixed lowercase names and values) as the next
    /// piece of the session's zlib stream: stored deflate blocks of at most 65,535 bytes, then an
    /// empty one, as a sync flush ends a compressor's output.
    mutating func headerBlock(_ headers: [SPDYHeader]) -> ByteBuffer {
        var plain = ByteBuffer()
        plain.writeInteger(UInt32(headers.count))
        for header in headers {
            let name = Array(header.name.lowercased().utf8), value = Array(header.value.utf8)
            plain.writeInteger(UInt32(name.count))
            plain.writeBytes(name)
            plain.writeInteger(UInt32(value.count))
            plain.writeBytes(value)
        }
        var out = ByteBuffer()
        if !zlibHeaderWritten {
            // CMF 0x78 (deflate, 32 KiB window), FLG 0x01: no dictionary, header checksum ok.
            out.writeBytes([0x78, 0x01])
            zlibHeaderWritten = true
        }
        while plain.readableBytes > 0 {
            var chunk = plain.readSlice(length: min(plain.readableBytes, 65_535))!
            Self.storedBlock(&chunk, into: &out)
        }
        var empty = ByteBuffer()
        Self.storedBlock(&empty, into: &out)
        return out
    }

    /// A non-final stored deflate block: header bits BFINAL=0, BTYPE=00 (padded to a byte), LEN,
    /// NLEN (little-endian), the bytes.
    private static func storedBlock(_ bytes: inout ByteBuffer, into out: inout ByteBuffer) {
        let length = UInt16(bytes.readableBytes)
        out.writeInteger(UInt8(0))
        out.writeInteger(length, endianness: .little)
        out.writeInteger(~length, endianness: .little)
        out.writeBuffer(&bytes)
    }
}

/// Decodes frames from a byte stream, one `feed` at a time.
public struct SPDYFrameReader: Sendable {
    private var pending = ByteBuffer()
    private let maxFrameSize: Int

    public init(maxFrameSize: Int = 1 << 20) {
        self.maxFrameSize = maxFrameSize
    }

    /// The frames completed by `bytes`; throws on a malformed or oversized frame.
    public mutating func feed(_ bytes: ByteBuffer) throws -> [SPDYFrame] {
        var bytes = bytes
        pending.writeBuffer(&bytes)
        var frames: [SPDYFrame] = []
        while let frame = try next() { frames.append(frame) }
        pending.discardReadBytes()
        return frames
    }

    private mutating func next() throws -> SPDYFrame? {
        var view = pending
        guard let first = view.readInteger(as: UInt32.self), let second = view.readInteger(as: UInt32.self) else { return nil }
        let flags = UInt8(second >> 24)
        let length = Int(second & 0x00FF_FFFF)
        guard length <= maxFrameSize else { throw RawConnectionError("SPDY frame of \(length) bytes exceeds \(maxFrameSize)") }
        guard var body = view.readSlice(length: length) else { return nil }
        pending = view
        if first & 0x8000_0000 == 0 {
            return .data(streamID: first & 0x7FFF_FFFF, fin: flags & SPDYFrame.finFlag != 0, payload: body)
        }
        let version = UInt16((first >> 16) & 0x7FFF), type = UInt16(first & 0xFFFF)
        guard version == SPDYFrame.version else { throw RawConnectionError("SPDY version \(version) is not supported") }
        func word() throws -> UInt32 {
            guard let value = body.readInteger(as: UInt32.self) else {
                throw RawConnectionError("SPDY control frame of type \(type) is too short (\(length) bytes)")
            }
            return value
        }
        switch type {
        case 1:
            let id = try word() & 0x7FFF_FFFF
            return .synStream(streamID: id, headers: [], fin: flags & SPDYFrame.finFlag != 0)
        case 2: return .synReply(streamID: try word() & 0x7FFF_FFFF)
        case 3:
            let id = try word() & 0x7FFF_FFFF
            return .rstStream(streamID: id, status: try word())
        case 4: return .settings
        case 6: return .ping(id: try word())
        case 7: return .goAway(lastGoodStreamID: try word() & 0x7FFF_FFFF)
        case 8: return .headers(streamID: try word() & 0x7FFF_FFFF)
        case 9:
            let id = try word() & 0x7FFF_FFFF
            return .windowUpdate(streamID: id, delta: try word() & 0x7FFF_FFFF)
        default: return .unknown(type: type)
        }
    }
}
