import FoundationEssentials

extension KindPrinter {
    static let service = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Type", type: "string", description: "type determines how the Service is exposed. Defaults to ClusterIP."),
            PrinterColumn(name: "Cluster-IP", type: "string", description: "clusterIP is the IP address of the service and is usually assigned randomly."),
            PrinterColumn(name: "External-IP", type: "string", description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
            PrinterColumn(name: "Port(s)", type: "string", description: "The list of ports that are exposed by this service."),
            .age,
            PrinterColumn(name: "Selector", type: "string", description: "Route service traffic to pods with label keys and values matching this selector.", priority: 1),
        ],
        cells: { svc, now in
            let spec = svc["spec"]
            var clusterIP = PrinterCell.string(spec[path: ["clusterIPs"]][0])
            if clusterIP.isEmpty { clusterIP = PrinterCell.string(spec["clusterIP"]) }
            let ports = servicePorts(spec["ports"])
            return [
                PrinterCell.name(svc), .string(spec["type"].stringValue ?? "ClusterIP"), .string(clusterIP.isEmpty ? "<none>" : clusterIP),
                .string(serviceExternalIP(svc)), .string(ports.isEmpty ? "<none>" : ports), PrinterCell.age(svc, now),
                .string(PrinterCell.formatLabels(spec["selector"])),
            ]
        })

    /// `80/TCP,443:30443/TCP` (upstream `makePortString`); the protocol defaults to TCP.
    static func servicePorts(_ ports: JSON) -> String {
        PrinterCell.array(ports).map { port in
            let number = PrinterCell.int(port["port"])
            let proto = port["protocol"].stringValue ?? "TCP"
            let nodePort = PrinterCell.int(port["nodePort"])
            return nodePort > 0 ? "\(number):\(nodePort)/\(proto)" : "\(number)/\(proto)"
        }.joined(separator: ",")
    }

    /// The External-IP cell (upstream `getServiceExternalIP`, wide form).
    static func serviceExternalIP(_ svc: JSON) -> String {
        let spec = svc["spec"]
        let externalIPs = PrinterCell.array(spec["externalIPs"]).compactMap(\.stringValue)
        switch spec["type"].stringValue ?? "ClusterIP" {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            let ingress = PrinterCell.array(svc[path: ["status", "loadBalancer", "ingress"]]).compactMap { entry -> String? in
                if let ip = entry["ip"].stringValue, !ip.isEmpty { return ip }
                if let host = entry["hostname"].stringValue, !host.isEmpty { return host }
                return nil
            }
            let all = ingress + externalIPs
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            return PrinterCell.string(spec["externalName"])
        default:
            return "<unknown>"
        }
    }

    static let endpoints = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Endpoints", type: "string", description: "The set of all endpoints is the union of all subsets."),
            .age,
        ],
        cells: { ep, now in [PrinterCell.name(ep), .string(formatEndpoints(ep)), PrinterCell.age(ep, now)] })

    /// `10.0.0.1:80,10.0.0.2:80 + 3 more...`: at most three addresses (upstream `formatEndpoints`).
    static func formatEndpoints(_ ep: JSON) -> String {
        let subsets = PrinterCell.array(ep["subsets"])
        if subsets.isEmpty { return "<none>" }
        let max = 3
        var list: [String] = []
        var count = 0
        var more = false
        for subset in subsets {
            let addresses = PrinterCell.array(subset["addresses"]).map { PrinterCell.string($0["ip"]) }
            let ports = PrinterCell.array(subset["ports"])
            if ports.isEmpty {
                count += addresses.count
                for ip in addresses {
                    if list.count == max { more = true; break }
                    list.append(ip)
                }
                continue
            }
            for port in ports {
                count += addresses.count
                for ip in addresses {
                    if list.count == max { more = true; break }
                    let host = ip.contains(":") ? "[\(ip)]" : ip
                    list.append("\(host):\(PrinterCell.int(port["port"]))")
                }
            }
        }
        let joined = list.joined(separator: ",")
        if more { return "\(joined) + \(count - max) more..." }
        return joined.isEmpty ? "<none>" : joined
    }

    static let node = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Status", type: "string", description: "The status of the node"),
            PrinterColumn(name: "Roles", type: "string", description: "The roles of the node"),
            .age,
            PrinterColumn(name: "Version", type: "string", description: "Kubelet Version reported by the node."),
            PrinterColumn(name: "Internal-IP", type: "string", description: "List of addresses reachable to the node.", priority: 1),
            PrinterColumn(name: "External-IP", type: "string", description: "List of addresses reachable to the node.", priority: 1),
            PrinterColumn(name: "OS-Image", type: "string", description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1),
            PrinterColumn(name: "Kernel-Version", type: "string", description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1),
            PrinterColumn(name: "Container-Runtime", type: "string", description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", priority: 1),
        ],
        cells: { node, now in
            let info = node[path: ["status", "nodeInfo"]]
            func known(_ s: String) -> JSON { .string(s.isEmpty ? "<unknown>" : s) }
            return [
                PrinterCell.name(node), .string(nodeStatus(node)), .string(nodeRoles(node)), PrinterCell.age(node, now),
                .string(PrinterCell.string(info["kubeletVersion"])), .string(nodeAddress(node, "InternalIP")),
                .string(nodeAddress(node, "ExternalIP")), known(PrinterCell.string(info["osImage"])),
                known(PrinterCell.string(info["kernelVersion"])), known(PrinterCell.string(info["containerRuntimeVersion"])),
            ]
        })

    /// `Ready`, `NotReady` (condition False or Unknown), `Unknown` (no Ready condition), plus
    /// `,SchedulingDisabled` when cordoned.
    static func nodeStatus(_ node: JSON) -> String {
        var parts: [String] = []
        // Upstream keeps the last condition of a type when a type repeats.
        if let ready = PrinterCell.array(node[path: ["status", "conditions"]]).last(where: { PrinterCell.string($0["type"]) == "Ready" }) {
            parts.append(PrinterCell.string(ready["status"]) == "True" ? "Ready" : "NotReady")
        } else {
            parts.append("Unknown")
        }
        if node[path: ["spec", "unschedulable"]].boolValue == true { parts.append("SchedulingDisabled") }
        return parts.joined(separator: ",")
    }

    /// Roles from `node-role.kubernetes.io/<role>` label keys and the legacy `kubernetes.io/role`
    /// label value, sorted and deduplicated; `<none>` when there are none.
    static func nodeRoles(_ node: JSON) -> String {
        var roles = Set<String>()
        for (key, value) in node[path: ["metadata", "labels"]].objectValue ?? [:] {
            if key.hasPrefix("node-role.kubernetes.io/") {
                let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == "kubernetes.io/role", let v = value.stringValue, !v.isEmpty {
                roles.insert(v)
            }
        }
        return roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")
    }

    static func nodeAddress(_ node: JSON, _ type: String) -> String {
        let match = PrinterCell.array(node[path: ["status", "addresses"]]).first { PrinterCell.string($0["type"]) == type }
        return match.map { PrinterCell.string($0["address"]) } ?? "<none>"
    }

    static let namespace = KindPrinter(
        columns: [.name, PrinterColumn(name: "Status", type: "string", description: "The status of the namespace"), .age],
        cells: { ns, now in [PrinterCell.name(ns), .string(PrinterCell.string(ns[path: ["status", "phase"]])), PrinterCell.age(ns, now)] })

    static let configMap = KindPrinter(
        columns: [.name, PrinterColumn(name: "Data", type: "integer", description: "Number of data in configmap"), .age],
        cells: { cm, now in
            let count = (cm["data"].objectValue?.count ?? 0) + (cm["binaryData"].objectValue?.count ?? 0)
            return [PrinterCell.name(cm), .int(Int64(count)), PrinterCell.age(cm, now)]
        })

    static let secret = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Type", type: "string", description: "Used to facilitate programmatic handling of secret data."),
            PrinterColumn(name: "Data", type: "integer", description: "Number of data in secret"),
            .age,
        ],
        cells: { s, now in
            [PrinterCell.name(s), .string(s["type"].stringValue ?? "Opaque"), .int(Int64(s["data"].objectValue?.count ?? 0)), PrinterCell.age(s, now)]
        })

    static let serviceAccount = KindPrinter(
        columns: [.name, PrinterColumn(name: "Secrets", type: "string", description: "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), .age],
        cells: { sa, now in [PrinterCell.name(sa), .int(Int64(PrinterCell.array(sa["secrets"]).count)), PrinterCell.age(sa, now)] })

    static let lease = KindPrinter(
        columns: [.name, PrinterColumn(name: "Holder", type: "string", description: "The holder of the lease."), .age],
        cells: { l, now in [PrinterCell.name(l), .string(PrinterCell.string(l[path: ["spec", "holderIdentity"]])), PrinterCell.age(l, now)] })
}
