import KubeAPI

/// An IPv4 CIDR such as `10.42.0.0/16`.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    public var address: UInt32
    public var prefix: Int

    /// Parses `a.b.c.d/n`; the address is masked to the network.
    public init(parsing text: String) throws(ControllerInputError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix),
              PodAddress.isIPv4(String(parts[0])) else {
            throw ControllerInputError("invalid CIDR \"\(text)\": expected an IPv4 network such as 10.42.0.0/16")
        }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        let value = octets.reduce(UInt32(0)) { ($0 << 8) | $1 }
        self.prefix = prefix
        self.address = value & IPv4CIDR.mask(prefix)
    }

    init(address: UInt32, prefix: Int) {
        self.address = address
        self.prefix = prefix
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }

    public var description: String {
        "\(address >> 24).\((address >> 16) & 255).\((address >> 8) & 255).\(address & 255)/\(prefix)"
    }
}

/// The node IPAM range allocator (upstream pkg/controller/nodeipam, RangeAllocator): one
/// `/nodeMaskSize` per node from the cluster CIDR, lowest free first. Stable: a node keeps its
/// `spec.podCIDR`, and an allocation not yet seen in the cache is reused rather than duplicated.
/// A deleted node's range is free again.
public struct NodeIPAMAllocator: Sendable {
    public let clusterCIDR: IPv4CIDR
    public let nodeMaskSize: Int
    /// Ranges handed out whose patch may not be visible in the cache yet: node name -> index.
    private var pending: [String: UInt32] = [:]

    /// - Throws: for an unparsable cluster CIDR or a node mask that does not fit inside it.
    public init(clusterCIDR: String = "10.42.0.0/16", nodeMaskSize: Int = 24) throws(ControllerInputError) {
        let cidr = try IPv4CIDR(parsing: clusterCIDR)
        guard nodeMaskSize >= cidr.prefix, nodeMaskSize <= 32, nodeMaskSize - cidr.prefix <= 24 else {
            throw ControllerInputError("node CIDR mask size /\(nodeMaskSize) does not fit cluster CIDR \(cidr) (must be between /\(cidr.prefix) and /\(min(32, cidr.prefix + 24)))")
        }
        self.clusterCIDR = cidr
        self.nodeMaskSize = nodeMaskSize
    }

    var capacity: UInt32 { UInt32(1) << UInt32(nodeMaskSize - clusterCIDR.prefix) }

    func cidr(at index: UInt32) -> IPv4CIDR {
        IPv4CIDR(address: clusterCIDR.address | (index << UInt32(32 - nodeMaskSize)), prefix: nodeMaskSize)
    }

    /// The index of `cidr` in the cluster range, nil when it is not one of its node ranges.
    func index(of cidr: IPv4CIDR) -> UInt32? {
        guard cidr.prefix == nodeMaskSize,
              cidr.address & IPv4CIDR.mask(clusterCIDR.prefix) == clusterCIDR.address else { return nil }
        return (cidr.address - clusterCIDR.address) >> UInt32(32 - nodeMaskSize)
    }

    /// Allocates for every node without a `spec.podCIDR`.
    /// - Returns: merge patches of `spec.podCIDR`/`spec.podCIDRs`, and Warning events for nodes that
    ///   got none (`CIDRNotAvailable`) or carry a range the allocator cannot account for.
    public mutating func sync(nodes: [JSON]) -> [ControllerAction] {
        var actions: [ControllerAction] = []
        var used: Set<UInt32> = []
        let names = Set(nodes.map(Meta.name))
        pending = pending.filter { names.contains($0.key) }
        var needing: [JSON] = []
        for node in nodes.sorted(by: { Meta.name($0) < Meta.name($1) }) where !Meta.name(node).isEmpty {
            guard let text = node["spec"]["podCIDR"].stringValue, !text.isEmpty else {
                needing.append(node)
                continue
            }
            pending.removeValue(forKey: Meta.name(node))
            do {
                let cidr = try IPv4CIDR(parsing: text)
                if let index = index(of: cidr) { used.insert(index) }
                // A range outside the cluster CIDR was set by someone else; it is left alone.
            } catch {
                actions.append(.warning(node, reason: "CIDRAssignmentFailed", message: "Node \(Meta.name(node)) has an unparsable spec.podCIDR: \(error.message)"))
            }
        }
        used.formUnion(pending.values)
        var next: UInt32 = 0
        for node in needing {
            let name = Meta.name(node)
            let index: UInt32
            if let reserved = pending[name] {
                index = reserved
            } else {
                while next < capacity && used.contains(next) { next += 1 }
                guard next < capacity else {
                    actions.append(.warning(node, reason: "CIDRNotAvailable", message: "Node \(name) status is now: CIDRNotAvailable"))
                    continue
                }
                index = next
                used.insert(index)
                pending[name] = index
            }
            let cidr = cidr(at: index).description
            actions.append(.patch(.nodes, namespace: nil, name: name,
                                  patch: ["spec": ["podCIDR": .string(cidr), "podCIDRs": [.string(cidr)]]],
                                  patchType: .merge, subresource: nil))
        }
        return actions
    }
}
