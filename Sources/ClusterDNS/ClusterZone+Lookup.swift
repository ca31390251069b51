/// What the zone says about one question.
public enum ZoneAnswer: Sendable, Hashable {
    /// Not a name of this zone nor of its reverse networks: forward it.
    case outside
    /// NOERROR with records (answer and additional sections).
    case records(answers: [ResourceRecord], additional: [ResourceRecord])
    /// The name exists without records of the type: NOERROR, SOA in authority.
    case noData(soa: ResourceRecord)
    /// The name does not exist: NXDOMAIN, SOA in authority.
    case nameError(soa: ResourceRecord)
    /// An ExternalName Service: the CNAME, whose target (outside the zone) must be resolved too.
    case alias(cname: ResourceRecord, target: DNSName)
    /// A cluster name asked before the first sync: SERVFAIL.
    case notReady
}

extension ClusterZone {
    /// Answers `question` from the snapshot.
    public func answer(_ question: DNSQuestion) -> ZoneAnswer {
        let qname = question.name
        if !qname.isSubdomain(of: settings.domain) {
            let reverse = reverseAnswer(question)
            if !synced, reverse != .outside { return .notReady }
            return reverse
        }
        guard synced else { return .notReady }
        let key = qname.key
        let ttl = settings.ttl
        if let node = nodes[key] {
            if let target = node.cname {
                let record = ResourceRecord(name: qname, type: .cname, ttl: ttl, data: .cname(target))
                switch question.type {
                case .cname: return .records(answers: [record], additional: [])
                case .a, .aaaa:
                    // In-zone targets are answered here; others go to the forwarder.
                    if target.isSubdomain(of: settings.domain) {
                        var follow = question
                        follow.name = target
                        if case .records(let answers, let additional) = answer(follow) {
                            return .records(answers: [record] + answers, additional: additional)
                        }
                        return .records(answers: [record], additional: [])
                    }
                    return .alias(cname: record, target: target)
                default: return .noData(soa: soa(zone: settings.domain))
                }
            }
            var answers: [ResourceRecord] = []
            var additional: [ResourceRecord] = []
            switch question.type {
            case .a: answers = node.a.map { ResourceRecord(name: qname, type: .a, ttl: ttl, data: .a($0)) }
            case .aaaa: answers = node.aaaa.map { ResourceRecord(name: qname, type: .aaaa, ttl: ttl, data: .aaaa($0)) }
            case .srv:
                // CoreDNS: priority 0 and the weight 100 shared out evenly.
                let weight = UInt16(100 / max(1, node.srv.count))
                answers = node.srv.map {
                    ResourceRecord(name: qname, type: .srv, ttl: ttl, data: .srv(priority: 0, weight: weight, port: $0.port, target: $0.target))
                }
                var seen = Set<String>()
                for target in node.srv.map(\.target) where seen.insert(target.key).inserted {
                    guard let targetNode = nodes[target.key] else { continue }
                    additional += targetNode.a.map { ResourceRecord(name: target, type: .a, ttl: ttl, data: .a($0)) }
                    additional += targetNode.aaaa.map { ResourceRecord(name: target, type: .aaaa, ttl: ttl, data: .aaaa($0)) }
                }
            case .soa where key == settings.domain.key:
                answers = [soa(zone: settings.domain)]
            case .ns where key == settings.domain.key:
                let server = DNSName("ns.dns." + settings.domain.key)
                answers = [ResourceRecord(name: qname, type: .ns, ttl: ttl, data: .ns(server))]
                additional = nameserverAddresses.map { address in
                    switch address {
                    case .v4(let v4): ResourceRecord(name: server, type: .a, ttl: ttl, data: .a(v4))
                    case .v6(let v6): ResourceRecord(name: server, type: .aaaa, ttl: ttl, data: .aaaa(v6))
                    }
                }
            default: break
            }
            return answers.isEmpty ? .noData(soa: soa(zone: settings.domain)) : .records(answers: answers, additional: additional)
        }
        if let address = podAddress(qname) {
            switch (question.type, address) {
            case (.a, .v4(let v4)): return .records(answers: [ResourceRecord(name: qname, type: .a, ttl: ttl, data: .a(v4))], additional: [])
            case (.aaaa, .v6(let v6)): return .records(answers: [ResourceRecord(name: qname, type: .aaaa, ttl: ttl, data: .aaaa(v6))], additional: [])
            default: return .noData(soa: soa(zone: settings.domain))
            }
        }
        return .nameError(soa: soa(zone: settings.domain))
    }

    /// `a-b-c-d.<ns>.pod.<domain>` ("pods insecure"): the address the name spells, when its
    /// namespace exists.
    func podAddress(_ name: DNSName) -> IPAddress? {
        let labels = name.prefixLabels(before: settings.domain)
        guard labels.count == 3, DNSName(labels: [labels[2]]).key == "pod" else { return nil }
        let namespace = DNSName(labels: [labels[1]]).key
        guard namespaces.contains(namespace) else { return nil }
        let pod = String(decoding: labels[0], as: UTF8.self)
        let dashes = pod.filter { $0 == "-" }.count
        let text = dashes == 3 && !pod.contains("--") ? String(pod.map { $0 == "-" ? "." : $0 }) : String(pod.map { $0 == "-" ? ":" : $0 })
        return IPAddress(text)
    }

    /// PTR names: known addresses answer, unknown ones in the cluster's networks are NXDOMAIN,
    /// everything else is not ours.
    func reverseAnswer(_ question: DNSQuestion) -> ZoneAnswer {
        guard let address = IPAddress(reverseName: question.name) else { return .outside }
        let zone: DNSName
        switch address {
        case .v4: zone = DNSName("in-addr.arpa")
        case .v6: zone = DNSName("ip6.arpa")
        }
        if let targets = reverse[address.reverseKey] {
            guard question.type == .ptr else { return .noData(soa: soa(zone: zone)) }
            return .records(answers: targets.map { ResourceRecord(name: question.name, type: .ptr, ttl: settings.ttl, data: .ptr($0)) },
                            additional: [])
        }
        if settings.reverseNetworks.contains(where: { $0.contains(address) }) { return .nameError(soa: soa(zone: zone)) }
        return .outside
    }

    /// The zone's SOA as CoreDNS writes it (`ns.dns.<zone>`, `hostmaster.<zone>`, minimum = TTL).
    public func soa(zone: DNSName) -> ResourceRecord {
        let data = RData.SOA(mname: DNSName(labels: DNSName("ns.dns").labels + zone.labels),
                             rname: DNSName(labels: DNSName("hostmaster").labels + zone.labels),
                             serial: serial, refresh: 7200, retry: 1800, expire: 86400, minimum: settings.ttl)
        return ResourceRecord(name: zone, type: .soa, ttl: settings.ttl, data: .soa(data))
    }
}
