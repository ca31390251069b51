extension RulesetPlan {
    /// The transaction text: replace the table, then its sets, maps and chains in a fixed order.
    func render() -> String {
        let family = options.family
        let table = "\(family.tableFamily) \(options.tableName)"
        let tuple = "\(family.addressType) . inet_proto . inet_service"
        let filter = RulesetOptions.filterPriority
        var out = "add table \(table)\ndelete table \(table)\ntable \(table) {\n"
        out += "\tcomment \"Kubernetes Services (swiftlet-proxy); replaced as a whole on every sync\"\n"

        func collection(_ keyword: String, _ name: String, _ header: [String], _ elements: [String]) {
            out += "\n\t\(keyword) \(name) {\n"
            for line in header { out += "\t\t\(line)\n" }
            if !elements.isEmpty {
                out += "\t\telements = {\n"
                for element in elements { out += "\t\t\t\(element),\n" }
                out += "\t\t}\n"
            }
            out += "\t}\n"
        }
        func chain(_ name: String, hook: String? = nil, _ rules: [String]) {
            out += "\n\tchain \(name) {\n"
            if let hook { out += "\t\t\(hook); policy accept;\n" }
            for rule in rules { out += "\t\t\(rule)\n" }
            out += "\t}\n"
        }

        let sortedClusterIPs = IPv4.sorted(clusterIPs)
        collection("set", "cluster-ips", ["type \(family.addressType)"], sortedClusterIPs)
        let hairpinElements = IPv4.sorted(hairpin).map { "\($0) . \($0)" }
        collection("set", "hairpin-endpoints", ["type \(family.addressType) . \(family.addressType)"], hairpinElements)
        collection("map", "service-ips", ["type \(tuple) : verdict"], serviceIPs)
        collection("map", "service-nodeports", ["type inet_proto . inet_service : verdict"], serviceNodePorts)
        collection("map", "no-endpoint-services", ["type \(tuple) : verdict"], noEndpointServices)
        collection("map", "no-endpoint-nodeports", ["type inet_proto . inet_service : verdict"], noEndpointNodePorts)
        collection("map", "no-local-external", ["type \(tuple) : verdict"], noLocalExternal)
        for set in affinitySets {
            collection("set", set.name, ["type \(family.addressType)", "flags dynamic,timeout", "timeout \(set.timeout)s"], [])
        }

        // Filter: refuse what has no endpoint before NAT would look at it (output runs at -110,
        // before NAT output at -100); input and forward run after prerouting NAT, so traffic that
        // was DNATed there no longer matches.
        let local = localAddressMatch
        chain("filter-input", hook: "type filter hook input priority \(filter)", [
            "ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check",
            "ct state new jump external-local-check",
        ])
        chain("filter-forward", hook: "type filter hook forward priority \(filter)", [
            "ct state new jump service-endpoints-check", "ct state new jump external-local-check",
            "ct state new jump cluster-ips-check",
        ])
        chain("filter-output", hook: "type filter hook output priority \(filter)", ["ct state new jump service-endpoints-check"])
        // After NAT output: a ClusterIP still the destination means a port no Service has.
        chain("filter-output-post-dnat", hook: "type filter hook output priority \(filter + 20)", [
            "ct state new jump cluster-ips-check",
        ])
        chain("nodeport-endpoints-check", ["\(local) meta l4proto . th dport vmap @no-endpoint-nodeports"])
        chain("service-endpoints-check", ["\(ip) daddr . meta l4proto . th dport vmap @no-endpoint-services"])
        chain("external-local-check", ["\(ip) daddr . meta l4proto . th dport vmap @no-local-external"])
        chain("cluster-ips-check", ["\(ip) daddr @cluster-ips reject"])
        chain("reject-chain", ["meta l4proto tcp reject with tcp reset", "reject"])

        // NAT.
        chain("nat-prerouting", hook: "type nat hook prerouting priority -100", ["jump services"])
        chain("nat-output", hook: "type nat hook output priority -100", ["jump services"])
        chain("nat-postrouting", hook: "type nat hook postrouting priority 100", ["jump masquerading"])
        chain("mark-for-masquerade", ["meta mark set meta mark or 0x4000"])
        chain("masquerading", [
            "ct status dnat \(ip) saddr . \(ip) daddr @hairpin-endpoints masquerade fully-random",
            "meta mark & 0x4000 == 0 return", "meta mark set meta mark xor 0x4000", "masquerade fully-random",
        ])
        chain("services", [
            "\(ip) daddr . meta l4proto . th dport vmap @service-ips",
            "\(local) meta l4proto . th dport vmap @service-nodeports",
        ])
        for c in chains { chain(c.name, c.rules) }
        out += "}\n"
        return out
    }

    /// Which destinations are this node's for NodePorts.
    var localAddressMatch: String {
        guard let addresses = options.nodePortAddresses else { return "fib daddr type local" }
        let all = IPv4.sorted(addresses.filter { $0 != options.family.loopback })
        return "\(ip) daddr { \((all + [options.family.loopback]).joined(separator: ", ")) }"
    }
}
