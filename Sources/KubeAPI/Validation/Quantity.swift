/// A Kubernetes resource quantity (`100m`, `1Gi`, `2`, `1e3`, `500Mi`), as apimachinery
/// `resource.Quantity`: exact to the nano unit (finer values round up), compared by value, and
/// printed in canonical form (`1000m` -> `1`, `0.5Gi` -> `512Mi`, `1.5` -> `1500m`).
public struct Quantity: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The suffix family the quantity was written in; it decides the canonical spelling.
    public enum Format: Hashable, Sendable { case decimalSI, binarySI, decimalExponent }

    /// The value in units of 10^-9.
    public let nanos: Int128
    public let format: Format

    /// The message upstream gives for a string that is not a quantity at all.
    public static let formatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    public static let suffixError = "unable to parse quantity's suffix"

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(nanos: Int128, format: Format = .decimalSI) {
        self.nanos = nanos
        self.format = format
    }

    /// Parses a quantity; the error's description is upstream's message.
    public init(parsing text: String) throws(ParseError) {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if let f = bytes.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            negative = f == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        // Number part: digits with at most one '.', at least one digit.
        var intDigits: [UInt8] = []
        var fracDigits: [UInt8] = []
        var seenDot = false
        while let c = bytes.first, (c >= 48 && c <= 57) || c == UInt8(ascii: ".") {
            if c == UInt8(ascii: ".") {
                if seenDot { throw ParseError(description: Quantity.formatError) }
                seenDot = true
            } else if seenDot {
                fracDigits.append(c - 48)
            } else {
                intDigits.append(c - 48)
            }
            bytes = bytes.dropFirst()
        }
        guard !(intDigits.isEmpty && fracDigits.isEmpty) else { throw ParseError(description: Quantity.formatError) }
        let suffix = String(decoding: bytes, as: UTF8.self)
        // The regex's suffix class, checked before the suffix's meaning.
        let suffixShape = suffix.utf8.drop { "eEinumkKMGTP".utf8.contains($0) }.drop { $0 == 43 || $0 == 45 }
        guard suffixShape.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw ParseError(description: Quantity.formatError) }

        var exp10 = 0
        var exp2 = 0
        var format = Format.decimalSI
        switch suffix {
        case "": break
        case "n": exp10 = -9
        case "u": exp10 = -6
        case "m": exp10 = -3
        case "k": exp10 = 3
        case "M": exp10 = 6
        case "G": exp10 = 9
        case "T": exp10 = 12
        case "P": exp10 = 15
        case "E": exp10 = 18
        case "Ki", "Mi", "Gi", "Ti", "Pi", "Ei":
            format = .binarySI
            exp2 = 10 * (["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].firstIndex(of: suffix)! + 1)
        default:
            guard let first = suffix.first, first == "e" || first == "E",
                  let e = Int(suffix.dropFirst()), abs(e) <= 40 else {
                throw ParseError(description: Quantity.suffixError)
            }
            format = .decimalExponent
            exp10 = e
        }
        // Too many digits cannot be held exactly; upstream would keep them, we refuse.
        let significant = (intDigits.drop { $0 == 0 }).count + fracDigits.count
        guard significant <= 30 else { throw ParseError(description: "quantity is too large or too precise") }

        var mantissa: Int128 = 0
        for d in intDigits + fracDigits { mantissa = mantissa * 10 + Int128(d) }
        var scale = 9 + exp10 - fracDigits.count
        var value = mantissa
        do {
            for _ in 0..<exp2 {
                let (v, o) = value.multipliedReportingOverflow(by: 2)
                guard !o else { throw ParseError(description: "quantity is too large") }
                value = v
            }
            while scale > 0 {
                let (v, o) = value.multipliedReportingOverflow(by: 10)
                guard !o else { throw ParseError(description: "quantity is too large") }
                value = v
                scale -= 1
            }
            if scale < 0 {
                // Round up to the nano unit, as upstream does.
                var divisor: Int128 = 1
                for _ in 0 ..< min(-scale, 38) { divisor *= 10 }
                let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
                value = r == 0 ? q : q + 1
            }
        }
        self.nanos = negative ? -value : value
        self.format = format
    }

    /// Parses a JSON value: strings, and numbers that clients send unquoted.
    public init(json: JSON) throws(ParseError) {
        switch json {
        case .string(let s): try self.init(parsing: s)
        case .int(let i): try self.init(parsing: String(i))
        case .double(let d): try self.init(parsing: d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
        default: throw ParseError(description: Quantity.formatError)
        }
    }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.nanos < b.nanos }
    public static func == (a: Quantity, b: Quantity) -> Bool { a.nanos == b.nanos }
    public func hash(into h: inout Hasher) { h.combine(nanos) }

    public var isZero: Bool { nanos == 0 }
    public var isNegative: Bool { nanos < 0 }

    /// The canonical spelling upstream serializes (`CanonicalizeBytes`).
    public var description: String {
        let one: Int128 = 1_000_000_000
        if format == .binarySI, nanos <= -1024 * one || nanos >= 1024 * one, nanos % one == 0 {
            var amount = nanos / one
            var exp = 0
            while exp < 6, amount % 1024 == 0 {
                amount /= 1024
                exp += 1
            }
            return String(amount) + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exp]
        }
        if nanos == 0 { return "0" }
        var amount = nanos
        var exp = -9
        while amount % 10 == 0 {
            amount /= 10
            exp += 1
        }
        // Make the exponent a multiple of 3 by moving digits into the amount.
        let rem = ((exp % 3) + 3) % 3
        for _ in 0..<rem { amount *= 10 }
        exp -= rem
        if format == .decimalExponent {
            return String(amount) + (exp == 0 ? "" : "e\(exp)")
        }
        let suffixes: [Int: String] = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
        if let s = suffixes[exp] { return String(amount) + s }
        return String(amount) + "e\(exp)"
    }
}
