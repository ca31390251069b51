import SwiftletJSON

/// One supervised component as the control socket reports it.
///
/// Times travel as RFC 3339 strings (`2024-05-01T12:00:00Z`); absent values are `null` so a
/// client sees every field of every component.
public struct ComponentStatus: Sendable, Equatable {
    /// The component's name in the role profile, e.g. `apiserver`.
    public var name: String
    /// The supervisor's state for it, e.g. `starting`, `running`, `backoff`, `stopped`, `failed`.
    public var state: String
    /// The running process, nil when there is none.
    public var pid: Int32?
    /// When the current process started (seconds since the Unix epoch, whole seconds on the wire),
    /// nil when there is none.
    public var startedAt: Double?
    /// Restarts since the supervisor started (not counting explicit `start`s).
    public var restarts: Int
    /// How the previous process ended, e.g. `exit 1` or `signal 9`; nil before the first exit.
    public var lastExit: String?
    /// The last `/readyz` probe passed.
    public var ready: Bool
    /// The last `/healthz` probe passed.
    public var healthy: Bool

    public init(
        name: String, state: String, pid: Int32? = nil, startedAt: Double? = nil, restarts: Int = 0,
        lastExit: String? = nil, ready: Bool = false, healthy: Bool = false
    ) {
        self.name = name
        self.state = state
        self.pid = pid
        self.startedAt = startedAt
        self.restarts = restarts
        self.lastExit = lastExit
        self.ready = ready
        self.healthy = healthy
    }

    /// The wire form. Optionals are explicit nulls: scripts reading `-o json` can rely on the keys.
    public var json: JSON {
        [
            "name": .string(name),
            "state": .string(state),
            "pid": pid.map { .int(Int64($0)) } ?? .null,
            "startedAt": startedAt.map { .string(RFC3339.format($0)) } ?? .null,
            "restarts": .int(Int64(restarts)),
            "lastExit": lastExit.map(JSON.string) ?? .null,
            "ready": .bool(ready),
            "healthy": .bool(healthy),
        ]
    }

    /// Reads the wire form; missing optional fields take their defaults.
    public init(json: JSON) throws(ControlError) {
        guard case .object = json else { throw ControlError("malformed response: a component is not an object") }
        guard let name = json["name"].stringValue, let state = json["state"].stringValue else {
            throw ControlError("malformed response: a component lacks \"name\" or \"state\"")
        }
        var startedAt: Double?
        if let text = json["startedAt"].stringValue {
            guard let seconds = RFC3339.parse(text) else {
                throw ControlError("malformed response: startedAt \"\(text)\" is not an RFC 3339 time")
            }
            startedAt = seconds
        }
        self.init(
            name: name, state: state, pid: json["pid"].intValue.flatMap { Int32(exactly: $0) }, startedAt: startedAt,
            restarts: json["restarts"].intValue.map { Int($0) } ?? 0, lastExit: json["lastExit"].stringValue,
            ready: json["ready"].boolValue ?? false, healthy: json["healthy"].boolValue ?? false)
    }
}

/// What a process's end looked like, in the `lastExit` spelling.
public enum ExitDescription {
    /// `exit 1` for a normal exit with a status.
    public static func exited(_ status: Int32) -> String { "exit \(status)" }
    /// `signal 9` for a process killed by a signal.
    public static func signaled(_ signal: Int32) -> String { "signal \(signal)" }
}

/// UTC timestamps in RFC 3339 form (`2024-05-01T12:00:00Z`), whole seconds, without Foundation.
public enum RFC3339 {
    public static func format(_ seconds: Double) -> String {
        let total = Int64(seconds.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = total - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3_600)):\(two(secondOfDay % 3_600 / 60)):\(two(secondOfDay % 60))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else.
    public static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == 0x2D, let month = number(5..<7), bytes[7] == 0x2D,
              let day = number(8..<10), bytes[10] == 0x54 || bytes[10] == 0x74,
              let hour = number(11..<13), bytes[13] == 0x3A, let minute = number(14..<16), bytes[16] == 0x3A,
              let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24,
              minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 0x2E {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        var offset: Int64 = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 0x5A, 0x7A:
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == bytes.count, let hours = number(index + 1..<index + 3), bytes[index + 3] == 0x3A,
                  let minutes = number(index + 4..<index + 6) else { return nil }
            offset = (hours * 3_600 + minutes * 60) * (bytes[index] == 0x2B ? 1 : -1)
        default:
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second - offset) + fraction
    }

    /// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
