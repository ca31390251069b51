import FoundationEssentials

/// The address family of a proxy table. Only IPv4 is generated today; the ruleset is written
/// through these names so an `ip6` table needs only a new case and an IPv6 model.
public enum IPFamily: String, Sendable, Hashable {
    case ipv4

    /// nft's table family.
    var tableFamily: String { "ip" }
    /// The element type of an address in sets and maps.
    var addressType: String { "ipv4_addr" }
    /// The payload keyword of the network header (`ip saddr`, `ip daddr`).
    var header: String { "ip" }
    var loopback: String { "127.0.0.1" }
}

/// What the ruleset depends on besides the Services.
public struct RulesetOptions: Sendable, Hashable {
    /// The table the proxy owns (rewritten as a whole on every sync).
    public var tableName: String
    public var family: IPFamily
    /// This node's name: which endpoints are local for `Local` traffic policies.
    public var nodeName: String?
    /// The pod network: traffic to a ClusterIP from outside it is masqueraded (nil: never).
    public var clusterCIDR: String?
    /// Addresses NodePorts answer on; nil: every local address (`fib daddr type local`).
    /// When set, the loopback address is added (a NodePort on 127.0.0.1 works as upstream's does).
    public var nodePortAddresses: [String]?
    /// Priority offset of the filter chains relative to NAT (upstream's dstnat - 10).
    public static let filterPriority = -110

    public init(tableName: String = "swiftlet", family: IPFamily = .ipv4, nodeName: String? = nil,
                clusterCIDR: String? = nil, nodePortAddresses: [String]? = nil) {
        self.tableName = tableName
        self.family = family
        self.nodeName = nodeName
        self.clusterCIDR = clusterCIDR
        self.nodePortAddresses = nodePortAddresses
    }

    /// Checks the settings that end up in the ruleset text, so a bad config fails at start-up
    /// rather than on every sync.
    public func validate() throws(ProxyError) {
        guard Names.isIdentifier(tableName) else { throw .invalidConfig("table name \"\(tableName)\" is not an nft identifier") }
        if let clusterCIDR, !IPv4.isValidCIDR(clusterCIDR) {
            throw .invalidConfig("clusterCIDR \"\(clusterCIDR)\" is not an IPv4 CIDR")
        }
        for address in nodePortAddresses ?? [] where !IPv4.isValid(address) {
            throw .invalidConfig("node address \"\(address)\" is not an IPv4 address")
        }
    }
}

extension Names {
    /// nft's identifier syntax: a letter or `_`, then letters, digits, `/`, `-`, `_`, `.`.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.count <= 64,
              ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "/-_.".unicodeScalars.contains($0)
        }
    }
}

/// Errors of the proxy library, with nft's own message where nft failed.
public struct ProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func invalidConfig(_ message: String) -> ProxyError { ProxyError("invalid proxy config: \(message)") }
    static func nftMissing(_ path: String) -> ProxyError {
        ProxyError("nft not found (\(path)): install the nftables package; swiftlet-proxy has no iptables fallback")
    }
    static func nftFailed(_ command: String, status: Int32, stderr: String) -> ProxyError {
        let detail = stderr.trimmedWhitespace
        return ProxyError("\(command) exited with status \(status)\(detail.isEmpty ? "" : ": \(detail)")")
    }
}
