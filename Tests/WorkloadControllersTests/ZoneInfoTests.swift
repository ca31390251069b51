import Foundation
import Testing
@testable import WorkloadControllers

/// ZoneInfo against the real system zone files, with Foundation (ICU) as the independent oracle,
/// plus hand-built TZif files for the footer rules and the malformed cases.
struct ZoneInfoTests {
    static let zones = [
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Tehran",
        "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "Europe/Dublin", "America/St_Johns",
        "Pacific/Apia", "UTC", "Etc/GMT+5", "Asia/Kathmandu", "America/Santiago",
    ]
    static let year1900: Int64 = -2_208_988_800
    static let year2100: Int64 = 4_102_444_800

    /// Instants to compare for `name`: a grid over 1900-2100 with an odd step (so it lands on every
    /// hour of the day), one second either side of every transition in the file, and the same
    /// around every transition Foundation reports (which covers the footer years after 2037).
    static func probes(_ zone: ZoneInfo, _ oracle: TimeZone) -> [Int64] {
        var instants = Array(stride(from: year1900, to: year2100, by: 3 * 86_400 + 3_607))
        for t in zone.transitions where t >= year1900 && t < year2100 { instants += [t - 1, t, t + 1] }
        var date = Date(timeIntervalSince1970: Double(year1900))
        while let next = oracle.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 < Double(year2100) {
            let t = Int64(next.timeIntervalSince1970)
            instants += [t - 1, t, t + 1]
            date = next
        }
        return instants
    }

    @Test(arguments: zones)
    func matchesFoundation(_ name: String) throws {
        let zone = try #require(ZoneInfo.load(name))
        let oracle = try #require(TimeZone(identifier: name))
        #expect(zone.identifier == name)
        let probes = Self.probes(zone, oracle)
        let wrong = probes.filter { zone.secondsFromGMT(at: $0) != oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) }
        let sample = wrong.prefix(5).map {
            "\(Date(timeIntervalSince1970: Double($0))): ours \(zone.secondsFromGMT(at: $0)), Foundation \(oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))))"
        }
        let mismatches = wrong.count
        #expect(probes.count > 20_000)
        #expect(mismatches == 0, "\(mismatches) of \(probes.count) instants differ, e.g. \(sample)")
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
