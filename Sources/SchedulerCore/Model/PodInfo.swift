import FoundationEssentials
import KubeAPI

/// A host port a container asks for; `0.0.0.0` (or an empty IP) conflicts with every IP.
public struct HostPort: Sendable, Hashable {
    public var ip: String
    public var proto: String
    public var port: Int64

    public init(ip: String = "0.0.0.0", proto: String = "TCP", port: Int64) {
        self.ip = ip.isEmpty ? "0.0.0.0" : ip
        self.proto = proto.isEmpty ? "TCP" : proto
        self.port = port
    }

    /// Upstream `HostPortInfo.CheckConflict`: same protocol and port, and either IP is the wildcard or they are equal.
    func conflicts(with other: HostPort) -> Bool {
        port == other.port && proto == other.proto && (ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

/// Everything the scheduler reads from a pod, parsed once from its JSON so that filtering and
/// scoring never walk JSON again.
public struct PodInfo: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var uid: String
    /// `namespace/name`, the pod's key in the snapshot and the queue.
    public var key: String { namespace + "/" + name }
    public var labels: [String: String]
    /// `spec.nodeName`; empty while the pod is unscheduled.
    public var nodeName: String
    public var priority: Int64
    /// `spec.preemptionPolicy` is `Never`.
    public var neverPreempts: Bool
    public var creationTimestamp: Date?
    public var requests: ResourceAmounts
    /// Requests with the scorers' defaults for containers that request nothing.
    public var nonZeroRequests: ResourceAmounts
    public var hostPorts: [HostPort]
    public var tolerations: [Toleration]
    public var nodeSelector: [String: String]
    /// `phase` is Succeeded or Failed: the pod no longer holds node resources.
    public var isTerminal: Bool
    public var isDeleting: Bool
    public var schedulerName: String
    public var hasSchedulingGates: Bool

    var requiredNodeTerms: [NodeSelectorTerm]?
    var preferredNodeTerms: [PreferredNodeTerm]
    var requiredAffinity: [PodAffinityTerm]
    var requiredAntiAffinity: [PodAffinityTerm]
    var preferredAffinity: [WeightedPodAffinityTerm]
    var preferredAntiAffinity: [WeightedPodAffinityTerm]

    /// Forgets what only placing the pod needed (tolerations, node selector and node affinity,
    /// scheduler name) once it is on a node: a placed pod counts for its resources, ports, labels
    /// and pod (anti-)affinity terms only, and 10,000 placed pods should not carry the rest.
    public mutating func dropPlacementInputs() {
        tolerations = []
        nodeSelector = [:]
        requiredNodeTerms = nil
        preferredNodeTerms = []
        schedulerName = ""
    }

    var hasPodAffinity: Bool {
        !requiredAffinity.isEmpty || !requiredAntiAffinity.isEmpty || !preferredAffinity.isEmpty || !preferredAntiAffinity.isEmpty
    }

    /// Parses a pod as the API returns it. Missing or malformed fields take their zero value (a
    /// pod without `metadata.name` gets an empty name); nothing here throws or traps.
    public init(json pod: JSON) {
        let metadata = pod["metadata"]
        let spec = pod["spec"]
        namespace = metadata["namespace"].stringValue ?? "default"
        name = metadata["name"].stringValue ?? ""
        uid = metadata["uid"].stringValue ?? ""
        labels = Self.stringMap(metadata["labels"])
        nodeName = spec["nodeName"].stringValue ?? ""
        priority = spec["priority"].intValue.map { max(min($0, Int64(Int32.max)), Int64(Int32.min)) } ?? 0
        neverPreempts = spec["preemptionPolicy"].stringValue == "Never"
        creationTimestamp = metadata["creationTimestamp"].stringValue.flatMap(Timestamp.parse)
        requests = ResourceAmounts.podRequests(spec, nonZero: false)
        nonZeroRequests = ResourceAmounts.podRequests(spec, nonZero: true)
        var ports: [HostPort] = []
        let containers = (spec["containers"].arrayValue ?? []) + (spec["initContainers"].arrayValue ?? [])
        for container in containers {
            for port in container["ports"].arrayValue ?? [] {
                guard let hostPort = port["hostPort"].intValue, hostPort > 0 else { continue }
                ports.append(HostPort(ip: port["hostIP"].stringValue ?? "", proto: port["protocol"].stringValue ?? "", port: hostPort))
            }
        }
        hostPorts = ports
        tolerations = (spec["tolerations"].arrayValue ?? []).map(Toleration.init(json:))
        nodeSelector = Self.stringMap(spec["nodeSelector"])
        let phase = pod[path: ["status", "phase"]].stringValue
        isTerminal = phase == "Succeeded" || phase == "Failed"
        isDeleting = !metadata["deletionTimestamp"].isNull
        schedulerName = spec["schedulerName"].stringValue ?? "default-scheduler"
        hasSchedulingGates = !(spec["schedulingGates"].arrayValue ?? []).isEmpty

        let nodeAffinity = spec[path: ["affinity", "nodeAffinity"]]
        let required = nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"]
        requiredNodeTerms = required.isNull ? nil : (required["nodeSelectorTerms"].arrayValue ?? []).map(NodeSelectorTerm.init(json:))
        preferredNodeTerms = (nodeAffinity["preferredDuringSchedulingIgnoredDuringExecution"].arrayValue ?? []).compactMap { item in
            guard let weight = item["weight"].intValue, weight > 0 else { return nil }
            return PreferredNodeTerm(weight: weight, term: NodeSelectorTerm(json: item["preference"]))
        }
        let (ns, lbls) = (namespace, labels)
        func terms(_ json: JSON) -> [PodAffinityTerm] {
            (json.arrayValue ?? []).compactMap { PodAffinityTerm(json: $0, ownerNamespace: ns, ownerLabels: lbls) }
        }
        func weighted(_ json: JSON) -> [WeightedPodAffinityTerm] {
            (json.arrayValue ?? []).compactMap { item in
                guard let weight = item["weight"].intValue, weight != 0,
                      let term = PodAffinityTerm(json: item["podAffinityTerm"], ownerNamespace: ns, ownerLabels: lbls) else { return nil }
                return WeightedPodAffinityTerm(weight: weight, term: term)
            }
        }
        let affinity = spec[path: ["affinity", "podAffinity"]]
        let antiAffinity = spec[path: ["affinity", "podAntiAffinity"]]
        requiredAffinity = terms(affinity["requiredDuringSchedulingIgnoredDuringExecution"])
        requiredAntiAffinity = terms(antiAffinity["requiredDuringSchedulingIgnoredDuringExecution"])
        preferredAffinity = weighted(affinity["preferredDuringSchedulingIgnoredDuringExecution"])
        preferredAntiAffinity = weighted(antiAffinity["preferredDuringSchedulingIgnoredDuringExecution"])
    }

    private static func stringMap(_ json: JSON) -> [String: String] {
        guard case .object(let object) = json else { return [:] }
        var map: [String: String] = [:]
        map.reserveCapacity(object.count)
        for (key, value) in object { if let s = value.stringValue { map[key] = s } }
        return map
    }
}
