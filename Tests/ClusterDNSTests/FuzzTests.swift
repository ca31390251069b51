import Testing
@testable import ClusterDNS

/// Random and mutated packets into the parser and the query handler: each must end in an error,
/// a drop or a reply that parses, never a trap.
@Suite struct FuzzTests {
    /// A fixed-seed generator, so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func seeds() -> [[UInt8]] {
        var query = DNSMessage()
        query.id = 9
        query.recursionDesired = true
        query.questions = [DNSQuestion(name: DNSName("_pg._tcp.db.default.svc.cluster.local"), type: .srv)]
        query.edns = EDNS(udpPayloadSize: 4096)
        var reply = query.reply()
        reply.answers = [
            ResourceRecord(name: DNSName("db.default.svc.cluster.local"), type: .srv, ttl: 5,
                           data: .srv(priority: 0, weight: 50, port: 5432, target: DNSName("db-0.db.default.svc.cluster.local"))),
            ResourceRecord(name: DNSName("db.default.svc.cluster.local"), type: .cname, ttl: 5, data: .cname(DNSName("a.default.svc.cluster.local"))),
        ]
        reply.authority = [Fixture.zone.soa(zone: DNSName("cluster.local"))]
        return [query.serialized(), reply.serialized(), CodecTests.queryBytes]
    }

    func check(_ packet: [UInt8], _ resolver: DNSResolver) throws {
        _ = try? DNSMessage(parsing: packet)
        for transport in [DNSResolver.Transport.udp, .tcp] {
            if case .reply(let bytes) = resolver.handle(packet, transport: transport) {
                let reply = try DNSMessage(parsing: bytes)
                #expect(reply.isResponse)
                if transport == .udp { #expect(bytes.count <= 1232) }
            }
        }
    }

    @Test func randomAndMutatedPacketsNeverCrash() throws {
        var random = SplitMix(state: 0x5EED)
        let resolver = DNSResolver(zones: ZoneStore(Fixture.zone), cache: DNSCache(), forwarder: nil)
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...80, using: &random)
            var packet = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Half of them with a plausible header so the body parser is reached.
            if length >= 12, Bool.random(using: &random) {
                packet[2] = 0x01
                packet[4] = 0
                packet[5] = UInt8.random(in: 0...2, using: &random)
            }
            try check(packet, resolver)
        }
        let seeds = Self.seeds()
        for index in 0..<4_000 {
            var packet = seeds[index % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                switch Int.random(in: 0...3, using: &random) {
                case 0: packet[Int.random(in: 0..<packet.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1: packet.removeLast(min(packet.count - 1, Int.random(in: 1...8, using: &random)))
                case 2: packet.insert(0xC0, at: Int.random(in: min(12, packet.count)...packet.count, using: &random))
                default: packet[Int.random(in: 0..<packet.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
                }
            }
            try check(packet, resolver)
        }
    }

    @Test func answersFormErrWhenOnlyTheHeaderParses() throws {
        let packet: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12]
        let resolver = DNSResolver(zones: ZoneStore(Fixture.zone), cache: DNSCache(), forwarder: nil)
        guard case .reply(let bytes) = resolver.handle(packet, transport: .udp) else {
            Issue.record("expected a reply")
            return
        }
        let reply = try DNSMessage(parsing: bytes)
        #expect(reply.id == 0xABCD)
        #expect(reply.rcode == DNSRcode.formatError)
        // Responses and runts are dropped, never answered (no reflection loops).
        guard case .drop = resolver.handle([0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xFF], transport: .udp) else {
            Issue.record("expected a drop")
            return
        }
        guard case .drop = resolver.handle([1, 2, 3], transport: .udp) else {
            Issue.record("expected a drop")
            return
        }
    }
}
