import Testing
@testable import KubeStore

@Suite struct SortedKeyIndexTests {
    static func value(_ key: String, _ revision: Int64 = 1) -> KeyValue {
        KeyValue(key: key, value: [], createRevision: revision, modRevision: revision)
    }

    static func all(_ index: SortedKeyIndex, from start: String = "", inclusive: Bool = true,
                    before end: String = "\u{7F}") -> [String] {
        var keys: [String] = []
        index.forEach(from: start, inclusive: inclusive, before: end) { keys.append($0.key); return true }
        return keys
    }

    /// Random inserts, replacements and removals (enough to split chunks many times) against a
    /// plain sorted reference.
    @Test(arguments: [1, 2, 3])
    func matchesASortedReference(seed: UInt64) {
        var generator = SplitMix(seed: seed)
        var index = SortedKeyIndex()
        var reference: [String: Int64] = [:]
        for step in 0..<6000 {
            let key = "/k/\(generator.next() % 3000)"
            if generator.next() % 4 == 0 {
                index.remove(key)
                reference[key] = nil
            } else {
                index.upsert(Self.value(key, Int64(step)))
                reference[key] = Int64(step)
            }
        }
        #expect(index.count == reference.count)
        #expect(Self.all(index) == reference.keys.sorted())
        var revisions: [Int64] = []
        index.forEach(from: "", inclusive: true, before: "\u{7F}") { revisions.append($0.modRevision); return true }
        #expect(revisions == reference.keys.sorted().map { reference[$0]! })
        // Range walks with exclusive start and an upper bound.
        let sorted = reference.keys.sorted()
        let start = sorted[sorted.count / 3], end = sorted[2 * sorted.count / 3]
        #expect(Self.all(index, from: start, inclusive: false, before: end)
                == sorted.filter { $0 > start && $0 < end })
    }

    @Test func emptyAndEdgeCases() {
        var index = SortedKeyIndex()
        #expect(Self.all(index).isEmpty)
        index.remove("/missing")
        index.upsert(Self.value("/b"))
        index.upsert(Self.value("/a"))
        index.upsert(Self.value("/b", 2))
        #expect(index.count == 2)
        #expect(Self.all(index) == ["/a", "/b"])
        #expect(Self.all(index, from: "/b", inclusive: false).isEmpty)
        #expect(Self.all(index, from: "/c").isEmpty)
        index.remove("/a")
        index.remove("/b")
        #expect(index.count == 0)
        #expect(Self.all(index).isEmpty)
    }

    @Test(arguments: [
        ("", "", "\u{7F}"),
        ("/registry/pods/", "/registry/pods/", "/registry/pods0"),
        ("a~", "a~", "a\u{7F}"),
    ])
    func prefixRanges(prefix: String, lower: String, upper: String) {
        let range = Keys.range(forPrefix: prefix)
        #expect(range?.lower == lower)
        #expect(range?.upper == upper)
    }

    @Test func nonASCIIPrefixMatchesNothing() {
        #expect(Keys.range(forPrefix: "/caf\u{E9}") == nil)
    }
}

/// A small deterministic generator so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
