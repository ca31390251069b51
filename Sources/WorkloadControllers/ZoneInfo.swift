import Glibc
import SwiftletSystem

/// A time zone read from the system's TZif files, as Go's `time.LoadLocation` reads them.
///
/// FoundationEssentials cannot resolve `Europe/Berlin` (its zone data lives in ICU), and the
/// upstream CronJob controller resolves `spec.timeZone` and `TZ=` schedule prefixes with Go's
/// reader over the same files, so this type mirrors Go's semantics rather than ICU's:
/// - instants before the first transition use the first standard-time type (`lookupFirstZone`);
/// - instants at or after the last transition use the footer's POSIX TZ rule when there is one
///   (the only source of future rules in "slim" files);
/// - leap-second records are skipped, as Go does.
///
/// The data is parsed once into compact arrays; a look-up is a binary search.
public struct ZoneInfo: Sendable, Hashable {
    /// One local time type of the file: its offset and whether it is daylight saving time.
    struct LocalTimeType: Sendable, Hashable {
        var utoff: Int32
        var isDST: Bool
    }

    /// The name the zone was loaded by, e.g. `Europe/Berlin`.
    public let identifier: String
    /// Transition instants (Unix seconds), strictly ascending.
    let transitions: [Int64]
    /// For each transition, the index into `types` that takes effect at it.
    let typeIndexes: [UInt8]
    /// The local time types; never empty.
    let types: [LocalTimeType]
    /// The footer rule for instants at or after the last transition (or all instants when the file
    /// has no transitions). nil when the file is version 1 or its footer is empty.
    let rule: PosixRule?
    /// The type used before the first transition, chosen once at load.
    let firstTypeIndex: Int

    init(identifier: String, transitions: [Int64], typeIndexes: [UInt8], types: [LocalTimeType], rule: PosixRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.typeIndexes = typeIndexes
        self.types = types
        self.rule = rule
        self.firstTypeIndex = Self.firstZone(types: types, typeIndexes: typeIndexes)
    }

    /// UTC: offset 0 at every instant; needs no file.
    public static let utc = ZoneInfo(identifier: "UTC", transitions: [], typeIndexes: [],
                                     types: [LocalTimeType(utoff: 0, isDST: false)], rule: nil)

    /// The directory zone names are resolved in: `$ZONEINFO` when set to a directory (Go honours
    /// the variable first; a zip archive there, which Go also accepts, is not supported and is
    /// skipped), otherwise `/usr/share/zoneinfo`.
    public static var defaultDirectory: String {
        if let raw = getenv("ZONEINFO") {
            let value = String(cString: raw)
            if !value.isEmpty, !value.hasSuffix(".zip") { return value }
        }
        return "/usr/share/zoneinfo"
    }

    /// Loads the zone `name` from `directory`.
    ///
    /// Returns nil for an unknown name, an unreadable file, or a malformed or truncated TZif file.
    /// `""` and `"UTC"` give `utc` without reading a file, as in Go. `"Local"` (any case) gives nil:
    /// upstream's CronJob validation rejects it ("timeZone must be an explicit time zone"), and a
    /// controller must not schedule by its host's zone.
    ///
    /// Names are checked before any file is opened so a CronJob cannot make the controller read an
    /// arbitrary file: Go's rules (no `..`, no leading `/` or `\`) plus the apiserver's
    /// per-component rule for `spec.timeZone` (each `/`-separated part is 1-14 characters of
    /// `A-Za-z0-9._-+`, is not `.` or `..`, and does not start with `-`).
    public static func load(_ name: String, directory: String = ZoneInfo.defaultDirectory) -> ZoneInfo? {
        if name.isEmpty || name == "UTC" { return .utc }
        guard isValidName(name), !directory.isEmpty else { return nil }
        // A directory, a missing file or one above `maxFileSize` is no zone.
        guard let bytes = try? WholeFile.read(directory + "/" + name, limit: maxFileSize) else { return nil }
        return parse(identifier: name, bytes)
    }

    /// Whether `name` may be used as a path below the zone directory.
    static func isValidName(_ name: String) -> Bool {
        if name.lowercased() == "local" { return false }
        let utf8 = Array(name.utf8)
        if utf8.first == UInt8(ascii: "/") || utf8.first == UInt8(ascii: "\\") { return false }
        for part in utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard (1...14).contains(part.count), part.first != UInt8(ascii: "-") else { return false }
            if part.elementsEqual(".".utf8) || part.elementsEqual("..".utf8) { return false }
            for byte in part {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+"):
                    continue
                default:
                    return false
                }
            }
        }
        // Go's own guard: the part rule alone would accept "a..b".
        return !zip(utf8, utf8.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }

    /// Seconds east of UTC at the instant `unixSeconds`.
    public func secondsFromGMT(at unixSeconds: Int64) -> Int {
        guard let first = transitions.first else {
            // Go models a file without transitions as one transition at the dawn of time to type 0,
            // so the footer (if any) governs every instant.
            if let rule { return rule.offset(at: unixSeconds) }
            return Int(types[0].utoff)
        }
        if unixSeconds < first { return Int(types[firstTypeIndex].utoff) }
        // Largest i with transitions[i] <= unixSeconds.
        var lo = 0
        var hi = transitions.count
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if unixSeconds < transitions[mid] { hi = mid } else { lo = mid }
        }
        if lo == transitions.count - 1, let rule { return rule.offset(at: unixSeconds) }
        return Int(types[Int(typeIndexes[lo])].utoff)
    }

    /// The type in effect before the first transition, by tzcode's (and Go's `lookupFirstZone`)
    /// rule: type 0 when no transition uses it; otherwise, when the first transition is to DST, the
    /// closest standard type below that one; otherwise the first standard type; otherwise type 0.
    static func firstZone(types: [LocalTimeType], typeIndexes: [UInt8]) -> Int {
        if !typeIndexes.contains(0) { return 0 }
        if let firstIndex = typeIndexes.first, types[Int(firstIndex)].isDST {
            var candidate = Int(firstIndex) - 1
            while candidate >= 0 {
                if !types[candidate].isDST { return candidate }
                candidate -= 1
            }
        }
        return types.firstIndex { !$0.isDST } ?? 0
    }
}
