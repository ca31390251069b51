import FoundationEssentials
import KubeAPI

/// A Service as the Endpoints and EndpointSlice controllers read it.
struct ServiceView {
    enum TargetPort: Hashable { case number(Int64), name(String) }

    struct Port: Hashable {
        var name: String
        var port: Int64
        var proto: String
        var targetPort: TargetPort
        var appProtocol: String?
    }

    var object: JSON
    var name: String
    var namespace: String
    /// nil when the Service has no selector: its endpoints are not managed by the controllers.
    var selector: [String: String]?
    var ports: [Port]
    var headless: Bool
    var publishNotReadyAddresses: Bool

    /// Reads a Service; throws on shapes that cannot be a valid Service.
    init(_ service: JSON) throws(ControllerInputError) {
        object = service
        name = Meta.name(service)
        guard !name.isEmpty else { throw ControllerInputError("service has no metadata.name") }
        guard let ns = Meta.namespace(service) else { throw ControllerInputError("service \(name) has no metadata.namespace") }
        namespace = ns
        switch service["spec"]["selector"] {
        case .null: selector = nil
        case .object(let o):
            var map: [String: String] = [:]
            for (key, value) in o {
                guard let s = value.stringValue else {
                    throw ControllerInputError("service \(ns)/\(name): spec.selector.\(key) must be a string, got \(value.typeName)")
                }
                map[key] = s
            }
            // The apiserver drops an empty selector, so `{}` means "no selector" as upstream sees it.
            selector = map.isEmpty ? nil : map
        default:
            throw ControllerInputError("service \(ns)/\(name): spec.selector must be an object, got \(service["spec"]["selector"].typeName)")
        }
        var ports: [Port] = []
        for (index, entry) in (service["spec"]["ports"].arrayValue ?? []).enumerated() {
            guard let port = entry["port"].intValue, (1...65535).contains(port) else {
                throw ControllerInputError("service \(ns)/\(name): spec.ports[\(index)].port must be a port number")
            }
            let target: TargetPort
            switch entry["targetPort"] {
            case .null: target = .number(port)
            case .string(let s) where !s.isEmpty: target = .name(s)
            case let value:
                guard let n = value.intValue, (1...65535).contains(n) else {
                    throw ControllerInputError("service \(ns)/\(name): spec.ports[\(index)].targetPort is not a port number or name")
                }
                target = .number(n)
            }
            ports.append(Port(name: entry["name"].stringValue ?? "", port: port, proto: entry["protocol"].stringValue ?? "TCP",
                              targetPort: target, appProtocol: entry["appProtocol"].stringValue))
        }
        self.ports = ports
        headless = service["spec"]["clusterIP"].stringValue == "None"
        publishNotReadyAddresses = service["spec"]["publishNotReadyAddresses"].boolValue ?? false
    }

    /// Pods of the Service's namespace whose labels match its selector.
    func selectedPods(_ pods: [JSON]) -> [JSON] {
        guard let selector else { return [] }
        return pods.filter { pod in
            guard Meta.namespace(pod) == namespace else { return false }
            let labels = Meta.labels(pod)
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }
    }

    /// The container port a service port reaches on `pod` (upstream `podutil.FindPort`): a number is
    /// used as is, a name is looked up among the containers' ports with the same protocol.
    func resolve(_ port: Port, on pod: JSON) -> Int64? {
        switch port.targetPort {
        case .number(let n): return n
        case .name(let wanted):
            var containers = pod["spec"]["containers"].arrayValue ?? []
            // Sidecars (init containers that keep running) serve ports too.
            containers += (pod["spec"]["initContainers"].arrayValue ?? []).filter { $0["restartPolicy"].stringValue == "Always" }
            for container in containers {
                for cp in container["ports"].arrayValue ?? [] where cp["name"].stringValue == wanted
                    && (cp["protocol"].stringValue ?? "TCP") == port.proto {
                    if let n = cp["containerPort"].intValue { return n }
                }
            }
            return nil
        }
    }

    /// Labels the controllers put on what they generate: the Service's own plus the headless marker.
    var generatedLabels: [String: String] {
        var labels = Meta.labels(object)
        if headless { labels[EndpointLabels.headless] = "" } else { labels.removeValue(forKey: EndpointLabels.headless) }
        return labels
    }
}

enum EndpointLabels {
    static let headless = "service.kubernetes.io/headless"
    static let serviceName = "kubernetes.io/service-name"
    static let managedBy = "endpointslice.kubernetes.io/managed-by"
    static let controllerName = "endpointslice-controller.k8s.io"
    static let triggerTime = "endpoints.kubernetes.io/last-change-trigger-time"
    static let overCapacity = "endpoints.kubernetes.io/over-capacity"
}

enum PodAddress {
    /// The pod's IPv4 address (`status.podIPs`, else `status.podIP`); nil without one.
    static func ipv4(_ pod: JSON) -> String? {
        var candidates = (pod["status"]["podIPs"].arrayValue ?? []).compactMap { $0["ip"].stringValue }
        if let ip = pod["status"]["podIP"].stringValue { candidates.insert(ip, at: 0) }
        return candidates.first(where: isIPv4)
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && (UInt8(part) != nil)
        }
    }

    static func targetRef(_ pod: JSON) -> JSON {
        ["kind": "Pod", "namespace": .string(Meta.namespace(pod) ?? ""), "name": .string(Meta.name(pod)),
         "uid": .string(Meta.uid(pod))]
    }

    /// The DNS hostname of a pod behind a Service: set when the pod's subdomain names the Service.
    static func hostname(_ pod: JSON, service: ServiceView) -> String? {
        guard let host = pod["spec"]["hostname"].stringValue, !host.isEmpty,
              pod["spec"]["subdomain"].stringValue == service.name else { return nil }
        return host
    }
}

enum TriggerTime {
    /// Without the driver's own record of the change, the latest known change among the inputs:
    /// the Service's creation and each pod's last readiness transition (or creation).
    static func derive(service: JSON, pods: [JSON]) -> Date? {
        var latest = Meta.timestamp(service["metadata"]["creationTimestamp"])
        for pod in pods {
            let changed = Meta.timestamp(PodState.condition(pod, "Ready")?["lastTransitionTime"] ?? .null)
                ?? Meta.timestamp(pod["metadata"]["creationTimestamp"])
            if let changed, latest.map({ changed > $0 }) ?? true { latest = changed }
        }
        return latest
    }
}

extension JSON {
    /// An object of string values.
    static func stringMap(_ map: [String: String]) -> JSON {
        .object(JSONObject(uniqueKeysWithValues: map.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }))
    }
}
