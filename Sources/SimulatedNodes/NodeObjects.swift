import FoundationEssentials
import KubeAPI

/// Builds the Node and Lease objects of one simulated node, with the field shapes the real kubelet
/// writes (`pkg/kubelet/kubelet_node_status.go`, `nodestatus/setters.go`, `nodelease`).
/// Pure functions: the driver decides when to write them.
public struct SimulatedNode: Sendable, Hashable {
    public var name: String
    /// Position among this process's nodes; picks the node's addresses.
    public var index: Int

    public init(name: String, index: Int) {
        self.name = name
        self.index = index
    }

    /// `10.244.<i / 254>.<i % 254 + 1>`: distinct for up to 65,000 nodes and clear of the default
    /// cluster (10.42/16) and service (10.43/16) ranges.
    public var internalIP: String { "10.244.\(index / 254 % 256).\(index % 254 + 1)" }

    /// The pod range used when the node has no `spec.podCIDR`: `10.<88 + i / 256>.<i % 256>.0/24`.
    public var fallbackPodCIDR: String { "10.\(88 + index / 256 % 160).\(index % 256).0/24" }

    /// The labels the kubelet sets on its node, plus the simulated marker.
    public func labels(profile: SimulatedNodeProfile) -> [(String, String)] {
        [("beta.kubernetes.io/arch", profile.architecture), ("beta.kubernetes.io/os", profile.operatingSystem),
         ("kubernetes.io/arch", profile.architecture), ("kubernetes.io/hostname", name),
         ("kubernetes.io/os", profile.operatingSystem), ("node.kubernetes.io/instance-type", "simulated"),
         (SimulatedLabels.simulatedNode, "true")]
    }

    /// The Node as first registered; `existing` (a node already on the server) keeps everything
    /// the kubelet does not own (spec.podCIDR, taints, other labels), gaining our labels.
    public func nodeObject(profile: SimulatedNodeProfile, existing: JSON? = nil, now: Date) -> JSON {
        var node: JSON = existing ?? [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name)],
            "spec": [:],
        ]
        if node["metadata"]["labels"].objectValue == nil { node["metadata"]["labels"] = [:] }
        for (key, value) in labels(profile: profile) { node["metadata"]["labels"][key] = .string(value) }
        if node["metadata"]["annotations"].objectValue == nil { node["metadata"]["annotations"] = [:] }
        node["metadata"]["annotations"]["volumes.kubernetes.io/controller-managed-attach-detach"] = "true"
        if existing == nil { node["status"] = status(profile: profile, previous: nil, now: now) }
        return node
    }

    /// `status` with Ready=True and no pressure; `lastTransitionTime` of a condition whose status
    /// did not change is kept from `previous`, `lastHeartbeatTime` is `now`.
    public func status(profile: SimulatedNodeProfile, previous: JSON?, now: Date) -> JSON {
        let time = JSON.string(Timestamp.format(now))
        let wanted: [(String, String, String, String)] = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        let old = previous?["conditions"].arrayValue ?? []
        let conditions: [JSON] = wanted.map { type, status, reason, message in
            let before = old.first { $0["type"].stringValue == type }
            // Kept while the status stays; a flip (or no earlier condition) transitions now. (An
            // explicit Optional: a bare `nil` here would be JSON's null literal, never missing.)
            let kept: JSON? = before.flatMap { $0["status"].stringValue == status ? $0["lastTransitionTime"] : Optional<JSON>.none }
            let transition = kept.flatMap { $0.isNull ? nil : $0 } ?? time
            return ["type": .string(type), "status": .string(status), "lastHeartbeatTime": time,
                    "lastTransitionTime": transition, "reason": .string(reason), "message": .string(message)]
        }
        var resources: JSONObject = [:]
        for (key, value) in profile.capacity { resources[key] = .string(value) }
        return [
            "capacity": .object(resources), "allocatable": .object(resources),
            "conditions": .array(conditions),
            "addresses": [["type": "InternalIP", "address": .string(internalIP)],
                          ["type": "Hostname", "address": .string(name)]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(profile.kubeletPort)]],
            "nodeInfo": [
                "machineID": .string(FakeDigest.hex(name, length: 32)),
                "systemUUID": .string(FakeDigest.uuid("system/" + name)),
                "bootID": .string(FakeDigest.uuid("boot/" + name)),
                "kernelVersion": .string(profile.kernelVersion), "osImage": .string(profile.osImage),
                "containerRuntimeVersion": .string(profile.containerRuntimeVersion),
                "kubeletVersion": .string(profile.kubeletVersion),
                "operatingSystem": .string(profile.operatingSystem), "architecture": .string(profile.architecture),
            ],
        ]
    }

    /// True when `current` lacks something `status(...)` would write apart from heartbeat times
    /// (a changed condition, capacity, address or version): the status must be written now.
    public func statusNeedsUpdate(_ current: JSON, profile: SimulatedNodeProfile) -> Bool {
        let wanted = status(profile: profile, previous: current, now: Date(timeIntervalSince1970: 0))
        for key in ["capacity", "allocatable", "addresses", "nodeInfo", "daemonEndpoints"] where current[key] != wanted[key] {
            return true
        }
        let have = (current["conditions"].arrayValue ?? []).map { [$0["type"], $0["status"], $0["reason"]] }
        let want = (wanted["conditions"].arrayValue ?? []).map { [$0["type"], $0["status"], $0["reason"]] }
        return Set(have) != Set(want)
    }

    /// The node's Lease in `kube-node-lease`, owned by the Node as upstream's lease controller
    /// sets it (no controller flag, so deleting the Node garbage-collects the Lease).
    public func leaseObject(nodeUID: String?, durationSeconds: Int64, now: Date, existing: JSON? = nil) -> JSON {
        var lease: JSON = existing ?? [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": .string(name), "namespace": .string(SimulatedLabels.leaseNamespace)],
            "spec": [:],
        ]
        lease["spec"]["holderIdentity"] = .string(name)
        lease["spec"]["leaseDurationSeconds"] = .int(durationSeconds)
        lease["spec"]["renewTime"] = .string(MicroTime.format(now))
        if let nodeUID, lease["metadata"]["ownerReferences"].arrayValue?.isEmpty ?? true {
            lease["metadata"]["ownerReferences"] = [[
                "apiVersion": "v1", "kind": "Node", "name": .string(name), "uid": .string(nodeUID),
            ]]
        }
        return lease
    }
}

/// `metav1.MicroTime`: RFC 3339 with six fractional digits (`2024-05-01T10:00:00.123456Z`).
public enum MicroTime {
    public static func format(_ date: Date) -> String {
        let seconds = Timestamp.format(date)
        let micros = Int((date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)) * 1e6) % 1_000_000
        let digits = String(micros)
        return seconds.dropLast() + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }
}

/// Stable fake identifiers (image digests, container IDs, machine IDs) derived from names, so a
/// restarted simulator reports the same values.
public enum FakeDigest {
    /// `length` lowercase hex digits from FNV-1a hashes of `text`.
    public static func hex(_ text: String, length: Int = 64) -> String {
        var out = ""
        var round: UInt64 = 0
        while out.count < length {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ round
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            let chunk = String(hash, radix: 16)
            out += String(repeating: "0", count: 16 - chunk.count) + chunk
            round += 1
        }
        return String(out.prefix(length))
    }

    /// A UUID-shaped (8-4-4-4-12) value.
    public static func uuid(_ text: String) -> String {
        let h = Array(hex(text, length: 32))
        return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
    }
}
