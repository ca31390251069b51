import SwiftletJSON

/// The transport protocol of a service port, spelled as nft spells it.
public enum ServiceProtocol: String, Sendable, Hashable, Comparable, CaseIterable {
    case tcp, udp, sctp

    /// `TCP`, `UDP`, `SCTP` as the API spells them (nil: absent, which means TCP).
    init?(api: String?) {
        switch api {
        case nil, "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Identifies one port of one Service: `namespace/name/protocol/portName` (upstream's
/// `ServicePortName`). The port name is the port number when the port is unnamed.
public struct ServicePortName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public var portName: String
    public var `protocol`: ServiceProtocol

    public init(namespace: String, name: String, portName: String, protocol: ServiceProtocol) {
        self.namespace = namespace
        self.name = name
        self.portName = portName
        self.protocol = `protocol`
    }

    public var description: String { "\(namespace)/\(name)/\(`protocol`.rawValue)/\(portName)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}

/// One backend of a service port, from an EndpointSlice.
public struct ServiceEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ip: String
    public var port: Int
    /// `conditions.ready` (absent means ready, as the API documents).
    public var ready: Bool
    /// `conditions.serving` (absent: same as ready).
    public var serving: Bool
    /// `conditions.terminating` (absent: false).
    public var terminating: Bool
    public var nodeName: String?

    public init(ip: String, port: Int, ready: Bool = true, serving: Bool? = nil, terminating: Bool = false, nodeName: String? = nil) {
        self.ip = ip
        self.port = port
        self.ready = ready
        self.serving = serving ?? ready
        self.terminating = terminating
        self.nodeName = nodeName
    }

    public var description: String { "\(ip):\(port)" }

    /// Sorted by address as numbers, so 10.0.0.9 comes before 10.0.0.10 in every ruleset.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        let (l, r) = (IPv4.parse(lhs.ip) ?? 0, IPv4.parse(rhs.ip) ?? 0)
        return l != r ? l < r : lhs.port < rhs.port
    }
}

/// Everything the ruleset needs about one service port.
public struct ServicePortInfo: Sendable, Hashable {
    public var name: ServicePortName
    /// IPv4 cluster IPs (empty for a headless Service, which is not proxied).
    public var clusterIPs: [String]
    public var port: Int
    public var nodePort: Int?
    /// `status.loadBalancer.ingress[].ip`.
    public var loadBalancerIPs: [String]
    public var externalIPs: [String]
    /// ClientIP session affinity timeout (nil: no affinity).
    public var affinityTimeoutSeconds: Int?
    /// `externalTrafficPolicy: Local` on a Service reachable from outside (NodePort, LB, externalIPs).
    public var externalPolicyLocal: Bool
    /// `internalTrafficPolicy: Local`.
    public var internalPolicyLocal: Bool
    /// Deduplicated and sorted.
    public var endpoints: [ServiceEndpoint]

    public init(name: ServicePortName, clusterIPs: [String], port: Int, nodePort: Int? = nil,
                loadBalancerIPs: [String] = [], externalIPs: [String] = [], affinityTimeoutSeconds: Int? = nil,
                externalPolicyLocal: Bool = false, internalPolicyLocal: Bool = false, endpoints: [ServiceEndpoint] = []) {
        self.name = name
        self.clusterIPs = clusterIPs
        self.port = port
        self.nodePort = nodePort
        self.loadBalancerIPs = loadBalancerIPs
        self.externalIPs = externalIPs
        self.affinityTimeoutSeconds = affinityTimeoutSeconds
        self.externalPolicyLocal = externalPolicyLocal
        self.internalPolicyLocal = internalPolicyLocal
        self.endpoints = Array(Set(endpoints)).sorted()
    }

    /// Reachable from outside the cluster network: a NodePort, LB ingress or external IPs.
    public var isExternallyAccessible: Bool {
        nodePort != nil || !loadBalancerIPs.isEmpty || !externalIPs.isEmpty
    }

    /// The endpoints cluster-wide traffic goes to: the ready ones, else (as upstream, so a
    /// rolling update does not drop connections) the serving ones that are terminating.
    public var clusterEndpoints: [ServiceEndpoint] {
        let ready = endpoints.filter(\.ready)
        return ready.isEmpty ? endpoints.filter { $0.serving && $0.terminating } : ready
    }

    /// The endpoints node-local traffic goes to, by the same rule restricted to `nodeName`.
    public func localEndpoints(nodeName: String?) -> [ServiceEndpoint] {
        guard let nodeName else { return [] }
        let local = endpoints.filter { $0.nodeName == nodeName }
        let ready = local.filter(\.ready)
        return ready.isEmpty ? local.filter { $0.serving && $0.terminating } : ready
    }
}

/// An object left out of the model, and why (logged; the rest of the sync goes on).
public struct SkippedObject: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var key: String
    public var reason: String

    public var description: String { "\(kind) \(key): \(reason)" }
}

/// The proxy's view of the cluster: every proxied service port, sorted by name.
public struct ProxyModel: Sendable, Hashable {
    public var ports: [ServicePortInfo]
    public var skipped: [SkippedObject]

    public init(ports: [ServicePortInfo], skipped: [SkippedObject] = []) {
        self.ports = ports.sorted { $0.name < $1.name }
        self.skipped = skipped
    }
}

/// IPv4 text <-> number, strict (four decimal octets, no leading zeros beyond "0").
public enum IPv4 {
    /// Byte by byte: sorting 10,000 endpoints compares addresses hundreds of thousands of times.
    static func parse(_ text: String) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var leadingZero = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, dots, leadingZero) = (0, 0, dots + 1, false)
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                // "01" is refused: some parsers read it as octal.
                guard !leadingZero, digits < 3 else { return nil }
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    public static func isValid(_ text: String) -> Bool { parse(text) != nil }

    /// Sorted by the numbers (each address parsed once).
    static func sorted(_ addresses: some Sequence<String>) -> [String] {
        addresses.map { (parse($0) ?? 0, $0) }.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1)
    }

    /// `a.b.c.d/n` with a valid address and prefix length.
    public static func isValidCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isValid(String(parts[0])), let bits = Int(parts[1]), (0...32).contains(bits) else { return false }
        return true
    }
}
