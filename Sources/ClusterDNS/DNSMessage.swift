/// Response codes (RFC 1035 4.1.1).
public enum DNSRcode {
    public static let noError: UInt8 = 0
    public static let formatError: UInt8 = 1
    public static let serverFailure: UInt8 = 2
    public static let nameError: UInt8 = 3
    public static let notImplemented: UInt8 = 4
    public static let refused: UInt8 = 5
}

/// One question: name, type and class.
public struct DNSQuestion: Sendable, Hashable {
    public var name: DNSName
    public var type: RRType
    public var qclass: UInt16

    public init(name: DNSName, type: RRType, qclass: UInt16 = dnsClassIN) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

/// EDNS0 (RFC 6891): the OPT pseudo-record, kept out of the additional section.
public struct EDNS: Sendable, Hashable {
    /// The largest UDP payload the sender accepts.
    public var udpPayloadSize: UInt16
    public var extendedRcode: UInt8 = 0
    public var version: UInt8 = 0
    public var dnssecOK: Bool = false
    /// The options, unparsed.
    public var options: [UInt8] = []

    public init(udpPayloadSize: UInt16, dnssecOK: Bool = false) {
        self.udpPayloadSize = udpPayloadSize
        self.dnssecOK = dnssecOK
    }
}

/// A DNS message (RFC 1035 4.1) with its header flags spelled out.
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16 = 0
    public var isResponse = false
    public var opcode: UInt8 = 0
    public var authoritative = false
    public var truncated = false
    public var recursionDesired = false
    public var recursionAvailable = false
    public var authenticData = false
    public var checkingDisabled = false
    public var rcode: UInt8 = 0
    public var questions: [DNSQuestion] = []
    public var answers: [ResourceRecord] = []
    public var authority: [ResourceRecord] = []
    public var additional: [ResourceRecord] = []
    public var edns: EDNS?

    public init() {}

    /// The header alone: enough to answer FORMERR to a packet whose body is broken.
    public struct Header: Sendable, Hashable {
        public var id: UInt16
        public var flags: UInt16
        public var isResponse: Bool { flags & 0x8000 != 0 }
        public var opcode: UInt8 { UInt8((flags >> 11) & 0xF) }
    }

    /// Reads the 12-byte header; nil when the packet is shorter.
    public static func header(of bytes: [UInt8]) -> Header? {
        guard bytes.count >= 12 else { return nil }
        return Header(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }

    /// Parses a whole message; throws on anything malformed (never traps).
    public init(parsing bytes: [UInt8]) throws(DNSWireError) {
        var reader = WireReader(bytes)
        id = try reader.u16()
        let flags = try reader.u16()
        isResponse = flags & 0x8000 != 0
        opcode = UInt8((flags >> 11) & 0xF)
        authoritative = flags & 0x0400 != 0
        truncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
        rcode = UInt8(flags & 0xF)
        let counts = [try reader.u16(), try reader.u16(), try reader.u16(), try reader.u16()].map(Int.init)
        // Every question takes at least 5 bytes and every record 11: counts beyond that are lies.
        guard counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 <= reader.remaining else { throw .truncated }
        for _ in 0..<counts[0] {
            let name = try reader.name()
            questions.append(DNSQuestion(name: name, type: RRType(try reader.u16()), qclass: try reader.u16()))
        }
        for _ in 0..<counts[1] { answers.append(try ResourceRecord.read(&reader)) }
        for _ in 0..<counts[2] { authority.append(try ResourceRecord.read(&reader)) }
        for _ in 0..<counts[3] {
            let record = try ResourceRecord.read(&reader)
            if record.type == .opt {
                guard edns == nil, record.name.labels.isEmpty, case .opaque(let options) = record.data else {
                    throw DNSWireError("misplaced or repeated OPT record")
                }
                var opt = EDNS(udpPayloadSize: record.rrClass, dnssecOK: record.ttl & 0x8000 != 0)
                opt.extendedRcode = UInt8(record.ttl >> 24)
                opt.version = UInt8((record.ttl >> 16) & 0xFF)
                opt.options = options
                edns = opt
            } else {
                additional.append(record)
            }
        }
    }

    /// The wire form, names compressed.
    public func serialized() -> [UInt8] {
        var writer = WireWriter()
        writer.u16(id)
        var flags = UInt16(opcode & 0xF) << 11 | UInt16(rcode & 0xF)
        if isResponse { flags |= 0x8000 }
        if authoritative { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        writer.u16(flags)
        for count in [questions.count, answers.count, authority.count, additional.count + (edns == nil ? 0 : 1)] {
            writer.u16(UInt16(truncatingIfNeeded: count))
        }
        for question in questions {
            writer.name(question.name)
            writer.u16(question.type.rawValue)
            writer.u16(question.qclass)
        }
        for record in answers { record.write(&writer) }
        for record in authority { record.write(&writer) }
        for record in additional { record.write(&writer) }
        if let edns {
            let ttl = UInt32(edns.extendedRcode) << 24 | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0)
            ResourceRecord(name: .root, type: .opt, rrClass: edns.udpPayloadSize, ttl: ttl, data: .opaque(edns.options))
                .write(&writer)
        }
        return writer.bytes
    }

    /// A reply skeleton: same id, opcode, question, RD and CD; QR set.
    public func reply() -> DNSMessage {
        var reply = DNSMessage()
        reply.id = id
        reply.isResponse = true
        reply.opcode = opcode
        reply.recursionDesired = recursionDesired
        reply.checkingDisabled = checkingDisabled
        reply.questions = questions
        return reply
    }

    /// A reply that fits `limit` bytes: the whole reply when it does, otherwise the header and
    /// question with TC set, so the client retries over TCP (RFC 1035 4.2.1, RFC 7766).
    public func serialized(limit: Int) -> [UInt8] {
        let full = serialized()
        guard full.count > limit else { return full }
        var cut = self
        cut.truncated = true
        cut.answers = []
        cut.authority = []
        cut.additional = []
        return cut.serialized()
    }
}
