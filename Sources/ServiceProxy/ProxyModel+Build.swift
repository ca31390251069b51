import SwiftletJSON

extension ProxyModel {
    /// Builds the model from v1 Services and discovery.k8s.io/v1 EndpointSlices as the API serves
    /// them. A Service or endpoint with fields the ruleset cannot express (a bad IP, a port out of
    /// range, a name that is not a DNS label) is left out and listed in `skipped`; it never fails
    /// the whole model.
    public static func build(services: [JSON], endpointSlices: [JSON]) -> ProxyModel {
        var skipped: [SkippedObject] = []
        let backends = SliceIndex(slices: endpointSlices, skipped: &skipped)
        var ports: [ServicePortInfo] = []
        for service in services {
            do {
                ports += try servicePorts(service, backends: backends)
            } catch {
                skipped.append(SkippedObject(kind: "Service", key: key(service), reason: error.reason))
            }
        }
        return ProxyModel(ports: ports, skipped: skipped)
    }

    static func key(_ object: JSON) -> String {
        "\(object["metadata"]["namespace"].stringValue ?? "?")/\(object["metadata"]["name"].stringValue ?? "?")"
    }

    /// The proxied ports of one Service (none for headless and ExternalName Services).
    static func servicePorts(_ service: JSON, backends: SliceIndex) throws(ModelError) -> [ServicePortInfo] {
        let namespace = service["metadata"]["namespace"].stringValue ?? ""
        let name = service["metadata"]["name"].stringValue ?? ""
        guard Names.isLabel(namespace), Names.isLabel(name) else { throw ModelError("namespace or name is not a DNS label") }
        let spec = service["spec"]
        if spec["type"].stringValue == "ExternalName" { return [] }
        let clusterIPs = try addresses(spec["clusterIPs"].arrayValue ?? [spec["clusterIP"]], field: "clusterIPs",
                                       allowNone: true)
        if clusterIPs.isEmpty { return [] }
        let externalIPs = try addresses(spec["externalIPs"].arrayValue ?? [], field: "externalIPs")
        let ingress = (service["status"]["loadBalancer"]["ingress"].arrayValue ?? []).map { $0["ip"] }.filter { !$0.isNull }
        let type = spec["type"].stringValue ?? "ClusterIP"
        let loadBalancerIPs = type == "LoadBalancer" ? try addresses(ingress, field: "status.loadBalancer.ingress") : []
        var affinity: Int?
        if spec["sessionAffinity"].stringValue == "ClientIP" {
            let timeout = spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"]
            if timeout.isNull {
                affinity = 10_800
            } else if let seconds = timeout.intValue, (1...86_400).contains(seconds) {
                affinity = Int(seconds)
            } else {
                throw ModelError("sessionAffinityConfig.clientIP.timeoutSeconds is not 1-86400")
            }
        }
        let internalLocal = spec["internalTrafficPolicy"].stringValue == "Local"
        var result: [ServicePortInfo] = []
        for port in spec["ports"].arrayValue ?? [] {
            guard let proto = ServiceProtocol(api: port["protocol"].stringValue) else {
                throw ModelError("unknown protocol \(port["protocol"].text)")
            }
            let portName = port["name"].stringValue ?? ""
            guard portName.isEmpty || Names.isLabel(portName) else { throw ModelError("port name \"\(portName)\" is not a DNS label") }
            guard let number = port["port"].intValue, (1...65535).contains(number) else {
                throw ModelError("port \(port["port"].text) is not 1-65535")
            }
            var nodePort: Int?
            if type == "NodePort" || type == "LoadBalancer", !port["nodePort"].isNull {
                guard let value = port["nodePort"].intValue, (1...65535).contains(value) else {
                    throw ModelError("nodePort \(port["nodePort"].text) is not 1-65535")
                }
                nodePort = Int(value)
            }
            let portInfo = ServicePortInfo(
                name: ServicePortName(namespace: namespace, name: name, portName: portName.isEmpty ? "\(number)" : portName,
                                      protocol: proto),
                clusterIPs: clusterIPs, port: Int(number), nodePort: nodePort, loadBalancerIPs: loadBalancerIPs,
                externalIPs: externalIPs, affinityTimeoutSeconds: affinity, externalPolicyLocal: false,
                internalPolicyLocal: internalLocal,
                endpoints: backends.endpoints(namespace: namespace, service: name, portName: portName, protocol: proto))
            var info = portInfo
            info.externalPolicyLocal = spec["externalTrafficPolicy"].stringValue == "Local" && info.isExternallyAccessible
            result.append(info)
        }
        return result
    }

    /// The IPv4 entries of an address list; IPv6 entries are left to an ip6 table, anything else
    /// is an error. `None` (headless) gives an empty list when `allowNone`.
    static func addresses(_ values: [JSON], field: String, allowNone: Bool = false) throws(ModelError) -> [String] {
        var result: [String] = []
        for value in values {
            guard let text = value.stringValue else {
                if value.isNull { continue }
                throw ModelError("\(field) holds \(value.text)")
            }
            if text.isEmpty || (allowNone && text == "None") { continue }
            if IPv4.isValid(text) {
                if !result.contains(text) { result.append(text) }
            } else if !text.contains(":") {
                throw ModelError("\(field) holds \"\(text)\", not an IP address")
            }
        }
        return result
    }
}

/// Why a Service is left out of the model.
struct ModelError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Kubernetes names that are also safe inside nft identifiers (letters, digits, `-`, `.`).
enum Names {
    static func isLabel(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 63, let first = text.unicodeScalars.first,
              first.properties.isLowercase || ("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
    }
}

/// IPv4 EndpointSlices grouped by the Service they belong to.
struct SliceIndex {
    struct Backend {
        var portName: String
        var `protocol`: ServiceProtocol
        var endpoint: ServiceEndpoint
    }

    private var byService: [String: [Backend]] = [:]

    init(slices: [JSON], skipped: inout [SkippedObject]) {
        for slice in slices {
            guard slice["addressType"].stringValue == "IPv4",
                  let namespace = slice["metadata"]["namespace"].stringValue,
                  let service = slice["metadata"]["labels"]["kubernetes.io/service-name"].stringValue else { continue }
            var ports: [(String, ServiceProtocol, Int)] = []
            for port in slice["ports"].arrayValue ?? [] {
                guard let proto = ServiceProtocol(api: port["protocol"].stringValue),
                      let number = port["port"].intValue, (1...65535).contains(number) else {
                    skipped.append(SkippedObject(kind: "EndpointSlice", key: ProxyModel.key(slice),
                                                 reason: "bad port \(port.text)"))
                    continue
                }
                ports.append((port["name"].stringValue ?? "", proto, Int(number)))
            }
            for endpoint in slice["endpoints"].arrayValue ?? [] {
                // Upstream proxies the first address only: the others are the same pod.
                guard let address = endpoint["addresses"][0].stringValue, IPv4.isValid(address) else {
                    skipped.append(SkippedObject(kind: "EndpointSlice", key: ProxyModel.key(slice),
                                                 reason: "bad endpoint address \(endpoint["addresses"].text)"))
                    continue
                }
                let conditions = endpoint["conditions"]
                let ready = conditions["ready"].boolValue ?? true
                for (name, proto, number) in ports {
                    byService["\(namespace)/\(service)", default: []].append(Backend(
                        portName: name, protocol: proto,
                        endpoint: ServiceEndpoint(ip: address, port: number, ready: ready,
                                                  serving: conditions["serving"].boolValue,
                                                  terminating: conditions["terminating"].boolValue ?? false,
                                                  nodeName: endpoint["nodeName"].stringValue)))
                }
            }
        }
    }

    func endpoints(namespace: String, service: String, portName: String, protocol: ServiceProtocol) -> [ServiceEndpoint] {
        (byService["\(namespace)/\(service)"] ?? []).filter { $0.portName == portName && $0.protocol == `protocol` }.map(\.endpoint)
    }
}

extension JSON {
    /// Compact JSON text of a value, for messages about bad fields.
    var text: String { String(decoding: serialized(), as: UTF8.self) }
}
