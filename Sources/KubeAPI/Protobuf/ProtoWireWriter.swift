/// Builds protobuf wire-format bytes field by field: the inverse of `ProtoWireReader`.
///
/// Only what the server emits is here (varints, strings, nested messages); callers own the schema,
/// so a field number is whatever the `.proto` file says.
public struct ProtoWireWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends `value` as a base-128 varint.
    public mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func writeKey(_ number: Int, _ type: ProtoWireType) {
        precondition(number > 0 && number < (1 << 29), "protobuf field numbers are 1...2^29-1")
        writeVarint(UInt64(number) << 3 | UInt64(type.rawValue))
    }

    /// A varint field (`bool`, `int64`, enums). Zero is still written: proto3 readers accept it.
    public mutating func writeVarint(field: Int, _ value: UInt64) {
        writeKey(field, .varint)
        writeVarint(value)
    }

    /// A `bool` field.
    public mutating func writeBool(field: Int, _ value: Bool) {
        writeVarint(field: field, value ? 1 : 0)
    }

    /// A length-delimited field holding raw bytes (or an already encoded message).
    public mutating func writeBytes(field: Int, _ value: [UInt8]) {
        writeKey(field, .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes += value
    }

    /// A `string` field, UTF-8 encoded.
    public mutating func writeString(field: Int, _ value: String) {
        writeBytes(field: field, Array(value.utf8))
    }

    /// A nested message field whose body `build` writes.
    public mutating func writeMessage(field: Int, _ build: (inout ProtoWireWriter) -> Void) {
        var nested = ProtoWireWriter()
        build(&nested)
        writeBytes(field: field, nested.bytes)
    }
}
