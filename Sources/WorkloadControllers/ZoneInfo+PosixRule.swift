/// The POSIX TZ string in a TZif footer (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`, `<+0330>-3:30`),
/// parsed with Go's `tzset` rules, including the tzcode/RFC 8536 extensions: hours up to 167 in
/// offsets and transition times, negative transition times, and `;` accepted before the rules.
struct PosixRule: Sendable, Hashable {
    /// A day-of-year rule for one transition.
    enum Day: Sendable, Hashable {
        /// `Jn`: day 1...365, February 29 never counted.
        case julian(Int)
        /// `n`: zero-based day 0...365, February 29 counted in leap years.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// One transition: the day and the local wall time (seconds after midnight, may be negative or
    /// beyond a day) at which it happens.
    struct Transition: Sendable, Hashable {
        var day: Day
        var time: Int
    }

    /// The DST part: its offset and when it starts (in standard time) and ends (in DST).
    struct Daylight: Sendable, Hashable {
        var offset: Int
        var start: Transition
        var end: Transition
    }

    /// Seconds east of UTC in standard time.
    var standardOffset: Int
    var daylight: Daylight?

    /// Parses `text`; nil for anything Go's `tzset` would reject.
    init?(parsing text: some Collection<UInt8>) {
        var scanner = Scanner(bytes: Array(text))
        // POSIX offsets are west of UTC; ours are east, hence the negations.
        guard scanner.name(), let std = scanner.offset() else { return nil }
        standardOffset = -std
        if scanner.atEnd || scanner.peek == UInt8(ascii: ",") {
            // No DST. Go ignores anything after a comma here.
            daylight = nil
            return
        }
        guard scanner.name() else { return nil }
        var dstOffset = standardOffset + 3600
        if !scanner.atEnd, scanner.peek != UInt8(ascii: ","), scanner.peek != UInt8(ascii: ";") {
            guard let dst = scanner.offset() else { return nil }
            dstOffset = -dst
        }
        var start = Transition(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200)
        var end = Transition(day: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7200)
        // Without rules tzcode (and Go) default to the US rules of 2007.
        if !scanner.atEnd {
            guard scanner.consume(UInt8(ascii: ",")) || scanner.consume(UInt8(ascii: ";")),
                  let first = scanner.transition(), scanner.consume(UInt8(ascii: ",")),
                  let second = scanner.transition(), scanner.atEnd else { return nil }
            start = first
            end = second
        }
        daylight = Daylight(offset: dstOffset, start: start, end: end)
    }

    /// The offset in effect at `unixSeconds`, evaluating the rules in that instant's UTC year as
    /// Go's `tzset` does.
    func offset(at unixSeconds: Int64) -> Int {
        guard let daylight else { return standardOffset }
        // The rules repeat every year; clamping keeps the calendar arithmetic far from overflow
        // for absurd instants (±142 million years).
        let limit: Int64 = 1 << 52
        let seconds = Int(min(max(unixSeconds, -limit), limit))
        let days = seconds.floorDiv(86_400)
        let year = CivilDate.year(ofDay: days)
        let yearStart = CivilDate.days(year: year, month: 1, day: 1)
        let secondsIntoYear = seconds - yearStart * 86_400
        // Both instants as seconds after 00:00 UTC on January 1: DST starts by the standard clock
        // and ends by the daylight clock.
        let startSeconds = Self.secondsIntoYear(daylight.start, year: year) - standardOffset
        let endSeconds = Self.secondsIntoYear(daylight.end, year: year) - daylight.offset
        if startSeconds <= endSeconds {
            // Northern hemisphere: DST in the middle of the year.
            return secondsIntoYear >= startSeconds && secondsIntoYear < endSeconds ? daylight.offset : standardOffset
        }
        // Southern hemisphere: DST at both ends of the year.
        return secondsIntoYear < endSeconds || secondsIntoYear >= startSeconds ? daylight.offset : standardOffset
    }

    /// Local seconds after midnight on January 1 of `year` at which `transition` happens.
    static func secondsIntoYear(_ transition: Transition, year: Int) -> Int {
        let dayOfYear: Int
        switch transition.day {
        case .julian(let day):
            dayOfYear = day - 1 + (CivilDate.isLeap(year) && day >= 60 ? 1 : 0)
        case .zeroBased(let day):
            dayOfYear = day
        case .monthWeekDay(let month, let week, let weekday):
            let firstOfMonth = CivilDate.days(year: year, month: month, day: 1)
            // 1970-01-01 was a Thursday (weekday 4).
            let firstWeekday = (firstOfMonth + 4).floorMod(7)
            var dayOfMonth = (weekday - firstWeekday).floorMod(7)
            let length = CivilDate.daysIn(month: month, year: year)
            for _ in 1..<week where dayOfMonth + 7 < length {
                dayOfMonth += 7
            }
            dayOfYear = firstOfMonth - CivilDate.days(year: year, month: 1, day: 1) + dayOfMonth
        }
        return dayOfYear * 86_400 + transition.time
    }

    /// A cursor over a TZ string with Go's `tzsetName`/`tzsetOffset`/`tzsetRule`/`tzsetNum` rules.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// A zone abbreviation: `<...>` (anything up to `>`), or at least three bytes up to a digit,
        /// `,`, `-` or `+`. Only its extent matters here.
        mutating func name() -> Bool {
            if consume(UInt8(ascii: "<")) {
                guard let close = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { return false }
                index = close + 1
                return true
            }
            let start = index
            while let byte = peek, !Self.isDigit(byte), byte != UInt8(ascii: ","),
                  byte != UInt8(ascii: "-"), byte != UInt8(ascii: "+") {
                index += 1
            }
            return index - start >= 3
        }

        /// `[+-]hh[:mm[:ss]]` in seconds, hours up to 168 (tzcode's limit, which Go keeps).
        mutating func offset() -> Int? {
            var negative = false
            if consume(UInt8(ascii: "+")) {
            } else if consume(UInt8(ascii: "-")) {
                negative = true
            }
            guard let hours = number(in: 0...(24 * 7)) else { return nil }
            var total = hours * 3600
            if consume(UInt8(ascii: ":")) {
                guard let minutes = number(in: 0...59) else { return nil }
                total += minutes * 60
                if consume(UInt8(ascii: ":")) {
                    guard let seconds = number(in: 0...59) else { return nil }
                    total += seconds
                }
            }
            return negative ? -total : total
        }

        /// `Jn`, `n` or `Mm.w.d`, then an optional `/time` (default 02:00).
        mutating func transition() -> Transition? {
            let day: Day
            if consume(UInt8(ascii: "J")) {
                guard let julian = number(in: 1...365) else { return nil }
                day = .julian(julian)
            } else if consume(UInt8(ascii: "M")) {
                guard let month = number(in: 1...12), consume(UInt8(ascii: ".")),
                      let week = number(in: 1...5), consume(UInt8(ascii: ".")),
                      let weekday = number(in: 0...6) else { return nil }
                day = .monthWeekDay(month: month, week: week, weekday: weekday)
            } else {
                guard let zeroBased = number(in: 0...365) else { return nil }
                day = .zeroBased(zeroBased)
            }
            var time = 7200
            if consume(UInt8(ascii: "/")) {
                guard let explicit = offset() else { return nil }
                time = explicit
            }
            return Transition(day: day, time: time)
        }

        /// A decimal number within `range`; nil when absent or out of range.
        mutating func number(in range: ClosedRange<Int>) -> Int? {
            var value = 0
            var digits = 0
            while let byte = peek, Self.isDigit(byte) {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard value <= range.upperBound else { return nil }
                digits += 1
                index += 1
            }
            return digits > 0 && value >= range.lowerBound ? value : nil
        }

        static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (Howard Hinnant's algorithms).
enum CivilDate {
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of the given date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year containing the day `days` since 1970-01-01.
    static func year(ofDay days: Int) -> Int {
        let shifted = days + 719_468
        let era = shifted.floorDiv(146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        return yearOfEra + era * 400 + (shiftedMonth >= 10 ? 1 : 0)
    }
}

fileprivate extension Int {
    /// Division rounding toward negative infinity.
    func floorDiv(_ divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// The remainder of `floorDiv`, always in `0..<divisor` for a positive divisor.
    func floorMod(_ divisor: Int) -> Int { self - floorDiv(divisor) * divisor }
}
