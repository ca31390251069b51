import FoundationEssentials
import Glibc
import SwiftletSystem
import KubeAPI

/// The node's CNI network: a Linux bridge with host-local IPAM over the node's `spec.podCIDR`,
/// hairpin mode (a pod reaching itself through a Service), and portmap for `hostPort`s. Traffic
/// leaving the cluster network is masqueraded by one node-wide nftables rule (`PodMasquerade`),
/// not by the bridge plugin's per-pod iptables rules (`ipMasq`). containerd's CRI plugin reads the file from its
/// `conf_dir` and reports NetworkReady once it exists; it picks up changes live.
public struct CNIConfig: Sendable, Equatable {
    /// The network name (also host-local's data subdirectory).
    public var name = "swiftlet"
    /// The bridge device on the host; the pods' gateway address is its first address.
    public var bridge = "swiftlet0"
    /// The node's pod range, e.g. `10.42.0.0/24`.
    public var podCIDR: String
    /// Where host-local records its allocations (it must survive restarts, so not under /run).
    public var ipamDataDirectory: String
    /// `10-swiftlet.conflist`: sorted first among the configs of the directory.
    public static let fileName = "10-swiftlet.conflist"

    public init(podCIDR: String, ipamDataDirectory: String) {
        self.podCIDR = podCIDR
        self.ipamDataDirectory = ipamDataDirectory
    }

    /// The conflist JSON (CNI spec 1.0.0: bridge + portmap).
    public func rendered() -> String {
        let bridgePlugin: JSON = [
            "type": "bridge", "bridge": .string(bridge), "isGateway": true, "ipMasq": false, "hairpinMode": true,
            "ipam": [
                "type": "host-local",
                "ranges": [[["subnet": .string(podCIDR)]]],
                "routes": [["dst": "0.0.0.0/0"]],
                "dataDir": .string(ipamDataDirectory),
            ],
        ]
        let portmap: JSON = ["type": "portmap", "capabilities": ["portMappings": true]]
        let list: JSON = ["cniVersion": "1.0.0", "name": .string(name), "plugins": [bridgePlugin, portmap]]
        return list.prettyString + "\n"
    }

    /// Writes the conflist into `directory` (atomically, 0644) unless it already has this content;
    /// returns whether it wrote.
    @discardableResult
    public func write(toDirectory directory: String) throws -> Bool {
        let path = directory + "/" + Self.fileName
        let text = rendered()
        if let existing = WholeFile.text(path), existing == text { return false }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ipamDataDirectory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return true
    }

    /// Whether `cidr` is an IPv4 range `a.b.c.d/n` (n 8...30), the only kind this network supports.
    public static func isValidIPv4CIDR(_ cidr: String) -> Bool {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (8...30).contains(bits) else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false }
    }
}
