import FoundationEssentials
import KubeAPI

/// A parsed CronJob schedule that can compute activation times, with the semantics of
/// `cron.ParseStandard` (robfig/cron v3) as the upstream CronJob controller uses it: five fields
/// (minute hour day-of-month month day-of-week), descriptors `@yearly`/`@annually`, `@monthly`,
/// `@weekly`, `@daily`/`@midnight`, `@hourly`, `@every <duration>`, and an optional `TZ=`/`CRON_TZ=`
/// prefix. Day-of-month and day-of-week are OR-ed unless either is `*`/`?` (then AND-ed).
///
/// Wall-clock times are evaluated in the schedule's time zone: a local time skipped by a DST jump
/// does not fire that day, and a local time that occurs twice fires at both instants (as robfig does).
public struct CronJobSchedule: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case fields(minutes: UInt64, hours: UInt64, daysOfMonth: UInt64, months: UInt64, daysOfWeek: UInt64,
                    domStar: Bool, dowStar: Bool)
        /// `@every`: a fixed delay in whole seconds (at least one).
        case every(seconds: Int64)
    }

    let kind: Kind
    /// The zone wall-clock fields are read in.
    public let timeZone: ZoneInfo

    /// The error raised for a schedule that cannot be parsed; `message` is robfig's text where
    /// `CronSchedule.validate` provides it.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses `schedule`; `timeZone` applies unless the schedule carries its own `TZ=` prefix.
    /// - Throws: `ParseError` for anything `cron.ParseStandard` rejects or an unknown zone.
    public init(_ schedule: String, timeZone: ZoneInfo = .utc) throws(ParseError) {
        if let message = CronSchedule.validate(schedule) { throw ParseError(message: message) }
        var zone = timeZone
        var spec = Substring(schedule)
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            let eq = spec.firstIndex(of: "=")!
            let space = spec.firstIndex(of: " ") ?? spec.endIndex
            let name = String(spec[spec.index(after: eq)..<space])
            guard let tz = ZoneInfo.load(name) else {
                throw ParseError(message: "provided bad location \(name): unknown time zone \(name)")
            }
            zone = tz
            spec = spec[space...].drop { $0 == " " }
        }
        self.timeZone = zone
        self.kind = try Self.parseKind(String(spec))
    }

    private static let descriptors: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    private static func parseKind(_ spec: String) throws(ParseError) -> Kind {
        if let expanded = descriptors[spec] { return try parseKind(expanded) }
        if spec.hasPrefix("@every ") {
            guard let nanos = GoDuration.parse(String(spec.dropFirst("@every ".count))) else {
                throw ParseError(message: "failed to parse duration \(spec)")
            }
            // robfig: at least one second, truncated to whole seconds.
            return .every(seconds: max(1, nanos / 1_000_000_000))
        }
        let parts = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard parts.count == 5 else { throw ParseError(message: "expected exactly 5 fields, found \(parts.count)") }
        let bounds = [(0, 59, [String: Int]()), (0, 23, [:]), (1, 31, [:]),
                      (1, 12, ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7,
                               "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
                      (0, 6, ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])]
        var bits: [UInt64] = []
        var stars: [Bool] = []
        for (part, (low, high, names)) in zip(parts, bounds) {
            let (mask, star) = try field(part, low: low, high: high, names: names)
            bits.append(mask)
            stars.append(star)
        }
        return .fields(minutes: bits[0], hours: bits[1], daysOfMonth: bits[2], months: bits[3], daysOfWeek: bits[4],
                       domStar: stars[2], dowStar: stars[4])
    }

    /// One field: comma-separated `*`/`?`/`N`/`N-M` each with an optional `/step`. The "star" flag is
    /// robfig's starBit: set by `*` or `?` unless a step greater than one is given.
    private static func field(_ text: String, low: Int, high: Int, names: [String: Int]) throws(ParseError)
        -> (UInt64, Bool)
    {
        var mask: UInt64 = 0
        var star = false
        func value(_ s: String) throws(ParseError) -> Int {
            if let v = names[s.lowercased()] { return v }
            guard let v = Int(s), v >= 0 else { throw ParseError(message: "failed to parse int from \(s)") }
            return v
        }
        for expr in text.split(separator: ",").map(String.init) {
            let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let lowHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            var start = low, end = high, isStar = false
            if lowHigh[0] == "*" || lowHigh[0] == "?" {
                isStar = true
            } else {
                start = try value(lowHigh[0])
                end = lowHigh.count == 2 ? try value(lowHigh[1]) : start
            }
            var step = 1
            if rangeAndStep.count == 2 {
                guard let s = Int(rangeAndStep[1]), s > 0 else { throw ParseError(message: "bad step in \(expr)") }
                step = s
                if lowHigh.count == 1 { end = high }
            }
            guard start >= low, end <= high, start <= end else { throw ParseError(message: "out of range: \(expr)") }
            if isStar && step == 1 { star = true }
            for v in stride(from: start, through: end, by: step) { mask |= 1 << UInt64(v) }
        }
        return (mask, star)
    }

    /// The first activation strictly after `date`, or nil when none exists within five years
    /// (e.g. `0 0 30 2 *`), as robfig returns the zero time.
    public func next(after date: Date) -> Date? {
        switch kind {
        case .every(let seconds):
            // robfig drops the sub-second part, then adds the delay.
            return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down) + Double(seconds))
        case let .fields(minutes, hours, doms, months, dows, domStar, dowStar):
            let after = Int(date.timeIntervalSince1970.rounded(.down))
            let startOffset = timeZone.secondsFromGMT(at: Int64(after))
            let firstDay = JobSupport.floorDiv(after + startOffset, 86400) - 1  // one day early: offsets vary
            let hourList = (0..<24).filter { hours & (1 << UInt64($0)) != 0 }
            let minuteList = (0..<60).filter { minutes & (1 << UInt64($0)) != 0 }
            for day in firstDay...(firstDay + 366 * 5 + 2) {
                let (_, month, dom) = JobSupport.civilFromDays(day)
                guard months & (1 << UInt64(month)) != 0 else { continue }
                let domMatch = doms & (1 << UInt64(dom)) != 0
                let dowMatch = dows & (1 << UInt64(JobSupport.weekday(days: day))) != 0
                guard (domStar || dowStar) ? (domMatch && dowMatch) : (domMatch || dowMatch) else { continue }
                let before = offset(at: day * 86400 - 86400)
                let uniform = before == offset(at: day * 86400 + 2 * 86400)
                var best: Int?
                for h in hourList {
                    for m in minuteList {
                        let wall = day * 86400 + h * 3600 + m * 60
                        if uniform {
                            // No offset change near this day: wall order is instant order.
                            if wall - before > after { return Date(timeIntervalSince1970: Double(wall - before)) }
                            continue
                        }
                        for instant in instants(wall: wall) where instant > after && (best == nil || instant < best!) {
                            best = instant
                        }
                    }
                }
                if let best { return Date(timeIntervalSince1970: Double(best)) }
            }
            return nil
        }
    }

    private func offset(at utc: Int) -> Int { timeZone.secondsFromGMT(at: Int64(utc)) }

    /// The UTC instants (seconds) at which local wall time `wall` occurs in the zone: none inside a
    /// DST gap, two inside an overlap.
    private func instants(wall: Int) -> [Int] {
        let candidates = Set([offset(at: wall - 86400), offset(at: wall + 86400)])
        return candidates.map { wall - $0 }.filter { offset(at: $0) == wall - $0 }.sorted()
    }

    /// The UTC offset in seconds of the schedule's zone at `date` (for the scheduled-timestamp annotation).
    public func utcOffset(at date: Date) -> Int {
        timeZone.secondsFromGMT(at: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}

/// Go's `time.ParseDuration`, returning nanoseconds.
enum GoDuration {
    static func parse(_ text: String) -> Int64? {
        var rest = Substring(text)
        var sign: Double = 1
        if let f = rest.first, f == "+" || f == "-" {
            sign = f == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6),
                                         ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var total: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            total += value * unit.1
            rest = rest.dropFirst(unitText.count)
        }
        let nanos = sign * total
        guard nanos.isFinite, abs(nanos) < 9.2e18 else { return nil }
        return Int64(nanos)
    }
}
