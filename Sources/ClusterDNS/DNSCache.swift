import Synchronization

/// An answer as it is cached and served: the sections of a reply without its header and question.
public struct CachedAnswer: Sendable, Hashable {
    public var rcode: UInt8
    public var answers: [ResourceRecord]
    public var authority: [ResourceRecord]
    public var additional: [ResourceRecord]

    public init(rcode: UInt8, answers: [ResourceRecord] = [], authority: [ResourceRecord] = [], additional: [ResourceRecord] = []) {
        self.rcode = rcode
        self.answers = answers
        self.authority = authority
        self.additional = additional
    }

    /// How long it may be cached: the smallest TTL of a positive answer; for NXDOMAIN and NODATA
    /// the SOA's minimum capped by its TTL (RFC 2308). nil: do not cache (server failures, no SOA).
    public var cacheTTL: UInt32? {
        switch rcode {
        case DNSRcode.noError where !answers.isEmpty:
            return (answers + authority + additional).map(\.ttl).min()
        case DNSRcode.noError, DNSRcode.nameError:
            for record in authority {
                if case .soa(let soa) = record.data { return min(soa.minimum, record.ttl) }
            }
            return nil
        default:
            return nil
        }
    }

    /// The same answer with every TTL reduced by `elapsed` seconds.
    func aged(by elapsed: UInt32) -> CachedAnswer {
        func age(_ records: [ResourceRecord]) -> [ResourceRecord] {
            records.map { record in
                var copy = record
                copy.ttl = record.ttl > elapsed ? record.ttl - elapsed : 0
                return copy
            }
        }
        return CachedAnswer(rcode: rcode, answers: age(answers), authority: age(authority), additional: age(additional))
    }
}

/// Forwarded answers by question, until their TTL runs out, at most `capacity` of them: when
/// full, expired entries go first, then the least recently used tenth.
public final class DNSCache: Sendable {
    struct Key: Hashable {
        var name: String
        var type: UInt16
        var qclass: UInt16
    }

    struct Entry {
        var answer: CachedAnswer
        var stored: ContinuousClock.Instant
        var expires: ContinuousClock.Instant
        var lastUsed: UInt64
    }

    struct State {
        var entries: [Key: Entry] = [:]
        var tick: UInt64 = 0
        var hits: UInt64 = 0
        var misses: UInt64 = 0
    }

    public let capacity: Int
    /// Upper bounds of positive and negative TTLs (CoreDNS's cache: 3600 s and 1800 s).
    public let maxTTL: UInt32
    public let maxNegativeTTL: UInt32
    private let state = Mutex(State())
    private let clock = ContinuousClock()

    public init(capacity: Int = 10_000, maxTTL: UInt32 = 3600, maxNegativeTTL: UInt32 = 1800) {
        self.capacity = max(1, capacity)
        self.maxTTL = maxTTL
        self.maxNegativeTTL = maxNegativeTTL
    }

    /// The cached answer with TTLs counted down, or nil.
    public func get(_ question: DNSQuestion) -> CachedAnswer? {
        let key = Key(name: question.name.key, type: question.type.rawValue, qclass: question.qclass)
        let now = clock.now
        let found: (CachedAnswer, ContinuousClock.Instant)? = state.withLock { state in
            state.tick += 1
            guard var entry = state.entries[key] else {
                state.misses += 1
                return nil
            }
            guard entry.expires > now else {
                state.entries[key] = nil
                state.misses += 1
                return nil
            }
            entry.lastUsed = state.tick
            state.entries[key] = entry
            state.hits += 1
            return (entry.answer, entry.stored)
        }
        guard let (answer, stored) = found else { return nil }
        let elapsed = UInt32(clamping: (now - stored).components.seconds)
        return elapsed == 0 ? answer : answer.aged(by: elapsed)
    }

    /// Stores an answer if it is cacheable (see `CachedAnswer.cacheTTL`).
    public func put(_ question: DNSQuestion, _ answer: CachedAnswer) {
        guard let ttl = answer.cacheTTL else { return }
        let capped = min(ttl, answer.rcode == DNSRcode.noError && !answer.answers.isEmpty ? maxTTL : maxNegativeTTL)
        guard capped > 0 else { return }
        let key = Key(name: question.name.key, type: question.type.rawValue, qclass: question.qclass)
        let now = clock.now
        state.withLock { state in
            state.tick += 1
            state.entries[key] = Entry(answer: answer, stored: now, expires: now + .seconds(Int(capped)), lastUsed: state.tick)
            if state.entries.count > capacity { Self.evict(&state, now: now, capacity: capacity) }
        }
    }

    private static func evict(_ state: inout State, now: ContinuousClock.Instant, capacity: Int) {
        state.entries = state.entries.filter { $0.value.expires > now }
        guard state.entries.count > capacity else { return }
        // Sorting is O(n log n) but runs once per capacity/10 insertions.
        let drop = state.entries.count - capacity + capacity / 10
        let victims = state.entries.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(drop).map(\.key)
        for key in victims { state.entries[key] = nil }
    }

    public var count: Int { state.withLock { $0.entries.count } }
    /// (hits, misses) since start.
    public var statistics: (hits: UInt64, misses: UInt64) { state.withLock { ($0.hits, $0.misses) } }
}
