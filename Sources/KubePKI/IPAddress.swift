#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16 of them).
///
/// Addresses are compared by bytes, never by text, so "::1" and "0:0:0:0:0:0:0:1" are the same SAN.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no zone, no brackets).
    public init(_ text: String) throws {
        if let v4 = Self.parse(text, family: AF_INET, size: 4) {
            bytes = v4
        } else if let v6 = Self.parse(text, family: AF_INET6, size: 16) {
            bytes = v6
        } else {
            throw PKIError.invalidIPAddress(text)
        }
    }

    /// Wraps raw bytes, as found in a certificate's iPAddress SAN. Only 4 or 16 bytes are addresses.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// The canonical text form ("10.43.0.1", "fd00::1").
    public var description: String {
        let family = isIPv4 ? AF_INET : AF_INET6
        var output = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &output, socklen_t(output.count)) != nil
        }
        // inet_ntop cannot fail for a 4- or 16-byte input and a large enough buffer.
        precondition(ok, "inet_ntop failed for a well-formed address")
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func parse(_ text: String, family: Int32, size: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: size)
        let result = buffer.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return result == 1 ? buffer : nil
    }
}

/// An IP network in CIDR notation, e.g. the service range `10.43.0.0/16`.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let address: IPAddress
    /// The prefix length in bits.
    public let prefixLength: Int

    /// Parses "address/prefix". Host bits in the address are cleared, as Kubernetes (Go's
    /// `net.ParseCIDR`) does, so "10.43.0.7/16" means 10.43.0.0/16.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw PKIError.invalidCIDR(text, "expected address/prefix-length")
        }
        let parsed: IPAddress
        do {
            parsed = try IPAddress(String(parts[0]))
        } catch {
            throw PKIError.invalidCIDR(text, "\"\(parts[0])\" is not an IP address")
        }
        let bits = parsed.bytes.count * 8
        guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(parts[1]), prefix >= 0, prefix <= bits else {
            throw PKIError.invalidCIDR(text, "prefix length must be a number from 0 to \(bits)")
        }
        var masked = parsed.bytes
        for index in masked.indices {
            let keep = max(0, min(8, prefix - index * 8))
            masked[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        address = IPAddress(bytes: masked)!
        prefixLength = prefix
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether `ip` lies in this network.
    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.bytes.count == address.bytes.count else { return false }
        for index in ip.bytes.indices {
            let keep = max(0, min(8, prefixLength - index * 8))
            let mask: UInt8 = keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
            if ip.bytes[index] & mask != address.bytes[index] { return false }
        }
        return true
    }

    /// The first usable address: the network address plus one. For a service CIDR this is the
    /// `kubernetes` Service's ClusterIP (10.43.0.1 for 10.43.0.0/16).
    ///
    /// Throws when the network is too small to hold it: a /32 or /128 has no address after the
    /// network address, and in an IPv4 /31 the next address is the broadcast address.
    public func firstUsableAddress() throws -> IPAddress {
        let bits = address.bytes.count * 8
        let hostBits = bits - prefixLength
        // IPv4 needs room for network, one host and broadcast; IPv6 has no broadcast address.
        let minimumHostBits = address.isIPv4 ? 2 : 1
        guard hostBits >= minimumHostBits else {
            throw PKIError.invalidCIDR(description, "network is too small to have a usable address")
        }
        var next = address.bytes
        // Network address has all host bits zero, so adding one never carries past the last byte.
        next[next.count - 1] += 1
        return IPAddress(bytes: next)!
    }
}

/// The first usable IP of each CIDR in a comma-separated list ("10.43.0.0/16" or, dual-stack,
/// "10.43.0.0/16,fd00:43::/112"), as Kubernetes' `kubernetes` Service ClusterIP(s).
public func firstUsableAddresses(ofCIDRs list: String) throws -> [IPAddress] {
    let items = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
    guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
        throw PKIError.invalidCIDR(list, "expected one or more comma-separated CIDRs")
    }
    return try items.map { try IPNetwork($0).firstUsableAddress() }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: Character) -> String {
        String(self.drop { $0 == characters }.reversed().drop { $0 == characters }.reversed())
    }
}
