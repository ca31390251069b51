/// Decoders for the apimachinery types whose JSON form is not their protobuf structure.
enum ProtoWellKnown {
    static func decode(_ type: ProtoFieldType, _ bytes: ArraySlice<UInt8>,
                       context: String) throws(StatusError) -> JSON {
        var reader = ProtoWireReader(bytes)
        switch type {
        case .time:
            // An empty message is Go's zero time, which marshals as JSON null.
            guard !bytes.isEmpty else { return .null }
            var seconds: Int64 = 0
            var nanos: Int32 = 0
            while let (number, value) = try reader.nextField() {
                switch (number, value) {
                case (1, .varint(let v)): seconds = Int64(bitPattern: v)
                case (2, .varint(let v)): nanos = Int32(truncatingIfNeeded: v)
                case (1, _), (2, _): throw malformed(context, "Time")
                default: continue
                }
            }
            return .string(formatRFC3339(seconds: seconds, nanos: nanos))
        case .intOrString:
            var isString = false
            var intVal: Int32 = 0
            var strVal = ""
            while let (number, value) = try reader.nextField() {
                switch (number, value) {
                case (1, .varint(let v)): isString = v == 1
                case (2, .varint(let v)): intVal = Int32(truncatingIfNeeded: v)
                case (3, .bytes(let b)): strVal = try string(b, context)
                case (1...3, _): throw malformed(context, "IntOrString")
                default: continue
                }
            }
            return isString ? .string(strVal) : .int(Int64(intVal))
        case .quantity:
            var text = ""
            while let (number, value) = try reader.nextField() {
                switch (number, value) {
                case (1, .bytes(let b)): text = try string(b, context)
                case (1, _): throw malformed(context, "Quantity")
                default: continue
                }
            }
            return .string(text)
        case .duration:
            var nanos: Int64 = 0
            while let (number, value) = try reader.nextField() {
                switch (number, value) {
                case (1, .varint(let v)): nanos = Int64(bitPattern: v)
                case (1, _): throw malformed(context, "Duration")
                default: continue
                }
            }
            return .string(formatGoDuration(nanos))
        case .rawExtension, .fieldsV1:
            var raw: ArraySlice<UInt8> = []
            while let (number, value) = try reader.nextField() {
                switch (number, value) {
                case (1, .bytes(let b)): raw = b
                case (1, _): throw malformed(context, "raw JSON")
                default: continue
                }
            }
            // Nil raw bytes marshal as JSON null in Go.
            guard !raw.isEmpty else { return .null }
            do {
                return try JSON(parsing: raw)
            } catch {
                throw .badRequest("protobuf: field \(context) does not hold valid JSON: \(error)")
            }
        default:
            throw .internalError("protobuf: \(type) is not a well-known type")
        }
    }

    private static func string(_ bytes: ArraySlice<UInt8>, _ context: String) throws(StatusError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw .badRequest("protobuf: field \(context) is not valid UTF-8")
        }
        return s
    }

    private static func malformed(_ context: String, _ type: String) -> StatusError {
        .badRequest("protobuf: field \(context) is not a valid \(type) message")
    }

    /// RFC 3339 in UTC, as `metav1.Time` marshals: whole seconds, fraction dropped.
    static func formatRFC3339(seconds: Int64, nanos: Int32) -> String {
        // Floor division keeps times before 1970 on the right day.
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let hour = secondOfDay / 3600, minute = secondOfDay % 3600 / 60, second = secondOfDay % 60
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
    }

    /// Proleptic Gregorian date for a day count from 1970-01-01 (the well-known "days from civil"
    /// inversion, working in 400-year eras so leap rules fall out of the arithmetic).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Go's `time.Duration.String()`: `"1h2m3s"`, `"1.5s"`, `"300ms"`, `"0s"`.
    static func formatGoDuration(_ nanos: Int64) -> String {
        if nanos == 0 { return "0s" }
        let negative = nanos < 0
        let magnitude = nanos.magnitude
        var text: String
        if magnitude < 1_000_000_000 {
            // Sub-second values use the largest unit that keeps an integer part.
            let (unit, scale): (String, UInt64) =
                magnitude < 1_000 ? ("ns", 1) : magnitude < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            text = fraction(magnitude, scale) + unit
        } else {
            let totalSeconds = magnitude / 1_000_000_000
            let hours = totalSeconds / 3600, minutes = totalSeconds % 3600 / 60
            let secondsPart = fraction(magnitude % 60_000_000_000, 1_000_000_000) + "s"
            text = hours > 0 ? "\(hours)h\(minutes)m\(secondsPart)"
                : minutes > 0 ? "\(minutes)m\(secondsPart)" : secondsPart
        }
        return negative ? "-" + text : text
    }

    /// `value / scale` with trailing zeros of the fraction removed.
    private static func fraction(_ value: UInt64, _ scale: UInt64) -> String {
        let whole = value / scale, rest = value % scale
        guard rest != 0 else { return String(whole) }
        var digits = String(rest)
        digits = String(repeating: "0", count: String(scale).count - 1 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}

extension ProtoWellKnown {
    /// Standard base64 with padding, as Go's `encoding/json` writes `[]byte`.
    enum Base64 {
        private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

        static func encode(_ bytes: some Collection<UInt8>) -> String {
            var out: [UInt8] = []
            out.reserveCapacity((bytes.count + 2) / 3 * 4)
            var iterator = bytes.makeIterator()
            while let b0 = iterator.next() {
                let b1 = iterator.next(), b2 = iterator.next()
                let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
                out.append(alphabet[Int(n >> 18 & 63)])
                out.append(alphabet[Int(n >> 12 & 63)])
                out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
                out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
