import Foundation
import Testing
@testable import WorkloadControllers

/// A temporary zone directory holding hand-built or damaged TZif files; removed by `remove()`.
struct ZoneDirectory {
    let path: String

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/zoneinfo-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: try #require(made))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Builds TZif bytes: a version-1 block with 32-bit times, then (for version 2+) the 64-bit block
/// and the footer. `types` are (utoff, isDST); every type uses abbreviation "ZZZ".
func tzif(version: UInt8 = UInt8(ascii: "2"), transitions: [(Int64, UInt8)] = [], types: [(Int32, Bool)],
          footer: String? = "") -> [UInt8] {
    func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    func be64(_ value: Int64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (56 - 8 * $0)) } }
    func block(timeSize: Int) -> [UInt8] {
        var out = Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15)
        for count in [0, 0, 0, transitions.count, types.count, 4] { out += be32(UInt32(count)) }
        for (when, _) in transitions {
            out += timeSize == 8 ? be64(when) : be32(UInt32(bitPattern: Int32(clamping: when)))
        }
        out += transitions.map(\.1)
        for (utoff, isDST) in types { out += be32(UInt32(bitPattern: utoff)) + [isDST ? 1 : 0, 0] }
        return out + Array("ZZZ\0".utf8)
    }
    var bytes = block(timeSize: 4)
    if version != 0 {
        bytes += block(timeSize: 8)
        if let footer { bytes += Array("\n\(footer)\n".utf8) }
    }
    return bytes
}

struct ZoneInfoFileTests {
    /// Seconds since 1970 of a UTC wall time.
    static func instant(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
        return Int64(date.timeIntervalSince1970)
    }

    /// Footer-only files (no transitions: the rule governs every instant) against real zones whose
    /// files end with the same rule, from 2030 (past their last rule changes) to 2100.
    static let footers: [(footer: String, zone: String)] = [
        ("CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin"),
        ("EST5EDT,M3.2.0,M11.1.0", "America/New_York"),
        ("EST5EDT", "America/New_York"),  // no rules: tzcode's default US rules
        ("<+0330>-3:30", "Asia/Tehran"),
        ("<-04>4<-03>,M9.1.6/24,M4.1.6/24", "America/Santiago"),  // southern, 24:00 times
        ("IST-1GMT0,M10.5.0,M3.5.0/1", "Europe/Dublin"),  // negative DST
        ("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "Australia/Lord_Howe"),  // 30-minute DST
        ("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "Pacific/Chatham"),
        ("NST3:30NDT,M3.2.0,M11.1.0", "America/St_Johns"),
        ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "America/Nuuk"),  // negative transition time (v3)
    ]

    @Test(arguments: footers.indices)
    func footerOnlyFileMatchesFoundation(_ index: Int) throws {
        let (footer, zoneName) = Self.footers[index]
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        try directory.write("Test/Footer", tzif(version: UInt8(ascii: "3"), types: [(0, false)], footer: footer))
        let zone = try #require(ZoneInfo.load("Test/Footer", directory: directory.path))
        #expect(zone.transitions.isEmpty)
        let oracle = try #require(TimeZone(identifier: zoneName))
        var wrong: [Int64] = []
        var date = Date(timeIntervalSince1970: Double(Self.instant(2030, 1, 1)))
        let end = Double(Self.instant(2100, 1, 1))
        while let next = oracle.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 < end {
            let t = Int64(next.timeIntervalSince1970)
            for probe in [t - 86_400, t - 1, t, t + 1, t + 86_400]
            where zone.secondsFromGMT(at: probe) != oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe))) {
                wrong.append(probe)
            }
            date = next
        }
        for probe in stride(from: Self.instant(2030, 1, 1), to: Int64(end), by: 86_400 * 5 + 3_607)
        where zone.secondsFromGMT(at: probe) != oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe))) {
            wrong.append(probe)
        }
        let mismatches = wrong.count
        #expect(mismatches == 0, "\(footer): differs from \(zoneName) at \(wrong.prefix(5).map { Date(timeIntervalSince1970: Double($0)) })")
    }

    /// "Slim" files (zic -b slim) stop listing transitions once the footer rule can produce them.
    /// Rebuild real zones that way (transitions before `cut`, the real footer) and compare with
    /// Foundation from `cut` to 2100, so the footer takes over mid-history as it would there.
    static let slimZones: [(zone: String, footer: String, cutYear: Int)] = [
        ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", 1997),
        ("America/New_York", "EST5EDT,M3.2.0,M11.1.0", 2008),
        ("America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24", 2023),
        ("Australia/Lord_Howe", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 2009),
    ]

    @Test(arguments: slimZones.indices)
    func slimFilesMatchFoundation(_ index: Int) throws {
        let (name, footer, cutYear) = Self.slimZones[index]
        let fat = try #require(ZoneInfo.load(name))
        let cut = Self.instant(cutYear, 1, 1)
        let kept = zip(fat.transitions, fat.typeIndexes).filter { $0.0 < cut }
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        try directory.write("Slim", tzif(transitions: kept, types: fat.types.map { ($0.utoff, $0.isDST) }, footer: footer))
        let slim = try #require(ZoneInfo.load("Slim", directory: directory.path))
        #expect(slim.transitions.count < fat.transitions.count)
        let oracle = try #require(TimeZone(identifier: name))
        var probes = Array(stride(from: Int64(cut), to: Self.instant(2100, 1, 1), by: 86_400 + 3_607))
        probes += fat.transitions.filter { $0 >= cut }.flatMap { [$0 - 1, $0, $0 + 1] }
        let wrong = probes.filter { slim.secondsFromGMT(at: $0) != oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) }
        let mismatches = wrong.count
        #expect(mismatches == 0, "\(name) slim: differs at \(wrong.prefix(5).map { Date(timeIntervalSince1970: Double($0)) })")
    }

    /// The day forms no real zone uses, checked against hand-computed instants.
    struct RuleCase: Sendable, CustomStringConvertible {
        var footer: String
        var instant: Int64
        var offset: Int
        var description: String { "\(footer) at \(instant)" }
    }

    static let ruleCases: [RuleCase] = [
        // Jn ignores February 29: J60 is March 1 in 2023 and in 2024.
        RuleCase(footer: "AAA0BBB,J60/0,J305/0", instant: instant(2024, 2, 29, 23, 59), offset: 0),
        RuleCase(footer: "AAA0BBB,J60/0,J305/0", instant: instant(2024, 3, 1), offset: 3600),
        RuleCase(footer: "AAA0BBB,J60/0,J305/0", instant: instant(2023, 3, 1), offset: 3600),
        // J305 is November 1, 00:00 in DST = October 31, 23:00 UTC.
        RuleCase(footer: "AAA0BBB,J60/0,J305/0", instant: instant(2024, 10, 31, 22, 59), offset: 3600),
        RuleCase(footer: "AAA0BBB,J60/0,J305/0", instant: instant(2024, 10, 31, 23), offset: 0),
        // Zero-based n counts February 29: day 59 is Feb 29 in 2024 but March 1 in 2023.
        RuleCase(footer: "AAA0BBB,59/0,304/0", instant: instant(2024, 2, 29), offset: 3600),
        RuleCase(footer: "AAA0BBB,59/0,304/0", instant: instant(2023, 2, 28, 23, 59), offset: 0),
        RuleCase(footer: "AAA0BBB,59/0,304/0", instant: instant(2023, 3, 1), offset: 3600),
        // All-year DST as tzcode writes it: starts Jan 1 00:00, ends Dec 31 25:00 (>24h, v3).
        RuleCase(footer: "EST5EDT,0/0,J365/25", instant: instant(2050, 1, 1, 5), offset: -4 * 3600),
        RuleCase(footer: "EST5EDT,0/0,J365/25", instant: instant(2050, 7, 1), offset: -4 * 3600),
        RuleCase(footer: "EST5EDT,0/0,J365/25", instant: instant(2050, 12, 31, 23), offset: -4 * 3600),
        // A week-5 rule in a month with four such weekdays takes the last one (Feb 2026 has four Sundays).
        RuleCase(footer: "AAA0BBB,M2.5.0/0,M11.1.0/0", instant: instant(2026, 2, 21, 23, 59), offset: 0),
        RuleCase(footer: "AAA0BBB,M2.5.0/0,M11.1.0/0", instant: instant(2026, 2, 22), offset: 3600),
        // Explicit DST offset and a 167-hour transition time (the largest tzcode allows): March 1,
        // 2026 is a Sunday, so 167:00 at UTC-1 is March 8, 00:00 UTC.
        RuleCase(footer: "<-01>1<+02>-2,M3.1.0/167,M10.1.0", instant: instant(2026, 3, 7, 23, 59), offset: -3600),
        RuleCase(footer: "<-01>1<+02>-2,M3.1.0/167,M10.1.0", instant: instant(2026, 3, 8), offset: 7200),
        // Before 1970: the rule holds in every year.
        RuleCase(footer: "CET-1CEST,M3.5.0,M10.5.0/3", instant: instant(1950, 7, 1), offset: 7200),
        RuleCase(footer: "CET-1CEST,M3.5.0,M10.5.0/3", instant: instant(1950, 1, 1), offset: 3600),
    ]

    @Test(arguments: ruleCases)
    func dayForms(_ rule: RuleCase) throws {
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        try directory.write("Rule", tzif(types: [(0, false)], footer: rule.footer))
        let zone = try #require(ZoneInfo.load("Rule", directory: directory.path))
        #expect(zone.secondsFromGMT(at: rule.instant) == rule.offset)
    }

    /// The type before the first transition, per Go's lookupFirstZone: (types, transitions, offset).
    static let firstZoneCases: [(types: [(Int32, Bool)], indexes: [UInt8], offset: Int32)] = [
        ([(1000, false), (3600, false), (7200, true)], [2, 1], 1000),  // type 0 unused: it is the LMT
        ([(3600, false), (7200, true)], [1, 0], 3600),  // first to DST: closest standard type below
        ([(7200, true), (3600, false), (10800, true)], [0, 1], 3600),  // else the first standard type
        ([(7200, true), (10800, true)], [0, 1], 7200),  // else type 0
    ]

    @Test(arguments: firstZoneCases.indices)
    func beforeTheFirstTransition(_ index: Int) throws {
        let (types, indexes, offset) = Self.firstZoneCases[index]
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        let transitions = zip([Int64(1_000_000), 2_000_000], indexes).map { ($0, $1) }
        try directory.write("First", tzif(transitions: transitions, types: types))
        try directory.write("FirstV1", tzif(version: 0, transitions: transitions, types: types))
        for name in ["First", "FirstV1"] {
            let zone = try #require(ZoneInfo.load(name, directory: directory.path))
            #expect(zone.secondsFromGMT(at: 999_999) == Int(offset), "\(name)")
            #expect(zone.secondsFromGMT(at: -(1 << 40)) == Int(offset), "\(name)")
            #expect(zone.secondsFromGMT(at: 1_000_000) == Int(types[Int(indexes[0])].0), "\(name)")
            // No footer: the last transition's type lasts forever.
            #expect(zone.secondsFromGMT(at: 1 << 40) == Int(types[Int(indexes[1])].0), "\(name)")
        }
    }

    @Test func transitionsOutside32BitsNeedTheSecondBlock() throws {
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        // 2100 does not fit the v1 block's 32-bit times (the builder clamps them there).
        let year2100: Int64 = 4_102_444_800
        try directory.write("Late", tzif(transitions: [(year2100, 1)], types: [(0, false), (3600, false)]))
        let zone = try #require(ZoneInfo.load("Late", directory: directory.path))
        #expect(zone.secondsFromGMT(at: year2100 - 1) == 0)
        #expect(zone.secondsFromGMT(at: year2100) == 3600)
    }

    /// Files that must be rejected: each is written and loaded from a temp directory.
    static let malformed: [(label: String, bytes: [UInt8])] = {
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("magic only", Array("TZif".utf8)),
            ("not TZif", Array("TZjf2".utf8) + [UInt8](repeating: 0, count: 60)),
            ("text", Array("Europe/Berlin is CET\n".utf8)),
            ("version 9", tzif(version: UInt8(ascii: "9"), types: [(0, false)])),
            ("no types", tzif(types: [])),
            ("type index out of range", tzif(transitions: [(0, 2)], types: [(0, false), (3600, false)])),
            ("transitions not ascending", tzif(transitions: [(100, 1), (50, 0)], types: [(0, false), (3600, false)])),
            ("offset -2^31", tzif(types: [(Int32.min, false)])),
            ("footer without newlines", tzif(types: [(0, false)], footer: nil) + Array("CET-1CEST".utf8)),
            ("footer missing its final newline", Array(tzif(types: [(0, false)], footer: "CET-1CEST,M3.5.0,M10.5.0/3").dropLast())),
            ("footer nonsense", tzif(types: [(0, false)], footer: "not a rule")),
            ("footer with one rule", tzif(types: [(0, false)], footer: "CET-1CEST,M3.5.0")),
            ("footer month 13", tzif(types: [(0, false)], footer: "CET-1CEST,M13.5.0,M10.5.0")),
            ("footer 169 hours", tzif(types: [(0, false)], footer: "CET-169")),
            ("footer two lines", tzif(types: [(0, false)], footer: "CET-1\nCET-1")),
            ("footer trailing junk", tzif(types: [(0, false)], footer: "CET-1CEST,M3.5.0,M10.5.0/3x")),
            ("footer short name", tzif(types: [(0, false)], footer: "CE-1")),
            ("footer unclosed <", tzif(types: [(0, false)], footer: "<+03-3")),
        ]
        // Abbreviation index past the abbreviation bytes (the builder writes index 0; patch it).
        var badAbbreviation = tzif(version: 0, types: [(0, false)])
        badAbbreviation[44 + 5] = 9
        cases.append(("abbreviation index out of range", badAbbreviation))
        // Counts claiming four billion transitions must fail fast, not allocate.
        var huge = tzif(types: [(0, false)])
        for i in 32..<36 { huge[i] = 0xFF }
        cases.append(("huge counts", huge))
        // Seeded pseudo-random garbage, with and without a valid-looking header.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for round in 0..<20 {
            var bytes: [UInt8] = round.isMultiple(of: 2) ? Array("TZif2".utf8) + [UInt8](repeating: 0, count: 15) : []
            for _ in 0..<(40 + round * 37) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            cases.append(("garbage \(round)", bytes))
        }
        return cases
    }()

    @Test(arguments: malformed.indices)
    func malformedFilesGiveNil(_ index: Int) throws {
        let (label, bytes) = Self.malformed[index]
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        try directory.write("Bad/Zone", bytes)
        #expect(ZoneInfo.load("Bad/Zone", directory: directory.path) == nil, "\(label)")
    }

    @Test func everyTruncationOfARealFileGivesNil() throws {
        let original = try Array(Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/Europe/Berlin")))
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        try directory.write("Europe/Berlin", original)
        #expect(ZoneInfo.load("Europe/Berlin", directory: directory.path) == ZoneInfo.load("Europe/Berlin"))
        var accepted: [Int] = []
        for length in 0..<original.count {
            try directory.write("Cut", Array(original[0..<length]))
            if ZoneInfo.load("Cut", directory: directory.path) != nil { accepted.append(length) }
        }
        let acceptedCount = accepted.count
        #expect(acceptedCount == 0, "prefixes accepted: \(accepted.prefix(10))")
    }

    @Test func wellFormedEdgeFilesLoad() throws {
        let directory = try ZoneDirectory()
        defer { directory.remove() }
        // v2 with an empty footer and no transitions: type 0 for all time.
        try directory.write("Fixed", tzif(types: [(19_800, false)]))
        // Version 1 has no footer at all.
        try directory.write("V1", tzif(version: 0, transitions: [(0, 1)], types: [(0, false), (-3600, false)]))
        // Go parses footers on version 2 files too, and keeps a DST rule's default of std + 1 hour.
        try directory.write("Default", tzif(types: [(0, false)], footer: "AAA-2BBB,M3.5.0,M10.5.0/3"))
        #expect(try #require(ZoneInfo.load("Fixed", directory: directory.path)).secondsFromGMT(at: Int64.min) == 19_800)
        let v1 = try #require(ZoneInfo.load("V1", directory: directory.path))
        #expect(v1.secondsFromGMT(at: -1) == 0 && v1.secondsFromGMT(at: 0) == -3600)
        let rule = try #require(ZoneInfo.load("Default", directory: directory.path))
        #expect(rule.secondsFromGMT(at: ZoneInfoFileTests.instant(2040, 7, 1)) == 3 * 3600)
        // A directory or a missing file is not a zone.
        try directory.write("Dir/Inner", tzif(types: [(0, false)]))
        #expect(ZoneInfo.load("Dir", directory: directory.path) == nil)
        #expect(ZoneInfo.load("Missing", directory: directory.path) == nil)
        #expect(ZoneInfo.load("Fixed", directory: directory.path + "/nonexistent") == nil)
    }
}
