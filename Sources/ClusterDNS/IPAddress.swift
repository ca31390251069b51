#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 address as its four bytes.
public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        self.bytes = bytes
    }

    /// Dotted quad only (`inet_pton` rules: no leading zeros trickery, no short forms).
    public init?(_ text: String) {
        var raw = in_addr()
        guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &raw) { Array($0) }
    }

    public var description: String { bytes.map(String.init).joined(separator: ".") }
}

/// An IPv6 address as its sixteen bytes.
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public init?(_ text: String) {
        var raw = in6_addr()
        guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &raw) { Array($0) }
    }

    /// The canonical text form (RFC 5952, as `inet_ntop` writes it).
    public var description: String {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Either family: what Services and EndpointSlices carry.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: String) {
        if let v4 = IPv4Address(text) { self = .v4(v4) } else if let v6 = IPv6Address(text) { self = .v6(v6) } else { return nil }
    }

    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }

    /// The name of its PTR record, lower-cased and without the trailing dot
    /// (`4.3.2.1.in-addr.arpa`, nibbles under `ip6.arpa`).
    public var reverseKey: String {
        switch self {
        case .v4(let address):
            return address.bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa"
        case .v6(let address):
            let hex = Array("0123456789abcdef")
            var nibbles: [Character] = []
            for byte in address.bytes.reversed() {
                nibbles.append(hex[Int(byte & 0xF)])
                nibbles.append(hex[Int(byte >> 4)])
            }
            return nibbles.map(String.init).joined(separator: ".") + ".ip6.arpa"
        }
    }

    /// The address a reverse name stands for, or nil when the name is not a full reverse name.
    public init?(reverseName name: DNSName) {
        let key = name.key
        if key.hasSuffix(".in-addr.arpa") {
            let parts = key.dropLast(".in-addr.arpa".count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            let bytes = parts.reversed().compactMap { UInt8($0) }
            guard bytes.count == 4, parts.allSatisfy({ $0.count <= 3 && !$0.isEmpty }) else { return nil }
            self = .v4(IPv4Address(bytes: bytes)!)
        } else if key.hasSuffix(".ip6.arpa") {
            let parts = key.dropLast(".ip6.arpa".count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 32 else { return nil }
            let nibbles = parts.reversed().compactMap { $0.count == 1 ? UInt8($0, radix: 16) : nil }
            guard nibbles.count == 32 else { return nil }
            var bytes: [UInt8] = []
            for index in stride(from: 0, to: 32, by: 2) { bytes.append(nibbles[index] << 4 | nibbles[index + 1]) }
            self = .v6(IPv6Address(bytes: bytes)!)
        } else {
            return nil
        }
    }
}

/// An address range such as the service or pod network (`10.43.0.0/16`).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = Int(parts[1]) else { return nil }
        let bits = address.bytes.count * 8
        guard (0...bits).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
    }

    public func contains(_ other: IPAddress) -> Bool {
        let mine = address.bytes, theirs = other.bytes
        guard mine.count == theirs.count else { return false }
        var left = prefixLength
        for index in mine.indices where left > 0 {
            let take = min(8, left)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if mine[index] & mask != theirs[index] & mask { return false }
            left -= take
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

extension IPAddress {
    var bytes: [UInt8] {
        switch self {
        case .v4(let address): address.bytes
        case .v6(let address): address.bytes
        }
    }
}
