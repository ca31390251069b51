/// The chains and affinity sets a ruleset leaves in the table (what the next sync must delete
/// when they are no longer generated).
public struct RulesetInventory: Sendable, Hashable {
    public var chains: Set<String> = []
    /// Name -> timeout in seconds.
    public var affinitySets: [String: Int] = [:]

    public init() {}
}

/// Writes the whole `nft -f` input for the proxy's table from a `ProxyModel`.
///
/// The text first adds and deletes the table (or, given the inventory of the table applied before,
/// flushes its rules and maps so ClientIP affinity entries survive), then declares it in full: nft
/// applies a file as one transaction, so the old rules are replaced atomically and a failure
/// leaves them untouched.
/// Established connections keep their NAT mapping in conntrack and are not disturbed.
///
/// Layout (upstream kube-proxy's nftables mode): NAT prerouting and output jump to `services`,
/// which looks up `daddr . l4proto . dport` in the `service-ips` map and NodePorts in
/// `service-nodeports`; each verdict goes to a per-port chain that load-balances with
/// `numgen random` into a map of endpoints to DNAT to (ClientIP affinity goes through
/// per-endpoint chains that remember the client in a timeout set, as upstream). Masquerading is decided by a mark set on the
/// way (off-cluster sources, external traffic) and done in postrouting, where a pod reaching
/// itself through a Service (hairpin) is masqueraded too. Filter chains before NAT refuse
/// ports with no endpoints at once (TCP reset, ICMP port unreachable) instead of letting them time
/// out, and drop external traffic of `Local` Services that have no endpoint on this node.
public struct RulesetGenerator: Sendable {
    public let options: RulesetOptions

    public init(options: RulesetOptions) {
        self.options = options
    }

    /// The full transaction text (deterministic for a given model and options).
    public func generate(_ model: ProxyModel) -> String {
        var plan = RulesetPlan(options: options)
        for port in model.ports { plan.add(port) }
        return plan.render().text
    }

    /// The transaction that turns the table left by an earlier ruleset (described by `previous`)
    /// into this one without losing ClientIP affinity entries; nil `previous` replaces the table.
    public func generate(_ model: ProxyModel, previous: RulesetInventory?) -> (text: String, inventory: RulesetInventory) {
        var plan = RulesetPlan(options: options)
        for port in model.ports { plan.add(port) }
        return plan.render(previous: previous)
    }

    /// The text that removes the table (and succeeds when it does not exist).
    public func cleanupText() -> String {
        let table = "\(options.family.tableFamily) \(options.tableName)"
        return "add table \(table)\ndelete table \(table)\n"
    }
}

/// The sets, maps and chains of one ruleset, collected service port by service port.
struct RulesetPlan {
    struct Chain {
        var name: String
        var rules: [String]
    }

    let options: RulesetOptions
    var serviceIPs: [String] = []
    var serviceNodePorts: [String] = []
    var noEndpointServices: [String] = []
    var noEndpointNodePorts: [String] = []
    /// External destinations of `Local` Services with no local endpoint: dropped unless NAT
    /// already sent them elsewhere (pods and the node itself go cluster-wide).
    var noLocalExternal: [String] = []
    var clusterIPs: Set<String> = []
    /// Every endpoint address: a connection DNATed back to its own source is masqueraded.
    var hairpin: Set<String> = []
    var affinitySets: [(name: String, timeout: Int)] = []
    var chains: [Chain] = []

    init(options: RulesetOptions) {
        self.options = options
    }

    var ip: String { options.family.header }

    mutating func add(_ port: ServicePortInfo) {
        let name = port.name.description
        let proto = port.name.protocol.rawValue
        let clusterChain = "svc-\(name)"
        let localChain = "local-\(name)"
        let externalChain = "ext-\(name)"
        let clusterEndpoints = port.clusterEndpoints
        let localEndpoints = port.localEndpoints(nodeName: options.nodeName)
        let hasEndpoints = !clusterEndpoints.isEmpty || !localEndpoints.isEmpty
        let usesLocal = port.internalPolicyLocal || port.externalPolicyLocal
        // External traffic may use the cluster chain either way (its policy, or the short-circuit of Local).
        let usesCluster = !port.internalPolicyLocal || port.isExternallyAccessible

        // Balancing DNATs straight from a numgen map; only ClientIP affinity needs a chain per
        // endpoint (to remember the client in that endpoint's set). Fewer chains matter: nft
        // applies 1,000 Services of 10 endpoints in a third of the time without 10,000 of them.
        var endpointChains: [ServiceEndpoint: String] = [:]
        let selected = Set((usesCluster ? clusterEndpoints : []) + (usesLocal ? localEndpoints : []))
        for endpoint in selected.sorted() {
            hairpin.insert(endpoint.ip)
            guard let timeout = port.affinityTimeoutSeconds else { continue }
            let suffix = "\(name)__\(endpoint.ip)/\(endpoint.port)"
            endpointChains[endpoint] = "ep-\(suffix)"
            affinitySets.append(("aff-\(suffix)", timeout))
            chains.append(Chain(name: "ep-\(suffix)", rules: [
                "update @aff-\(suffix) { \(ip) saddr }", "meta l4proto \(proto) dnat to \(endpoint.ip):\(endpoint.port)",
            ]))
        }

        func policyChain(_ chainName: String, _ endpoints: [ServiceEndpoint]) {
            var rules: [String] = []
            if let cidr = options.clusterCIDR {
                // Only internal traffic to the ClusterIP from off the pod network needs a source
                // the endpoint can answer to; this rule does not match external destinations.
                for clusterIP in port.clusterIPs {
                    rules.append("\(ip) daddr \(clusterIP) \(proto) dport \(port.port) \(ip) saddr != \(cidr) jump mark-for-masquerade")
                }
            }
            if port.affinityTimeoutSeconds != nil {
                for endpoint in endpoints {
                    let chain = endpointChains[endpoint]!
                    rules.append("\(ip) saddr @aff-\(chain.dropFirst(3)) goto \(chain)")
                }
                if endpoints.count == 1 {
                    rules.append("goto \(endpointChains[endpoints[0]]!)")
                } else if !endpoints.isEmpty {
                    let branches = endpoints.enumerated().map { "\($0.offset) : goto \(endpointChains[$0.element]!)" }
                    rules.append("numgen random mod \(endpoints.count) vmap { \(branches.joined(separator: ", ")) }")
                }
            } else if endpoints.count == 1 {
                rules.append("meta l4proto \(proto) dnat to \(endpoints[0].ip):\(endpoints[0].port)")
            } else if !endpoints.isEmpty {
                let branches = endpoints.enumerated().map { "\($0.offset) : \($0.element.ip) . \($0.element.port)" }
                rules.append("meta l4proto \(proto) dnat \(ip) to numgen random mod \(endpoints.count) map { \(branches.joined(separator: ", ")) }")
            }
            chains.append(Chain(name: chainName, rules: rules))
        }

        guard hasEndpoints else {
            // Nothing to send to: refuse at once rather than let clients time out.
            for address in port.clusterIPs + port.externalIPs + port.loadBalancerIPs {
                noEndpointServices.append("\(address) . \(proto) . \(port.port) : goto reject-chain")
            }
            if let nodePort = port.nodePort { noEndpointNodePorts.append("\(proto) . \(nodePort) : goto reject-chain") }
            clusterIPs.formUnion(port.clusterIPs)
            return
        }
        if usesCluster { policyChain(clusterChain, clusterEndpoints) }
        if usesLocal && !localEndpoints.isEmpty { policyChain(localChain, localEndpoints) }

        // Internal traffic: the ClusterIPs.
        clusterIPs.formUnion(port.clusterIPs)
        let internalHasEndpoints = port.internalPolicyLocal ? !localEndpoints.isEmpty : !clusterEndpoints.isEmpty
        for clusterIP in port.clusterIPs {
            if internalHasEndpoints {
                let target = port.internalPolicyLocal ? localChain : clusterChain
                serviceIPs.append("\(clusterIP) . \(proto) . \(port.port) : goto \(target)")
            } else {
                noEndpointServices.append("\(clusterIP) . \(proto) . \(port.port) : drop")
            }
        }

        // External traffic: external IPs, LB ingress IPs and the NodePort.
        guard port.isExternallyAccessible else { return }
        var external: [String] = []
        if port.externalPolicyLocal {
            // Pods and the node itself reach a Local Service cluster-wide (upstream's short-circuit);
            // only traffic from elsewhere keeps its source and stays on this node.
            if let cidr = options.clusterCIDR { external.append("\(ip) saddr \(cidr) goto \(clusterChain)") }
            external.append("fib saddr type local jump mark-for-masquerade")
            external.append("fib saddr type local goto \(clusterChain)")
            if !localEndpoints.isEmpty { external.append("goto \(localChain)") }
        } else {
            external.append("jump mark-for-masquerade")
            external.append("goto \(clusterChain)")
        }
        chains.append(Chain(name: externalChain, rules: external))
        let externalReachable = !port.externalPolicyLocal || !localEndpoints.isEmpty
        for address in port.externalIPs + port.loadBalancerIPs {
            serviceIPs.append("\(address) . \(proto) . \(port.port) : goto \(externalChain)")
            if !externalReachable { noLocalExternal.append("\(address) . \(proto) . \(port.port) : drop") }
        }
        if let nodePort = port.nodePort {
            serviceNodePorts.append("\(proto) . \(nodePort) : goto \(externalChain)")
            if !externalReachable { noEndpointNodePorts.append("\(proto) . \(nodePort) : drop") }
        }
    }
}
