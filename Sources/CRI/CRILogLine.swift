/// One line of a container log file as the CRI runtime writes it:
/// `2026-11-28T16:56:28.779489969Z stdout F hello` (RFC 3339 time, stream, `F` for a full line or
/// `P` for a partial one, then the content).
public struct CRILogLine: Sendable, Hashable {
    /// Which of the container's output streams the line came from.
    public enum Stream: String, Sendable, Hashable {
        case stdout
        case stderr
    }

    /// The RFC 3339 timestamp with nanoseconds, as written.
    public var timestamp: String
    public var stream: Stream
    /// True for `P`: the content continues in the next line (a long line was split).
    public var isPartial: Bool
    public var content: String

    public init(timestamp: String, stream: Stream, isPartial: Bool, content: String) {
        self.timestamp = timestamp
        self.stream = stream
        self.isPartial = isPartial
        self.content = content
    }

    /// Parses one line (without its newline); nil when it is not in CRI log format.
    public init?(parsing line: some StringProtocol) {
        // Split off exactly three fields: the content may itself contain spaces.
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, !parts[0].isEmpty,
              let stream = Stream(rawValue: String(parts[1])) else { return nil }
        switch parts[2] {
        case "F": isPartial = false
        case "P": isPartial = true
        default: return nil
        }
        timestamp = String(parts[0])
        self.stream = stream
        content = parts.count == 4 ? String(parts[3]) : ""
    }
}
