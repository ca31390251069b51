import SwiftletJSON

/// A port as Services and EndpointSlices list it.
public struct ServicePortInfo: Sendable, Hashable {
    public var name: String
    /// Lower-cased (`tcp`, `udp`, `sctp`), as the SRV label spells it.
    public var proto: String
    public var port: UInt16

    public init(name: String, proto: String, port: UInt16) {
        self.name = name
        self.proto = proto.lowercased()
        self.port = port
    }

    init?(_ json: JSON) {
        guard let port = json["port"].intValue, let value = UInt16(exactly: port) else { return nil }
        self.init(name: json["name"].stringValue ?? "", proto: json["protocol"].stringValue ?? "TCP", port: value)
    }
}

/// The parts of a Service that DNS reads.
public struct ServiceInfo: Sendable, Hashable {
    public var namespace: String
    public var name: String
    /// Empty for headless Services (`clusterIP: None`) and ExternalName ones.
    public var clusterIPs: [IPAddress]
    public var headless: Bool
    public var externalName: String?
    public var ports: [ServicePortInfo]

    public init(namespace: String, name: String, clusterIPs: [IPAddress] = [], headless: Bool = false,
                externalName: String? = nil, ports: [ServicePortInfo] = []) {
        self.namespace = namespace
        self.name = name
        self.clusterIPs = clusterIPs
        self.headless = headless
        self.externalName = externalName
        self.ports = ports
    }

    /// Reads a v1 Service object; nil when it has no name or namespace.
    public init?(json: JSON) {
        guard let namespace = json["metadata"]["namespace"].stringValue, let name = json["metadata"]["name"].stringValue else {
            return nil
        }
        let spec = json["spec"]
        let ips = spec["clusterIPs"].arrayValue?.compactMap(\.stringValue) ?? spec["clusterIP"].stringValue.map { [$0] } ?? []
        let external = spec["type"].stringValue == "ExternalName" ? spec["externalName"].stringValue : nil
        self.init(namespace: namespace, name: name, clusterIPs: ips.compactMap(IPAddress.init),
                  headless: external == nil && ips.first == "None", externalName: external,
                  ports: spec["ports"].arrayValue?.compactMap(ServicePortInfo.init) ?? [])
    }
}

/// The parts of a discovery.k8s.io/v1 EndpointSlice that DNS reads.
public struct EndpointSliceInfo: Sendable, Hashable {
    public struct Endpoint: Sendable, Hashable {
        public var addresses: [IPAddress]
        public var hostname: String?
        public var ready: Bool

        public init(addresses: [IPAddress], hostname: String? = nil, ready: Bool = true) {
            self.addresses = addresses
            self.hostname = hostname
            self.ready = ready
        }
    }

    public var namespace: String
    /// The `kubernetes.io/service-name` label.
    public var serviceName: String
    public var endpoints: [Endpoint]
    public var ports: [ServicePortInfo]

    public init(namespace: String, serviceName: String, endpoints: [Endpoint], ports: [ServicePortInfo]) {
        self.namespace = namespace
        self.serviceName = serviceName
        self.endpoints = endpoints
        self.ports = ports
    }

    /// Reads an EndpointSlice; nil without a namespace or service-name label, or for FQDN slices.
    public init?(json: JSON) {
        guard let namespace = json["metadata"]["namespace"].stringValue,
              let service = json["metadata"]["labels"]["kubernetes.io/service-name"].stringValue,
              json["addressType"].stringValue != "FQDN" else { return nil }
        let endpoints = (json["endpoints"].arrayValue ?? []).map { endpoint in
            // An absent `ready` means ready (the API's "unknown" is treated as ready, as CoreDNS does).
            Endpoint(addresses: (endpoint["addresses"].arrayValue ?? []).compactMap { $0.stringValue.flatMap(IPAddress.init) },
                     hostname: endpoint["hostname"].stringValue,
                     ready: endpoint["conditions"]["ready"].boolValue ?? true)
        }
        self.init(namespace: namespace, serviceName: service, endpoints: endpoints,
                  ports: json["ports"].arrayValue?.compactMap(ServicePortInfo.init) ?? [])
    }
}
