import ServiceProxy

/// Source NAT for pod traffic leaving the cluster network: one node-wide nftables table
/// (`ip swiftlet-pods`) the kubelet writes with the CNI config, in place of the bridge plugin's
/// `ipMasq`.
///
/// The bridge plugin's `ipMasq` ran iptables-nft four to six times at every pod start and again at
/// every stop (chain, rules, POSTROUTING jump per pod IP): 0.67 CPU-s of a 30-pod burst, as much as
/// containerd itself. It also masqueraded traffic to pods on other nodes, which must keep its
/// source address. This table does what flannel does for K3s: pod sources going anywhere but the
/// cluster network (or multicast) leave with the node's address.
public struct PodMasquerade: Sendable, Equatable {
    /// The table's name in the `ip` family (removed by `swiftlet killall`).
    public static let tableName = "swiftlet-pods"

    /// This node's pod range (`spec.podCIDR`).
    public var podCIDR: String
    /// Every node's pod ranges together: traffic to them is not masqueraded.
    public var clusterCIDR: String

    public init(podCIDR: String, clusterCIDR: String) {
        self.podCIDR = podCIDR
        self.clusterCIDR = clusterCIDR
    }

    /// The table as one nft transaction that replaces any earlier version of it.
    public func rendered() throws(ProxyError) -> String {
        for (name, cidr) in [("podCIDR", podCIDR), ("clusterCIDR", clusterCIDR)] where !IPv4.isValidCIDR(cidr) {
            throw ProxyError("pod masquerade: \(name) \"\(cidr)\" is not an IPv4 CIDR")
        }
        let table = Self.tableName
        return """
            add table ip \(table)
            delete table ip \(table)
            table ip \(table) {
                chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr \(podCIDR) ip daddr != \(clusterCIDR) ip daddr != 224.0.0.0/4 masquerade
                }
            }

            """
    }

    /// Writes the table (idempotent).
    public func apply(with nft: NFTables) throws(ProxyError) {
        try nft.apply(rendered())
    }
}
