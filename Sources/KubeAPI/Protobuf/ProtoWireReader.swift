/// The protobuf wire types this decoder understands. Groups (3, 4) were removed from proto3 and
/// never appear in Kubernetes messages, so they are rejected as malformed.
public enum ProtoWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// One decoded field value, still untyped: the schema decides what it means.
public enum ProtoWireValue: Sendable, Equatable {
    case varint(UInt64)
    case fixed64(UInt64)
    case fixed32(UInt32)
    case bytes(ArraySlice<UInt8>)

    var wireType: ProtoWireType {
        switch self {
        case .varint: return .varint
        case .fixed64: return .fixed64
        case .fixed32: return .fixed32
        case .bytes: return .lengthDelimited
        }
    }
}

/// A cursor over protobuf wire-format bytes.
///
/// It only splits a buffer into `(field number, value)` pairs; it knows nothing about schemas.
/// Every read checks bounds, so truncated or hostile input produces an error, never a trap.
public struct ProtoWireReader: Sendable {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    /// True once every byte has been consumed.
    public var isAtEnd: Bool { index >= bytes.endIndex }

    /// Offset from the start of this reader's buffer, for error messages.
    public var offset: Int { index - bytes.startIndex }

    /// Reads the next field, or returns nil at the end of the buffer.
    public mutating func nextField() throws(StatusError) -> (number: Int, value: ProtoWireValue)? {
        guard !isAtEnd else { return nil }
        let start = offset
        let key = try readVarint()
        let number = key >> 3
        // Field numbers are at most 2^29-1; zero is never valid.
        guard number > 0, number < (1 << 29) else {
            throw .badRequest("protobuf: invalid field number \(number) at offset \(start)")
        }
        let rawType = UInt8(key & 7)
        guard let wireType = ProtoWireType(rawValue: rawType) else {
            throw .badRequest("protobuf: unsupported wire type \(rawType) for field \(number) at offset \(start)")
        }
        let value: ProtoWireValue
        switch wireType {
        case .varint: value = .varint(try readVarint())
        case .fixed64: value = .fixed64(try readFixed64())
        case .fixed32: value = .fixed32(try readFixed32())
        case .lengthDelimited: value = .bytes(try readLengthDelimited())
        }
        return (Int(number), value)
    }

    /// Reads a base-128 varint of at most 10 bytes.
    public mutating func readVarint() throws(StatusError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard index < bytes.endIndex else {
                throw .badRequest("protobuf: truncated varint at offset \(start)")
            }
            let byte = bytes[index]
            index += 1
            // The tenth byte may only carry the top bit of a 64-bit value.
            if shift == 63 && byte > 1 {
                throw .badRequest("protobuf: varint overflows 64 bits at offset \(start)")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    public mutating func readFixed32() throws(StatusError) -> UInt32 {
        let raw = try take(4, what: "fixed32")
        var value: UInt32 = 0
        for (i, b) in raw.enumerated() { value |= UInt32(b) << (8 * UInt32(i)) }
        return value
    }

    public mutating func readFixed64() throws(StatusError) -> UInt64 {
        let raw = try take(8, what: "fixed64")
        var value: UInt64 = 0
        for (i, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        return value
    }

    public mutating func readLengthDelimited() throws(StatusError) -> ArraySlice<UInt8> {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(bytes.endIndex - index) else {
            throw .badRequest("protobuf: length \(length) at offset \(start) runs past the end of the message")
        }
        return try take(Int(length), what: "bytes")
    }

    private mutating func take(_ count: Int, what: String) throws(StatusError) -> ArraySlice<UInt8> {
        guard bytes.endIndex - index >= count else {
            throw .badRequest("protobuf: truncated \(what) at offset \(offset)")
        }
        let slice = bytes[index..<(index + count)]
        index += count
        return slice
    }
}

extension ProtoWireReader {
    /// Decodes a ZigZag-encoded varint (`sint32`, `sint64`).
    public static func unZigZag(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}

/// Typed access to a field's value for code that knows its schema: each accessor checks the wire
/// type and throws (naming the field number) when the peer sent a different one.
extension ProtoWireValue {
    public func varint(field: Int) throws(StatusError) -> UInt64 {
        guard case .varint(let value) = self else { throw mismatch(field, .varint) }
        return value
    }

    public func fixed64(field: Int) throws(StatusError) -> UInt64 {
        guard case .fixed64(let value) = self else { throw mismatch(field, .fixed64) }
        return value
    }

    public func fixed32(field: Int) throws(StatusError) -> UInt32 {
        guard case .fixed32(let value) = self else { throw mismatch(field, .fixed32) }
        return value
    }

    public func lengthDelimited(field: Int) throws(StatusError) -> ArraySlice<UInt8> {
        guard case .bytes(let value) = self else { throw mismatch(field, .lengthDelimited) }
        return value
    }

    /// The values of a repeated varint field: proto3 writers pack them into one length-delimited
    /// run, older ones send one varint per field; readers must accept both.
    public func packedVarints(field: Int) throws(StatusError) -> [UInt64] {
        switch self {
        case .varint(let value): return [value]
        case .bytes(let run):
            var reader = ProtoWireReader(run)
            var values: [UInt64] = []
            while !reader.isAtEnd { values.append(try reader.readVarint()) }
            return values
        default: throw mismatch(field, .varint)
        }
    }

    /// The values of a repeated `fixed64`/`sfixed64`/`double` field, packed or not.
    public func packedFixed64s(field: Int) throws(StatusError) -> [UInt64] {
        switch self {
        case .fixed64(let value): return [value]
        case .bytes(let run):
            guard run.count % 8 == 0 else {
                throw .badRequest("protobuf: packed fixed64 field \(field) is \(run.count) bytes long")
            }
            var reader = ProtoWireReader(run)
            var values: [UInt64] = []
            while !reader.isAtEnd { values.append(try reader.readFixed64()) }
            return values
        default: throw mismatch(field, .fixed64)
        }
    }

    /// The values of a repeated `fixed32`/`sfixed32`/`float` field, packed or not.
    public func packedFixed32s(field: Int) throws(StatusError) -> [UInt32] {
        switch self {
        case .fixed32(let value): return [value]
        case .bytes(let run):
            guard run.count % 4 == 0 else {
                throw .badRequest("protobuf: packed fixed32 field \(field) is \(run.count) bytes long")
            }
            var reader = ProtoWireReader(run)
            var values: [UInt32] = []
            while !reader.isAtEnd { values.append(try reader.readFixed32()) }
            return values
        default: throw mismatch(field, .fixed32)
        }
    }

    private func mismatch(_ field: Int, _ expected: ProtoWireType) -> StatusError {
        .badRequest("protobuf: field \(field) has wire type \(wireType.rawValue), expected \(expected.rawValue)")
    }
}
