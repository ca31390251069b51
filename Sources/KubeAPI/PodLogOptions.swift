import FoundationEssentials

/// The log query of `GET /api/v1/namespaces/{ns}/pods/{name}/log` and of the kubelet's
/// `/containerLogs/{ns}/{pod}/{container}` (upstream `PodLogOptions`): `follow`, `tailLines`,
/// `sinceSeconds` or `sinceTime`, `timestamps`, `previous`, `limitBytes` (`container` is the
/// apiserver's to resolve). Bad values are 400/422 with upstream's wording.
public struct PodLogOptions: Sendable, Equatable {
    public var follow = false
    /// Only the last N records of the file (counted before `since` filtering, as upstream's tail).
    public var tailLines: Int?
    /// Records written before this instant are skipped (`sinceTime`, or now - `sinceSeconds`).
    public var since: Date?
    /// Prefix each record with its RFC 3339 time (nine fraction digits) and a space.
    public var timestamps = false
    /// The previous (terminated) run of the container instead of the current one.
    public var previous = false
    /// Stop after this many bytes of output (the last record may be cut).
    public var limitBytes: Int?

    public init() {}

    /// Parses the query; `now` anchors `sinceSeconds`.
    public init(query: [(name: String, value: String)], now: Date = Date()) throws(StatusError) {
        var sinceSeconds: Int?
        var sinceTime: Date?
        for (name, value) in query {
            switch name {
            case "follow": follow = try Self.bool(value, name)
            case "timestamps": timestamps = try Self.bool(value, name)
            case "previous": previous = try Self.bool(value, name)
            case "tailLines":
                let n = try Self.int(value, name)
                guard n >= 0 else { throw Self.invalid(name, value, "must be greater than or equal to 0") }
                tailLines = n
            case "limitBytes":
                let n = try Self.int(value, name)
                guard n >= 1 else { throw Self.invalid(name, value, "must be greater than 0") }
                limitBytes = n
            case "sinceSeconds":
                let n = try Self.int(value, name)
                guard n >= 1 else { throw Self.invalid(name, value, "must be greater than 0") }
                sinceSeconds = n
            case "sinceTime":
                guard let time = RFC3339Time(value)?.date else {
                    throw StatusError.badRequest("invalid sinceTime \"\(value)\": not an RFC 3339 time")
                }
                sinceTime = time
            default:
                continue  // unknown parameters are ignored, as Go's query decoding does
            }
        }
        if sinceSeconds != nil, sinceTime != nil {
            throw StatusError.badRequest("at most one of `sinceTime` or `sinceSeconds` may be specified")
        }
        if let sinceSeconds { since = now.addingTimeInterval(-Double(sinceSeconds)) } else { since = sinceTime }
    }

    /// The query string the apiserver forwards to the kubelet (only what is set).
    public var queryString: String {
        var items: [String] = []
        if follow { items.append("follow=true") }
        if previous { items.append("previous=true") }
        if timestamps { items.append("timestamps=true") }
        if let tailLines { items.append("tailLines=\(tailLines)") }
        if let limitBytes { items.append("limitBytes=\(limitBytes)") }
        if let since { items.append("sinceTime=\(RFC3339Time.format(since))") }
        return items.joined(separator: "&")
    }

    static func bool(_ value: String, _ name: String) throws(StatusError) -> Bool {
        switch value.lowercased() {
        case "", "true", "1", "t": return true  // `?follow` alone means true for Go's decoder too
        case "false", "0", "f": return false
        default: throw StatusError.badRequest("invalid \(name) \"\(value)\": not a boolean")
        }
    }

    static func int(_ value: String, _ name: String) throws(StatusError) -> Int {
        guard let n = Int(value) else { throw StatusError.badRequest("invalid \(name) \"\(value)\": not an integer") }
        return n
    }

    static func invalid(_ name: String, _ value: String, _ detail: String) -> StatusError {
        StatusError.invalid(kind: "PodLogOptions", name: "", causes: [
            StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(value): \(detail)", field: name),
        ])
    }
}

/// An RFC 3339 time kept to the nanosecond, as CRI log files and `sinceTime` carry it.
public struct RFC3339Time: Sendable, Equatable {
    /// Seconds since the epoch (UTC).
    public var seconds: Int64
    public var nanoseconds: Int32
    /// The zone as written (`Z`, `+02:00`).
    public var zone: String
    /// The wall-clock part as written, without fraction (`2026-11-28T16:56:28`).
    var wallClock: String

    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }

    /// `2006-01-02T15:04:05.000000000Z07:00` (upstream's RFC3339NanoFixed), the zone as written.
    public var fixedNano: String {
        let digits = String(nanoseconds)
        return wallClock + "." + String(repeating: "0", count: 9 - digits.count) + digits + zone
    }

    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for b in bytes[range] {
                guard b >= 48, b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var nanos = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }
        let zoneText = String(decoding: bytes[index...], as: UTF8.self)
        var offset = 0
        if zoneText == "Z" || zoneText == "z" {
            offset = 0
        } else {
            let z = Array(zoneText.utf8)
            guard z.count == 6, z[0] == UInt8(ascii: "+") || z[0] == UInt8(ascii: "-"), z[3] == UInt8(ascii: ":"),
                  let h = number(index + 1..<index + 3), let m = number(index + 4..<index + 6) else { return nil }
            offset = (h * 3600 + m * 60) * (z[0] == UInt8(ascii: "-") ? -1 : 1)
        }
        seconds = Int64(Timestamp.daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offset)
        nanoseconds = Int32(nanos)
        zone = zoneText
        wallClock = String(decoding: bytes[0..<19], as: UTF8.self)
    }

    /// A UTC time in the fixed nine-digit form.
    public static func format(_ date: Date) -> String {
        let total = date.timeIntervalSince1970
        var seconds = Int64(total.rounded(.down))
        var nanos = Int64(((total - Double(seconds)) * 1e9).rounded())
        if nanos >= 1_000_000_000 { seconds += 1; nanos -= 1_000_000_000 }
        let (year, month, day) = Timestamp.civilFromDays(Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
        let secondOfDay = Int((seconds % 86_400 + 86_400) % 86_400)
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(Int(nanos), 9))Z"
    }
}
