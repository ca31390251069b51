import KubeAPI

/// A node as the scheduler sees it: its object's fields plus what the pods bound to it use.
public struct NodeInfo: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    /// Taints from `spec.taints`, plus the condition taints a not-ready or network-unavailable
    /// node would get from the node lifecycle controller (see `init(json:)`).
    public var taints: [Taint]
    public var unschedulable: Bool
    public var allocatable: ResourceAmounts
    /// Sum of the requests of the pods assigned to the node.
    public internal(set) var requested: ResourceAmounts = .zero
    /// Same with the scorers' defaults for best-effort containers.
    public internal(set) var nonZeroRequested: ResourceAmounts = .zero
    public internal(set) var podCount: Int = 0
    /// Host ports in use, with how many pods use each (two pods may share a port on different IPs).
    public internal(set) var usedPorts: [HostPort: Int] = [:]
    /// The pods assigned to this node by key (`namespace/name`), boxed so that scanning them for
    /// affinity costs one reference per pod instead of copying each pod's fields.
    var pods: [String: PodRecord] = [:]
    /// Keys (`namespace/name`) of the pods assigned to this node.
    public var podKeys: Set<String> { Set(pods.keys) }
    /// False while only pods refer to the node (its object has not arrived or was deleted).
    public internal(set) var exists: Bool = false

    public init(name: String, labels: [String: String] = [:], taints: [Taint] = [],
                unschedulable: Bool = false, allocatable: ResourceAmounts = .zero) {
        self.name = name
        self.labels = labels
        self.taints = taints
        self.unschedulable = unschedulable
        self.allocatable = allocatable
    }

    /// Reads a node object. A node whose `Ready` condition is not `True` (or is missing) gets the
    /// `node.kubernetes.io/not-ready` (`unreachable` when Unknown) NoSchedule taint, and one with
    /// `NetworkUnavailable=True` gets `node.kubernetes.io/network-unavailable`, exactly as upstream's
    /// TaintNodesByCondition would add them; so readiness is filtered with upstream's taint wording
    /// and pods tolerating those taints (DaemonSets) still schedule.
    public init(json node: JSON) {
        let metadata = node["metadata"]
        let spec = node["spec"]
        self.init(name: metadata["name"].stringValue ?? "")
        if case .object(let object) = metadata["labels"] {
            for (key, value) in object { if let s = value.stringValue { labels[key] = s } }
        }
        taints = (spec["taints"].arrayValue ?? []).compactMap(Taint.init(json:))
        unschedulable = spec["unschedulable"].boolValue ?? false
        allocatable = ResourceAmounts(resourceList: node[path: ["status", "allocatable"]])
        if node[path: ["status", "allocatable"]].isNull {
            // The API server defaults allocatable to capacity; do the same for objects that skipped it.
            allocatable = ResourceAmounts(resourceList: node[path: ["status", "capacity"]])
        }
        var ready: String?
        var networkUnavailable = false
        for condition in node[path: ["status", "conditions"]].arrayValue ?? [] {
            switch condition["type"].stringValue {
            case "Ready": ready = condition["status"].stringValue
            case "NetworkUnavailable": networkUnavailable = condition["status"].stringValue == "True"
            default: break
            }
        }
        func addTaint(_ key: String) {
            if !taints.contains(where: { $0.key == key && $0.effect == "NoSchedule" }) {
                taints.append(Taint(key: key, effect: "NoSchedule"))
            }
        }
        switch ready {
        case "True": break
        case "Unknown": addTaint("node.kubernetes.io/unreachable")
        default: addTaint("node.kubernetes.io/not-ready")
        }
        if networkUnavailable { addTaint("node.kubernetes.io/network-unavailable") }
    }

    /// Free resources: allocatable minus requested.
    public var free: ResourceAmounts { allocatable - requested }

    mutating func add(_ pod: PodInfo) {
        add(PodRecord(pod))
    }

    mutating func add(_ record: PodRecord) {
        let pod = record.info
        guard pods.updateValue(record, forKey: pod.key) == nil else { return }
        requested = requested + pod.requests
        nonZeroRequested = nonZeroRequested + pod.nonZeroRequests
        podCount += 1
        for port in pod.hostPorts { usedPorts[port, default: 0] += 1 }
    }

    mutating func remove(_ pod: PodInfo) {
        guard pods.removeValue(forKey: pod.key) != nil else { return }
        requested = requested - pod.requests
        nonZeroRequested = nonZeroRequested - pod.nonZeroRequests
        podCount -= 1
        for port in pod.hostPorts {
            let left = (usedPorts[port] ?? 1) - 1
            usedPorts[port] = left > 0 ? left : nil
        }
    }

    /// Keeps the accounting of `other` (same node name) and the object fields of `self`.
    mutating func takeAccounting(from other: NodeInfo) {
        requested = other.requested
        nonZeroRequested = other.nonZeroRequested
        podCount = other.podCount
        usedPorts = other.usedPorts
        pods = other.pods
    }
}

/// An assigned pod, boxed (see `NodeInfo.pods`).
final class PodRecord: Sendable, Hashable {
    let info: PodInfo
    init(_ info: PodInfo) { self.info = info }
    static func == (a: PodRecord, b: PodRecord) -> Bool { a === b || a.info == b.info }
    func hash(into hasher: inout Hasher) { hasher.combine(info.key) }
}
