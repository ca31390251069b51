extension RulesetPlan {
    /// The sets and maps whose elements every sync rewrites (affinity sets are kept).
    static let rewrittenCollections = [
        ("set", "cluster-ips"), ("set", "hairpin-endpoints"), ("map", "service-ips"), ("map", "service-nodeports"),
        ("map", "no-endpoint-services"), ("map", "no-endpoint-nodeports"), ("map", "no-local-external"),
    ]

    /// The transaction text and what it leaves in the table.
    ///
    /// Without `previous` the table is deleted and declared anew. With the inventory of the last
    /// applied ruleset the table is flushed instead (rules only: nft keeps set elements), the
    /// rewritten maps are emptied, the table declared again, and chains and affinity sets that are
    /// no longer generated deleted, all in one transaction, so clients keep their ClientIP
    /// affinity across syncs.
    func render(previous: RulesetInventory? = nil) -> (text: String, inventory: RulesetInventory) {
        let family = options.family
        let table = "\(family.tableFamily) \(options.tableName)"
        let tuple = "\(family.addressType) . inet_proto . inet_service"
        let filter = RulesetOptions.filterPriority
        var inventory = RulesetInventory()
        for set in affinitySets { inventory.affinitySets[set.name] = set.timeout }
        var out: String
        if let previous {
            out = "add table \(table)\nflush table \(table)\n"
            for (keyword, name) in Self.rewrittenCollections { out += "flush \(keyword) \(table) \(name)\n" }
            // A timeout cannot change in place: such a set goes and comes back empty.
            for (name, timeout) in previous.affinitySets.sorted(by: { $0.key < $1.key })
            where inventory.affinitySets[name].map({ $0 != timeout }) ?? false {
                out += "delete set \(table) \(name)\n"
            }
        } else {
            out = "add table \(table)\ndelete table \(table)\n"
        }
        out += "table \(table) {\n"
        out += "\tcomment \"Kubernetes Services (swiftlet-proxy); rewritten as a whole on every sync\"\n"

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
            inventory.chains.insert(name)
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
            // NodePorts on 127.0.0.1 need route_localnet, which would also let the network reach
            // loopback-only listeners (CVE-2020-8558): such packets from elsewhere are dropped
            // unless they are replies or were translated to a NodePort's endpoint.
            "ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop",
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
        if let previous {
            // After the flush nothing refers to these any more.
            for name in previous.chains.subtracting(inventory.chains).sorted() { out += "delete chain \(table) \(name)\n" }
            for name in Set(previous.affinitySets.keys).subtracting(inventory.affinitySets.keys).sorted() {
                out += "delete set \(table) \(name)\n"
            }
        }
        return (out, inventory)
    }

    /// Which destinations are this node's for NodePorts.
    var localAddressMatch: String {
        guard let addresses = options.nodePortAddresses else { return "fib daddr type local" }
        let all = IPv4.sorted(addresses.filter { $0 != options.family.loopback })
        return "\(ip) daddr { \((all + [options.family.loopback]).joined(separator: ", ")) }"
    }
}
