import Testing
@testable import ClusterDNS

@Suite struct CodecTests {
    /// `example.com. A?`, id 0x1234, RD: RFC 1035's layout written out by hand.
    static let queryBytes: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                      7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 1, 0, 1]

    @Test func parsesAndWritesAGoldenQuery() throws {
        let message = try DNSMessage(parsing: Self.queryBytes)
        #expect(message.id == 0x1234)
        #expect(message.recursionDesired)
        #expect(!message.isResponse)
        #expect(message.questions == [DNSQuestion(name: DNSName("example.com"), type: .a)])
        #expect(message.serialized() == Self.queryBytes)
    }

    @Test func compressesTheAnswerOwnerAgainstTheQuestion() throws {
        var reply = try DNSMessage(parsing: Self.queryBytes).reply()
        reply.answers = [ResourceRecord(name: DNSName("Example.COM"), type: .a, ttl: 300, data: .a(IPv4Address("93.184.216.34")!))]
        let expected: [UInt8] = [0x12, 0x34, 0x81, 0x00, 0, 1, 0, 1, 0, 0, 0, 0] + Array(Self.queryBytes[12...])
            + [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 93, 184, 216, 34]
        #expect(reply.serialized() == expected)
    }

    @Test func roundTripsEveryRecordType() throws {
        var message = DNSMessage()
        message.id = 7
        message.isResponse = true
        message.authoritative = true
        message.rcode = DNSRcode.nameError
        message.questions = [DNSQuestion(name: DNSName("web.default.svc.cluster.local"), type: .srv)]
        let zone = DNSName("cluster.local")
        message.answers = [
            ResourceRecord(name: DNSName("a.cluster.local"), type: .a, ttl: 5, data: .a(IPv4Address("10.43.0.10")!)),
            ResourceRecord(name: DNSName("a.cluster.local"), type: .aaaa, ttl: 5, data: .aaaa(IPv6Address("fd00::1")!)),
            ResourceRecord(name: DNSName("c.cluster.local"), type: .cname, ttl: 5, data: .cname(DNSName("a.cluster.local"))),
            ResourceRecord(name: DNSName("_http._tcp.web.default.svc.cluster.local"), type: .srv, ttl: 5,
                           data: .srv(priority: 0, weight: 100, port: 80, target: DNSName("web.default.svc.cluster.local"))),
            ResourceRecord(name: DNSName("1.0.0.10.in-addr.arpa"), type: .ptr, ttl: 5, data: .ptr(DNSName("web.default.svc.cluster.local"))),
            ResourceRecord(name: DNSName("t.cluster.local"), type: .txt, ttl: 5, data: .txt([Array("hello".utf8), []])),
            ResourceRecord(name: DNSName("x.cluster.local"), type: RRType(99), ttl: 5, data: .opaque([1, 2, 3])),
        ]
        message.authority = [
            ResourceRecord(name: zone, type: .soa, ttl: 5, data: .soa(.init(mname: DNSName("ns.dns.cluster.local"), rname: DNSName("hostmaster.cluster.local"),
                                                                             serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5))),
            ResourceRecord(name: zone, type: .ns, ttl: 5, data: .ns(DNSName("ns.dns.cluster.local"))),
        ]
        message.additional = [ResourceRecord(name: DNSName("web.default.svc.cluster.local"), type: .a, ttl: 5, data: .a(IPv4Address("10.43.0.1")!))]
        message.edns = EDNS(udpPayloadSize: 1232, dnssecOK: true)
        let bytes = message.serialized()
        #expect(try DNSMessage(parsing: bytes) == message)
        // Compression made it smaller than the names written out would be.
        #expect(bytes.count < 400)
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("short header", [0, 1, 0, 0, 0, 1]),
        ("question count with no question", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        ("pointer to itself", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]),
        ("pointer forwards", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0, 0, 1, 0, 1]),
        ("two pointers looping", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 65, 0xC0, 12, 0, 1, 0, 1]),
        ("label past the end", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 65, 65]),
        ("extended label type", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 0, 1, 0, 1]),
        ("A with 3-byte rdata claims 4", [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3]),
        ("CNAME rdata longer than its name", [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 3, 0, 9, 9]),
        ("huge record count", [0, 1, 0x80, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0]),
        ("two OPT records", [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0]),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedPackets(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: DNSWireError.self, "\(name)") { try DNSMessage(parsing: bytes) }
    }

    @Test func rejectsNamesLongerThan255Bytes() {
        var bytes: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { bytes += [63] + [UInt8](repeating: 97, count: 63) }
        bytes += [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.nameTooLong) { try DNSMessage(parsing: bytes) }
    }

    @Test func truncatesToTheLimitWithTC() throws {
        var reply = try DNSMessage(parsing: Self.queryBytes).reply()
        reply.answers = (0..<40).map { ResourceRecord(name: DNSName("example.com"), type: .a, ttl: 5, data: .a(IPv4Address(bytes: [10, 0, 0, UInt8($0)])!)) }
        let full = reply.serialized(limit: 65535)
        #expect(try DNSMessage(parsing: full).answers.count == 40)
        let cut = try DNSMessage(parsing: reply.serialized(limit: 512))
        #expect(cut.truncated)
        #expect(cut.answers.isEmpty)
        #expect(cut.questions == reply.questions)
    }

    @Test func namesCompareWithoutCase() {
        #expect(DNSName("WEB.Default.svc.CLUSTER.local.") == DNSName("web.default.svc.cluster.local"))
        #expect(DNSName("a.b").hashValue == DNSName("A.B").hashValue)
        #expect(DNSName("x.cluster.local").isSubdomain(of: DNSName("Cluster.Local")))
        #expect(!DNSName("xcluster.local").isSubdomain(of: DNSName("cluster.local")))
    }

    @Test func parsesReverseNames() {
        #expect(IPAddress(reverseName: DNSName("10.0.43.10.in-addr.arpa")) == IPAddress("10.43.0.10"))
        #expect(IPAddress(reverseName: DNSName("0.43.10.in-addr.arpa")) == nil)
        #expect(IPAddress(reverseName: DNSName("256.0.43.10.in-addr.arpa")) == nil)
        let v6 = IPAddress("fd00::1")!
        #expect(IPAddress(reverseName: DNSName(v6.reverseKey)) == v6)
        #expect(IPNetwork("10.43.0.0/16")!.contains(IPAddress("10.43.200.1")!))
        #expect(!IPNetwork("10.43.0.0/16")!.contains(IPAddress("10.44.0.1")!))
    }

    @Test func readsResolvConf() {
        let text = "# comment\nsearch example.com\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\nnameserver not-an-ip\noptions ndots:5\n"
        #expect(ResolvConf.parse(text) == [Upstream(host: "127.0.0.53"), Upstream(host: "fe80::1%eth0")])
    }
}
