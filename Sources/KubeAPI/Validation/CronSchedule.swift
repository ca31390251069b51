/// Checks a CronJob schedule the way upstream does (`cron.ParseStandard` of robfig/cron v3):
/// five fields (minute hour day-of-month month day-of-week) with lists, ranges, steps, `*`/`?` and
/// month/day names, or a descriptor (`@hourly`, `@every 1h30m`, ...), optionally after `TZ=`/`CRON_TZ=`.
/// Error texts are the library's own, since upstream puts them in the `Invalid value` detail.
public enum CronSchedule {
    struct Bounds {
        var min: Int
        var max: Int
        var names: [String: Int] = [:]
    }

    static let fields: [Bounds] = [
        Bounds(min: 0, max: 59),  // minute
        Bounds(min: 0, max: 23),  // hour
        Bounds(min: 1, max: 31),  // day of month
        Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                         "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
        Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]),
    ]

    /// Returns the parser's error message, or nil when the schedule is valid.
    public static func validate(_ schedule: String) -> String? {
        if schedule.isEmpty { return "empty spec string" }
        var spec = Substring(schedule)
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            guard let space = spec.firstIndex(of: " "), let eq = spec.firstIndex(of: "=") else {
                return "provided bad location \(spec.drop { $0 != "=" }.dropFirst()): unknown time zone"
            }
            let zone = spec[spec.index(after: eq)..<space]
            if !isPlausibleZone(zone) { return "provided bad location \(zone): unknown time zone \(zone)" }
            spec = spec[space...].drop { $0 == " " }
        }
        if spec.hasPrefix("@") { return validateDescriptor(String(spec)) }
        let parts = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard parts.count == 5 else {
            return "expected exactly 5 fields, found \(parts.count): [\(parts.joined(separator: " "))]"
        }
        for (part, bounds) in zip(parts, fields) {
            for expr in part.split(separator: ",") {
                if let err = checkRange(String(expr), bounds) { return err }
            }
        }
        return nil
    }

    private static func checkRange(_ expr: String, _ r: Bounds) -> String? {
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var start = 0
        var end = 0
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = r.min
            end = r.max
        } else {
            switch parseIntOrName(lowAndHigh[0], r.names) {
            case .failure(let e): return e.message
            case .success(let v): start = v
            }
            switch lowAndHigh.count {
            case 1: end = start
            case 2:
                switch parseIntOrName(lowAndHigh[1], r.names) {
                case .failure(let e): return e.message
                case .success(let v): end = v
                }
            default: return "too many hyphens: \(expr)"
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1: break
        case 2:
            switch mustParseInt(rangeAndStep[1]) {
            case .failure(let e): return e.message
            case .success(let v): step = v
            }
            if lowAndHigh.count == 1 { end = r.max }  // "N/step" means "N-max/step"
        default: return "too many slashes: \(expr)"
        }
        if start < r.min { return "beginning of range (\(start)) below minimum (\(r.min)): \(expr)" }
        if end > r.max { return "end of range (\(end)) above maximum (\(r.max)): \(expr)" }
        if start > end { return "beginning of range (\(start)) beyond end of range (\(end)): \(expr)" }
        if step == 0 { return "step of range should be a positive number: \(expr)" }
        return nil
    }

    struct Failure: Error { var message: String }

    private static func parseIntOrName(_ expr: String, _ names: [String: Int]) -> Result<Int, Failure> {
        if let v = names[expr.lowercased()] { return .success(v) }
        return mustParseInt(expr)
    }

    /// `strconv.Atoi` plus robfig's negative check.
    private static func mustParseInt(_ expr: String) -> Result<Int, Failure> {
        var digits = Substring(expr)
        var negative = false
        if let f = digits.first, f == "+" || f == "-" {
            negative = f == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(Failure(message: "failed to parse int from \(expr): strconv.Atoi: parsing \(GoSyntax.quote(expr)): invalid syntax"))
        }
        guard digits.count <= 18, let n = Int(digits) else {
            return .failure(Failure(message: "failed to parse int from \(expr): strconv.Atoi: parsing \(GoSyntax.quote(expr)): value out of range"))
        }
        if negative && n != 0 { return .failure(Failure(message: "negative number (-\(n)) not allowed: \(expr)")) }
        return .success(n)
    }

    private static func validateDescriptor(_ d: String) -> String? {
        switch d {
        case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly": return nil
        default: break
        }
        let every = "@every "
        if d.hasPrefix(every) {
            let text = String(d.dropFirst(every.count))
            return isGoDuration(text) ? nil : "failed to parse duration \(d): time: invalid duration \(GoSyntax.quote(text))"
        }
        return "unrecognized descriptor: \(d)"
    }

    /// Go's `time.ParseDuration` grammar: `[-+]?(number unit)+` or `0`.
    static func isGoDuration(_ s: String) -> Bool {
        var rest = Substring(s)
        if let f = rest.first, f == "+" || f == "-" { rest = rest.dropFirst() }
        if rest == "0" { return true }
        if rest.isEmpty { return false }
        let units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1 else { return false }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard units.contains(String(unit)) else { return false }
            rest = rest.dropFirst(unit.count)
        }
        return true
    }

    private static func isPlausibleZone(_ zone: Substring) -> Bool {
        !zone.isEmpty && zone.allSatisfy { $0.isLetter || $0.isNumber || "/_-+".contains($0) }
    }
}
