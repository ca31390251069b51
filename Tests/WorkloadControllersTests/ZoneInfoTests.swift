import Foundation
import Testing
@testable import WorkloadControllers

/// ZoneInfo against the real system zone files, with glibc's `zdump` (libc-bin) reading the same
/// files as the independent oracle, plus hand-built TZif files for the footer rules and the
/// malformed cases. (Foundation's ICU data is no oracle for the system files: it is compiled into
/// the toolchain, and a newer tzdata package differs from it wherever the rules changed since.)
struct ZoneInfoTests {
    static let zones = [
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Tehran",
        "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "Europe/Dublin", "America/St_Johns",
        "Pacific/Apia", "Asia/Kathmandu", "America/Santiago",
    ]
    static let year1900: Int64 = -2_208_988_800
    static let year2100: Int64 = 4_102_444_800

    /// `zdump -v -c 1900,2100 <name>`: each transition as the UT instants one second before and at
    /// it, with the UTC offset glibc's reader computes there (the footer rule past the last
    /// explicit transition included).
    static func zdump(_ name: String) throws -> [(instant: Int64, offset: Int)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zdump")
        process.arguments = ["-v", "-c", "1900,2100", name]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return output.split(separator: "\n").compactMap { line -> (Int64, Int)? in
            // "Europe/Berlin  Sun Mar 31 00:59:59 2030 UT = Sun Mar 31 01:59:59 2030 CET isdst=0 gmtoff=3600"
            let fields = line.split(separator: " ")
            guard fields.count > 6, fields[6] == "UT", let month = months.firstIndex(of: String(fields[2])),
                  let day = Int(fields[3]), let year = Int(fields[5]),
                  let offset = fields.last.flatMap({ $0.hasPrefix("gmtoff=") ? Int($0.dropFirst(7)) : nil }) else { return nil }
            let clock = fields[4].split(separator: ":").compactMap { Int($0) }
            guard clock.count == 3, let date = calendar.date(from: DateComponents(
                year: year, month: month + 1, day: day, hour: clock[0], minute: clock[1], second: clock[2])) else { return nil }
            return (Int64(date.timeIntervalSince1970), offset)
        }
    }

    @Test(arguments: zones)
    func matchesZdump(_ name: String) throws {
        let zone = try #require(ZoneInfo.load(name))
        #expect(zone.identifier == name)
        let expected = try Self.zdump(name)
        let wrong = expected.filter { zone.secondsFromGMT(at: $0.instant) != $0.offset }
        let sample = wrong.prefix(5).map { "\($0.instant): ours \(zone.secondsFromGMT(at: $0.instant)), zdump \($0.offset)" }
        #expect(expected.count >= 4, "zdump listed no transition for \(name)")
        #expect(wrong.isEmpty, "\(wrong.count) of \(expected.count) instants differ, e.g. \(sample)")
    }

    /// Zones without transitions: one offset for all time.
    @Test(arguments: [("UTC", 0), ("Etc/GMT+5", -18_000), ("Etc/GMT-14", 50_400)])
    func fixedOffsetZones(_ name: String, _ offset: Int) throws {
        let zone = try #require(ZoneInfo.load(name))
        for instant in stride(from: Self.year1900, to: Self.year2100, by: 97 * 86_400 + 3_607) {
            #expect(zone.secondsFromGMT(at: instant) == offset)
        }
    }

    @Test func fatDebianFilesUseTheFooterAfter2037() throws {
        // Berlin's explicit transitions end in 2037; 2090's dates come from CET-1CEST,M3.5.0,M10.5.0/3.
        let berlin = try #require(ZoneInfo.load("Europe/Berlin"))
        #expect(try #require(berlin.transitions.last) < Self.year2100 - 60 * 365 * 86_400)
        #expect(berlin.rule != nil)
        // 2090-03-26 is the last Sunday of March: 01:00 UTC switches to CEST.
        let switchover: Int64 = 3_794_173_200
        #expect(berlin.secondsFromGMT(at: switchover - 1) == 3600)
        #expect(berlin.secondsFromGMT(at: switchover) == 7200)
    }

    @Test func utcAndEmptyNeedNoFile() {
        #expect(ZoneInfo.load("UTC", directory: "/nonexistent") == .utc)
        #expect(ZoneInfo.load("", directory: "/nonexistent") == .utc)
        #expect(ZoneInfo.utc.identifier == "UTC")
        for instant in [Int64.min, -1, 0, Int64.max] { #expect(ZoneInfo.utc.secondsFromGMT(at: instant) == 0) }
    }

    @Test func extremeInstantsDoNotTrap() throws {
        for name in ["Europe/Berlin", "America/Santiago", "Asia/Kolkata"] {
            let zone = try #require(ZoneInfo.load(name))
            for instant in [Int64.min, Int64.min + 1, -(1 << 60), 1 << 60, Int64.max - 1, Int64.max] {
                #expect(abs(zone.secondsFromGMT(at: instant)) < 86_400)
            }
        }
    }

    @Test func defaultDirectoryIsTheSystemOneWithoutZONEINFO() {
        if ProcessInfo.processInfo.environment["ZONEINFO"] == nil {
            #expect(ZoneInfo.defaultDirectory == "/usr/share/zoneinfo")
        }
    }

    static let badNames = [
        "Local", "local", "LOCAL", "/etc/passwd", "/usr/share/zoneinfo/Europe/Berlin", "../etc/passwd",
        "Europe/../../../etc/passwd", "Europe/../Europe/Berlin", "Europe\\Berlin", "\\Europe", "Europe/",
        "Europe//Berlin", "./Europe/Berlin", "Europe/./Berlin", "-Europe", "Europe/-Berlin", "a..b",
        "Europe/Berlin ", " Europe/Berlin", "Europe/Berlin\0", "Europe/Berlin\n", "America/Argentina/ComodRivadaviaX",
        "Nowhere/Atlantis", "Europe", "EUROPE/BERLIN", "Europe/Berlín",
    ]

    @Test(arguments: badNames)
    func rejectsBadOrUnknownNames(_ name: String) {
        #expect(ZoneInfo.load(name) == nil)
    }

    @Test func acceptsRealNamesWithPlusMinusDigitsAndLinks() throws {
        for name in ["Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince", "America/Argentina/ComodRivadavia",
                     "GMT0", "Eire", "America/North_Dakota/New_Salem"] {
            #expect(ZoneInfo.load(name) != nil, "\(name)")
        }
        #expect(try #require(ZoneInfo.load("Etc/GMT+5")).secondsFromGMT(at: 0) == -5 * 3600)
    }
}
