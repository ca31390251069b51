/// Go's `time.ParseDuration` syntax (`"1s"`, `"1.5s"`, `"2m30s"`, `"300ms"`, `"1h"`), the form the
/// `swiftlet.io/simulated-duration` annotation takes. Negative durations are rejected: a pod cannot
/// finish before it starts.
public enum GoDuration {
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    private static let units: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        func fail() -> ParseError { ParseError(description: "time: invalid duration \"\(text)\"") }
        var rest = Substring(text)
        if rest.first == "+" { rest = rest.dropFirst() }
        if rest.first == "-" { throw ParseError(description: "duration \"\(text)\" is negative") }
        if rest == "0" { return .zero }
        guard !rest.isEmpty else { throw fail() }
        var seconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { throw fail() }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            // Longest unit first, so "ms" is not read as "m" followed by garbage.
            guard let unit = units.filter({ unitText == $0.0 }).first else {
                throw ParseError(description: unitText.isEmpty
                    ? "time: missing unit in duration \"\(text)\"" : "time: unknown unit \"\(unitText)\" in duration \"\(text)\"")
            }
            rest = rest.dropFirst(unitText.count)
            seconds += value * unit.1
        }
        guard seconds.isFinite, seconds < 1e9 else { throw fail() }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
