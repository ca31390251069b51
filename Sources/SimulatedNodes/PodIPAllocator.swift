/// Hands out pod IPs from one node's IPv4 range, like CNI host-local IPAM: `.1` is the bridge
/// gateway, pods get the lowest free address from `.2` up; addresses are released when a pod ends.
/// A value type: the driver keeps one per node.
public struct PodIPAllocator: Sendable, Hashable {
    public let cidr: String
    let base: UInt32
    let size: UInt32
    /// owner key (pod uid) -> host offset.
    private(set) var owners: [String: UInt32] = [:]
    private var taken: Set<UInt32> = []

    /// nil for anything but an IPv4 CIDR with room for at least two pods (prefix up to /30).
    public init?(cidr: String) {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (8...30).contains(prefix),
              let address = PodIPAllocator.parseIPv4(String(parts[0])) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        self.cidr = cidr
        self.base = address & mask
        self.size = UInt32(1) << UInt32(32 - prefix)
    }

    /// The address of `owner`, allocating the lowest free one; the same owner always gets the same
    /// address back. nil when the range is full.
    public mutating func allocate(for owner: String) -> String? {
        if let offset = owners[owner] { return PodIPAllocator.format(base + offset) }
        // Skip the network address, the gateway (.1) and the broadcast address.
        var offset: UInt32 = 2
        while offset < size - 1 {
            if !taken.contains(offset) {
                taken.insert(offset)
                owners[owner] = offset
                return PodIPAllocator.format(base + offset)
            }
            offset += 1
        }
        return nil
    }

    /// Records an address a pod already has (after a restart of the simulator). False when the
    /// address is outside the range or held by another owner.
    @discardableResult
    public mutating func reserve(_ ip: String, for owner: String) -> Bool {
        guard let address = PodIPAllocator.parseIPv4(ip), address >= base, address - base < size else { return false }
        let offset = address - base
        if owners[owner] == offset { return true }
        guard offset >= 2, offset < size - 1, !taken.contains(offset), owners[owner] == nil else { return false }
        taken.insert(offset)
        owners[owner] = offset
        return true
    }

    public mutating func release(_ owner: String) {
        if let offset = owners.removeValue(forKey: owner) { taken.remove(offset) }
    }

    public var allocatedCount: Int { owners.count }

    static func parseIPv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }
}
