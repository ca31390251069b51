import Testing
@testable import ClusterDNS

@Suite struct CacheTests {
    static func question(_ index: Int) -> DNSQuestion { DNSQuestion(name: DNSName("host\(index).example"), type: .a) }
    static func positive(ttl: UInt32) -> CachedAnswer {
        CachedAnswer(rcode: DNSRcode.noError, answers: [ResourceRecord(name: DNSName("x.example"), type: .a, ttl: ttl, data: .a(IPv4Address("192.0.2.1")!))])
    }
    static func negative(rcode: UInt8, soaTTL: UInt32, minimum: UInt32) -> CachedAnswer {
        CachedAnswer(rcode: rcode, authority: [ResourceRecord(name: DNSName("example"), type: .soa, ttl: soaTTL, data: .soa(.init(
            mname: DNSName("ns.example"), rname: DNSName("root.example"), serial: 1, refresh: 1, retry: 1, expire: 1, minimum: minimum)))])
    }

    static let ttlCases: [(String, CachedAnswer, UInt32?)] = [
        ("positive: smallest TTL", CachedAnswer(rcode: 0, answers: [positive(ttl: 60).answers[0], positive(ttl: 30).answers[0]]), 30),
        ("NXDOMAIN: SOA minimum", negative(rcode: DNSRcode.nameError, soaTTL: 600, minimum: 30), 30),
        ("NODATA: SOA TTL below minimum", negative(rcode: DNSRcode.noError, soaTTL: 10, minimum: 30), 10),
        ("NXDOMAIN without SOA", CachedAnswer(rcode: DNSRcode.nameError), nil),
        ("SERVFAIL", CachedAnswer(rcode: DNSRcode.serverFailure), nil),
    ]

    @Test(arguments: ttlCases)
    func cacheTTL(_ name: String, _ answer: CachedAnswer, _ expected: UInt32?) {
        #expect(answer.cacheTTL == expected, "\(name)")
    }

    @Test func keepsAtMostCapacityAndTheRecentlyUsed() {
        let cache = DNSCache(capacity: 10)
        for index in 0..<10 { cache.put(Self.question(index), Self.positive(ttl: 60)) }
        // host0 keeps being used, so evicting the least recently used spares it.
        #expect(cache.get(Self.question(0)) != nil)
        for index in 10..<20 {
            cache.put(Self.question(index), Self.positive(ttl: 60))
            _ = cache.get(Self.question(0))
        }
        #expect(cache.count <= 10)
        #expect(cache.get(Self.question(0)) != nil)
        #expect(cache.get(Self.question(1)) == nil)
        #expect(cache.get(Self.question(19)) != nil)
    }

    @Test func doesNotStoreUncacheableAnswersAndIgnoresCase() {
        let cache = DNSCache()
        cache.put(Self.question(1), CachedAnswer(rcode: DNSRcode.serverFailure))
        cache.put(Self.question(2), Self.positive(ttl: 0))
        #expect(cache.count == 0)
        cache.put(DNSQuestion(name: DNSName("Host3.EXAMPLE"), type: .a), Self.positive(ttl: 60))
        #expect(cache.get(Self.question(3))?.answers.first?.ttl == 60)
        #expect(cache.get(DNSQuestion(name: DNSName("host3.example"), type: .aaaa)) == nil)
    }
}
