/// Why a DNS packet could not be read or written. Every read of the wire codec is bounds-checked and
/// throws one of these instead of trapping, so hostile packets cost an error, never the process.
public struct DNSWireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static let truncated = DNSWireError("packet ends inside a field")
    static let badPointer = DNSWireError("name compression pointer does not point backwards")
    static let nameTooLong = DNSWireError("name longer than 255 bytes")
    static let badLabel = DNSWireError("label type not supported")
    static let rdataLength = DNSWireError("record data length does not match its contents")
}

/// A bounds-checked cursor over a whole DNS message (names in record data may point anywhere before).
struct WireReader {
    let bytes: [UInt8]
    var position: Int
    /// Reads stop here (the end of the message, or of one record's data while it is decoded).
    var limit: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.limit = bytes.count
    }

    var remaining: Int { limit - position }

    mutating func u8() throws(DNSWireError) -> UInt8 {
        guard position < limit else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() throws(DNSWireError) -> UInt16 {
        guard limit - position >= 2 else { throw .truncated }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func u32() throws(DNSWireError) -> UInt32 {
        guard limit - position >= 4 else { throw .truncated }
        defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
            | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }

    mutating func take(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, limit - position >= count else { throw .truncated }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// A possibly compressed name (RFC 1035 4.1.4). A pointer must point strictly before the start
    /// of the label run that holds it, so every jump goes backwards and a loop is impossible.
    mutating func name() throws(DNSWireError) -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var cursor = position
        var runStart = position
        var jumped = false
        while true {
            guard cursor < limit || (jumped && cursor < bytes.count) else { throw .truncated }
            let length = Int(bytes[cursor])
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { position = cursor + 1 }
                    return DNSName(labels: labels)
                }
                let end = jumped ? bytes.count : limit
                guard cursor + 1 + length <= end else { throw .truncated }
                wireLength += length + 1
                guard wireLength <= 255 else { throw .nameTooLong }
                labels.append(Array(bytes[cursor + 1...cursor + length]))
                cursor += 1 + length
            case 0xC0:
                let end = jumped ? bytes.count : limit
                guard cursor + 1 < end else { throw .truncated }
                let target = (length & 0x3F) << 8 | Int(bytes[cursor + 1])
                guard target < runStart else { throw .badPointer }
                if !jumped { position = cursor + 2 }
                jumped = true
                cursor = target
                runStart = target
            default:
                throw .badLabel
            }
        }
    }
}

/// Appends a DNS message, compressing names against the ones already written.
struct WireWriter {
    private(set) var bytes: [UInt8] = []
    /// Lower-cased name suffix -> offset of its first occurrence (pointers reach 14 bits).
    private var offsets: [String: Int] = [:]

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }
    mutating func u32(_ value: UInt32) {
        u16(UInt16(value >> 16))
        u16(UInt16(value & 0xFFFF))
    }
    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    /// Overwrites a 16-bit field written earlier (record data lengths, section counts).
    mutating func patch16(at offset: Int, _ value: UInt16) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    mutating func name(_ name: DNSName, compress: Bool = true) {
        let labels = name.labels
        for index in labels.indices {
            if compress {
                let key = DNSName.key(of: labels[index...])
                if let offset = offsets[key] {
                    u16(0xC000 | UInt16(offset))
                    return
                }
                if bytes.count < 0x3FFF { offsets[key] = bytes.count }
            }
            let label = labels[index].prefix(63)
            u8(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        u8(0)
    }
}
