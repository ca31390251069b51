/// Settings of the cluster zone.
public struct ZoneSettings: Sendable, Hashable {
    /// The cluster domain (`cluster.local`).
    public var domain: DNSName
    /// Record TTL, and the SOA minimum that caps negative caching (CoreDNS's default: 5 s).
    public var ttl: UInt32 = 5
    /// Networks whose reverse names this server owns (service and pod CIDRs): a PTR query for an
    /// unknown address in them is NXDOMAIN here; other reverse names go upstream.
    public var reverseNetworks: [IPNetwork] = []

    public init(domain: DNSName = DNSName("cluster.local"), ttl: UInt32 = 5, reverseNetworks: [IPNetwork] = []) {
        self.domain = domain
        self.ttl = ttl
        self.reverseNetworks = reverseNetworks
    }
}

/// The records of one name of the zone. A node with nothing in it is an empty non-terminal
/// (`svc.cluster.local`, `<ns>.svc.cluster.local`): it exists, so other types get NODATA.
struct ZoneNode: Sendable {
    var a: [IPv4Address] = []
    var aaaa: [IPv6Address] = []
    var srv: [SRVTarget] = []
    var cname: DNSName?

    mutating func add(_ address: IPAddress) {
        switch address {
        case .v4(let v4): if !a.contains(v4) { a.append(v4) }
        case .v6(let v6): if !aaaa.contains(v6) { aaaa.append(v6) }
        }
    }

    mutating func add(srv target: SRVTarget) {
        if !srv.contains(target) { srv.append(target) }
    }
}

struct SRVTarget: Sendable, Hashable {
    var port: UInt16
    var target: DNSName
}

/// An immutable snapshot of the cluster zone, built from Services, EndpointSlices and Namespaces
/// whenever they change; queries read it without locks. Semantics follow CoreDNS's `kubernetes`
/// plugin with `pods insecure`.
public final class ClusterZone: Sendable {
    public let settings: ZoneSettings
    /// Lower-cased name relative to nothing (full, no trailing dot) -> its records.
    let nodes: [String: ZoneNode]
    /// Reverse name key -> PTR targets.
    let reverse: [String: [DNSName]]
    let namespaces: Set<String>
    /// The SOA serial: when the snapshot was built (seconds), as CoreDNS uses its last change.
    let serial: UInt32
    /// The kube-system/kube-dns addresses for the apex NS record's glue.
    let nameserverAddresses: [IPAddress]
    /// False for the placeholder served before the first informer sync: cluster names then get
    /// SERVFAIL, not a false NXDOMAIN that clients would cache (CoreDNS does the same).
    public let synced: Bool

    /// The placeholder before the first sync.
    public convenience init(settings: ZoneSettings) {
        self.init(settings: settings, services: [], slices: [], namespaces: [], serial: 0, synced: false)
    }

    public init(settings: ZoneSettings, services: [ServiceInfo], slices: [EndpointSliceInfo], namespaces: [String],
                serial: UInt32, synced: Bool = true) {
        self.settings = settings
        self.synced = synced
        self.serial = serial
        let domain = settings.domain.key
        var nodes: [String: ZoneNode] = [:]
        var reverse: [String: [DNSName]] = [:]
        var namespaceSet = Set(namespaces.map { $0.lowercased() })
        for service in services { namespaceSet.insert(service.namespace.lowercased()) }

        var slicesByService: [String: [EndpointSliceInfo]] = [:]
        for slice in slices { slicesByService["\(slice.namespace)/\(slice.serviceName)", default: []].append(slice) }

        func name(_ parts: String...) -> String { (parts + [domain]).joined(separator: ".").lowercased() }
        func fqdn(_ key: String) -> DNSName { DNSName(key) }

        // Cluster IPs first: an address that is both a cluster IP and an endpoint names the Service.
        var clusterIPOwners = Set<String>()
        for service in services where !service.headless && service.externalName == nil && !service.ports.isEmpty {
            for ip in service.clusterIPs {
                let key = ip.reverseKey
                if reverse[key] == nil { reverse[key] = [fqdn(name(service.name, service.namespace, "svc"))] }
                clusterIPOwners.insert(key)
            }
        }

        for service in services {
            let base = name(service.name, service.namespace, "svc")
            if let external = service.externalName {
                // CoreDNS answers only names for ExternalName; an IP there is no CNAME target.
                if IPAddress(external) == nil, !external.isEmpty { nodes[base, default: ZoneNode()].cname = DNSName(external) }
                continue
            }
            if !service.headless {
                for port in service.ports {
                    for ip in service.clusterIPs {
                        nodes[base, default: ZoneNode()].add(ip)
                        nodes[base, default: ZoneNode()].add(srv: SRVTarget(port: port.port, target: fqdn(base)))
                        if !port.name.isEmpty {
                            let srvName = "_\(port.name)._\(port.proto).\(base)".lowercased()
                            nodes[srvName, default: ZoneNode()].add(ip)
                            nodes[srvName, default: ZoneNode()].add(srv: SRVTarget(port: port.port, target: fqdn(base)))
                        }
                    }
                }
            }
            // Endpoint names exist for every Service with endpoints; the Service name itself and its
            // SRV names resolve to endpoints only when it is headless.
            for slice in slicesByService["\(service.namespace)/\(service.name)"] ?? [] {
                // No ports: CoreDNS adds a sentinel port, so the addresses still get A records.
                let ports: [ServicePortInfo?] = slice.ports.isEmpty ? [nil] : slice.ports
                for endpoint in slice.endpoints where endpoint.ready {
                    for address in endpoint.addresses {
                        let host = endpoint.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? Self.dashed(address)
                        let hostName = "\(host).\(base)".lowercased()
                        let target = fqdn(hostName)
                        let key = address.reverseKey
                        if !clusterIPOwners.contains(key) { reverse[key, default: []].append(target) }
                        for port in ports {
                            nodes[hostName, default: ZoneNode()].add(address)
                            if let port { nodes[hostName, default: ZoneNode()].add(srv: SRVTarget(port: port.port, target: target)) }
                            guard service.headless else { continue }
                            nodes[base, default: ZoneNode()].add(address)
                            guard let port else { continue }
                            nodes[base, default: ZoneNode()].add(srv: SRVTarget(port: port.port, target: target))
                            if !port.name.isEmpty {
                                let srvName = "_\(port.name)._\(port.proto).\(base)".lowercased()
                                nodes[srvName, default: ZoneNode()].add(address)
                                nodes[srvName, default: ZoneNode()].add(srv: SRVTarget(port: port.port, target: target))
                            }
                        }
                    }
                }
            }
        }

        // Empty non-terminals: the apex, svc, pod, and each namespace under both.
        for key in [domain, "svc.\(domain)", "pod.\(domain)"] where nodes[key] == nil { nodes[key] = ZoneNode() }
        for namespace in namespaceSet {
            for key in [name(namespace, "svc"), name(namespace, "pod")] where nodes[key] == nil { nodes[key] = ZoneNode() }
        }

        let dnsService = services.first { $0.namespace == "kube-system" && $0.name == "kube-dns" }
        nameserverAddresses = dnsService?.clusterIPs ?? []
        if !nameserverAddresses.isEmpty {
            var node = ZoneNode()
            for ip in nameserverAddresses { node.add(ip) }
            nodes["ns.dns.\(domain)"] = node
        }
        self.nodes = nodes
        self.reverse = reverse
        self.namespaces = namespaceSet
    }

    /// `10-0-0-1` (IPv4) or `fd00--1` (IPv6): the endpoint name of an address without a hostname.
    static func dashed(_ address: IPAddress) -> String {
        switch address {
        case .v4(let v4): v4.description.split(separator: ".").joined(separator: "-")
        case .v6(let v6): v6.description.replacingColons()
        }
    }

    /// How many names the zone holds (for logs).
    public var nameCount: Int { nodes.count }
}

extension String {
    func replacingColons() -> String { String(map { $0 == ":" ? "-" : $0 }) }
}
