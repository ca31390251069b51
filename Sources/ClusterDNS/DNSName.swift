/// A domain name as its labels (raw bytes: DNS labels are not necessarily text). Comparison and
/// hashing ignore ASCII case, as DNS names do (RFC 4343).
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    public var labels: [[UInt8]]

    public init(labels: [[UInt8]]) { self.labels = labels }

    /// Parses dotted text; a trailing dot is optional and `.` or the empty string is the root.
    public init(_ text: String) {
        labels = text.split(separator: ".", omittingEmptySubsequences: true).map { Array($0.utf8) }
    }

    public static let root = DNSName(labels: [])

    /// Dotted, lower-cased, without the trailing dot: the key of the zone and cache tables.
    public var key: String { Self.key(of: labels[...]) }

    static func key(of labels: ArraySlice<[UInt8]>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(labels.reduce(0) { $0 + $1.count + 1 })
        for label in labels {
            if !out.isEmpty { out.append(UInt8(ascii: ".")) }
            for byte in label { out.append(byte >= 65 && byte <= 90 ? byte | 0x20 : byte) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Dotted with the trailing dot (`svc.cluster.local.`).
    public var description: String {
        labels.isEmpty ? "." : labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".") + "."
    }

    /// True when this name equals `zone` or lies below it.
    public func isSubdomain(of zone: DNSName) -> Bool {
        guard labels.count >= zone.labels.count else { return false }
        return DNSName(labels: Array(labels.suffix(zone.labels.count))) == zone
    }

    /// The labels left of `zone` (call only when `isSubdomain(of: zone)`).
    public func prefixLabels(before zone: DNSName) -> [[UInt8]] {
        Array(labels.dropLast(zone.labels.count))
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.labels.count == rhs.labels.count else { return false }
        for (a, b) in zip(lhs.labels, rhs.labels) {
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where lower(x) != lower(y) { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.lower(byte)) }
        }
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }
}
