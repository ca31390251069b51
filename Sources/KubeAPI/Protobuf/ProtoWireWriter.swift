/// Builds protobuf wire-format bytes field by field: the inverse of `ProtoWireReader`.
///
/// Callers own the schema, so a field number is whatever the `.proto` file says, and they decide
/// which defaults to leave out (proto3 writes no field holding its default).
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

    /// A `fixed64`, `sfixed64` or `double` field (little-endian, 8 bytes).
    public mutating func writeFixed64(field: Int, _ value: UInt64) {
        writeKey(field, .fixed64)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A `fixed32`, `sfixed32` or `float` field (little-endian, 4 bytes).
    public mutating func writeFixed32(field: Int, _ value: UInt32) {
        writeKey(field, .fixed32)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// A repeated varint field in proto3's packed form: one length-delimited run of varints.
    public mutating func writePackedVarints(field: Int, _ values: [UInt64]) {
        var run = ProtoWireWriter()
        for value in values { run.writeVarint(value) }
        writeBytes(field: field, run.bytes)
    }

    /// A repeated `fixed64`-sized field, packed.
    public mutating func writePackedFixed64s(field: Int, _ values: [UInt64]) {
        var run: [UInt8] = []
        run.reserveCapacity(values.count * 8)
        for value in values {
            for shift in stride(from: 0, to: 64, by: 8) { run.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        writeBytes(field: field, run)
    }

    /// A repeated `fixed32`-sized field, packed.
    public mutating func writePackedFixed32s(field: Int, _ values: [UInt32]) {
        var run: [UInt8] = []
        run.reserveCapacity(values.count * 4)
        for value in values {
            for shift in stride(from: 0, to: 32, by: 8) { run.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
        writeBytes(field: field, run)
    }

    /// ZigZag encoding of a signed value (`sint32`, `sint64`): small magnitudes stay short.
    public static func zigZag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }
}
