/// A resource record type (RFC 1035 3.2.2 and later RFCs).
public struct RRType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RRType(1)
    public static let ns = RRType(2)
    public static let cname = RRType(5)
    public static let soa = RRType(6)
    public static let ptr = RRType(12)
    public static let mx = RRType(15)
    public static let txt = RRType(16)
    public static let aaaa = RRType(28)
    public static let srv = RRType(33)
    public static let opt = RRType(41)
    public static let axfr = RRType(252)
    public static let any = RRType(255)

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        default: "TYPE\(rawValue)"
        }
    }
}

/// The class IN; the only one this server answers for.
public let dnsClassIN: UInt16 = 1

/// Decoded record data of the types the cluster zone uses; anything else stays opaque bytes and is
/// passed through unchanged (its names, if any, are never compressed, as RFC 3597 requires).
public enum RData: Sendable, Hashable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case cname(DNSName)
    case ns(DNSName)
    case ptr(DNSName)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case soa(SOA)
    case txt([[UInt8]])
    case opaque([UInt8])

    public struct SOA: Sendable, Hashable {
        public var mname: DNSName
        public var rname: DNSName
        public var serial: UInt32
        public var refresh: UInt32
        public var retry: UInt32
        public var expire: UInt32
        public var minimum: UInt32

        public init(mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
            self.mname = mname
            self.rname = rname
            self.serial = serial
            self.refresh = refresh
            self.retry = retry
            self.expire = expire
            self.minimum = minimum
        }
    }
}

/// One resource record of the answer, authority or additional section.
public struct ResourceRecord: Sendable, Hashable {
    public var name: DNSName
    public var type: RRType
    public var rrClass: UInt16
    public var ttl: UInt32
    public var data: RData

    public init(name: DNSName, type: RRType, rrClass: UInt16 = dnsClassIN, ttl: UInt32, data: RData) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
        self.ttl = ttl
        self.data = data
    }

    /// Reads one record (the reader stands at its owner name).
    static func read(_ reader: inout WireReader) throws(DNSWireError) -> ResourceRecord {
        let name = try reader.name()
        let type = RRType(try reader.u16())
        let rrClass = try reader.u16()
        let ttl = try reader.u32()
        let length = Int(try reader.u16())
        guard reader.remaining >= length else { throw .truncated }
        let end = reader.position + length
        let outerLimit = reader.limit
        reader.limit = end
        defer { reader.limit = outerLimit }
        let data: RData
        switch type {
        case .a where length == 4: data = .a(IPv4Address(bytes: try reader.take(4))!)
        case .aaaa where length == 16: data = .aaaa(IPv6Address(bytes: try reader.take(16))!)
        case .cname: data = .cname(try reader.name())
        case .ns: data = .ns(try reader.name())
        case .ptr: data = .ptr(try reader.name())
        case .srv:
            let priority = try reader.u16(), weight = try reader.u16(), port = try reader.u16()
            data = .srv(priority: priority, weight: weight, port: port, target: try reader.name())
        case .soa:
            let mname = try reader.name(), rname = try reader.name()
            data = .soa(RData.SOA(mname: mname, rname: rname, serial: try reader.u32(), refresh: try reader.u32(),
                                  retry: try reader.u32(), expire: try reader.u32(), minimum: try reader.u32()))
        case .txt:
            var strings: [[UInt8]] = []
            while reader.remaining > 0 { strings.append(try reader.take(Int(try reader.u8()))) }
            data = .txt(strings)
        default:
            data = .opaque(try reader.take(length))
        }
        guard reader.position == end else { throw .rdataLength }
        return ResourceRecord(name: name, type: type, rrClass: rrClass, ttl: ttl, data: data)
    }

    func write(_ writer: inout WireWriter) {
        writer.name(name)
        writer.u16(type.rawValue)
        writer.u16(rrClass)
        writer.u32(ttl)
        let lengthAt = writer.count
        writer.u16(0)
        switch data {
        case .a(let address): writer.append(address.bytes)
        case .aaaa(let address): writer.append(address.bytes)
        case .cname(let target), .ns(let target), .ptr(let target): writer.name(target)
        case .srv(let priority, let weight, let port, let target):
            writer.u16(priority)
            writer.u16(weight)
            writer.u16(port)
            // RFC 2782: the target is not compressed.
            writer.name(target, compress: false)
        case .soa(let soa):
            writer.name(soa.mname)
            writer.name(soa.rname)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.u32(value) }
        case .txt(let strings):
            for string in strings {
                let piece = string.prefix(255)
                writer.u8(UInt8(piece.count))
                writer.append(Array(piece))
            }
        case .opaque(let bytes): writer.append(bytes)
        }
        writer.patch16(at: lengthAt, UInt16(truncatingIfNeeded: writer.count - lengthAt - 2))
    }
}
