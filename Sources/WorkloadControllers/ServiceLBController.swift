import KubeAPI

/// A built-in load balancer in the manner of K3s's ServiceLB, without its per-node pods: a
/// `type: LoadBalancer` Service gets the addresses of the Ready nodes as its
/// `status.loadBalancer.ingress`, and the service proxy answers on them on every node.
public enum ServiceLBController {
    /// Nodes with this label are left out, as upstream's service controller does.
    public static let excludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers"

    /// - Parameters:
    ///   - service: the Service as cached.
    ///   - nodes: every cached Node.
    /// - Returns: a status update when the ingress list differs from the desired one; nothing for
    ///   Services another implementation owns (`spec.loadBalancerClass` set).
    public static func sync(service: JSON, nodes: [JSON]) -> [ControllerAction] {
        guard !Meta.isDeleting(service), service["spec"]["loadBalancerClass"].isNull else { return [] }
        let desired: [JSON]
        if service["spec"]["type"].stringValue == "LoadBalancer" {
            desired = ingressAddresses(nodes: nodes, families: families(service)).map { ["ip": .string($0)] }
        } else {
            // A Service that stopped being a LoadBalancer loses the addresses it was given.
            desired = []
        }
        let current = service["status"]["loadBalancer"]["ingress"].arrayValue ?? []
        guard current != desired else { return [] }
        var updated = service
        if updated["status"].isNull { updated["status"] = [:] }
        updated["status"]["loadBalancer"] = desired.isEmpty ? [:] : ["ingress": .array(desired)]
        return [.updateStatus(.services, namespace: Meta.namespace(service), object: updated)]
    }

    /// Per Ready node its ExternalIP addresses if it has any, else its InternalIP ones (K3s's
    /// choice), of the Service's IP families; sorted and deduplicated so the status is stable.
    static func ingressAddresses(nodes: [JSON], families: Set<String>) -> [String] {
        var addresses: Set<String> = []
        for node in nodes where isNodeReady(node) && Meta.labels(node)[excludeLabel] == nil && !Meta.isDeleting(node) {
            let all = node["status"]["addresses"].arrayValue ?? []
            func of(_ type: String) -> [String] {
                all.filter { $0["type"].stringValue == type }.compactMap { $0["address"].stringValue }
                    .filter { families.contains($0.contains(":") ? "IPv6" : "IPv4") }
            }
            let external = of("ExternalIP")
            addresses.formUnion(external.isEmpty ? of("InternalIP") : external)
        }
        return addresses.sorted { lhs, rhs in
            // IPv4 before IPv6, then by the numbers, so 10.0.0.9 precedes 10.0.0.10.
            let (l, r) = (sortKey(lhs), sortKey(rhs))
            return l != r ? l.lexicographicallyPrecedes(r) : lhs < rhs
        }
    }

    static func families(_ service: JSON) -> Set<String> {
        let listed = (service["spec"]["ipFamilies"].arrayValue ?? []).compactMap(\.stringValue)
        return listed.isEmpty ? ["IPv4"] : Set(listed)
    }

    /// The node's Ready condition is True.
    public static func isNodeReady(_ node: JSON) -> Bool {
        (node["status"]["conditions"].arrayValue ?? []).contains {
            $0["type"].stringValue == "Ready" && $0["status"].stringValue == "True"
        }
    }

    private static func sortKey(_ address: String) -> [Int] {
        if address.contains(":") { return [1] + address.split(separator: ":").map { Int($0, radix: 16) ?? 0 } }
        return [0] + address.split(separator: ".").map { Int($0) ?? 0 }
    }
}
