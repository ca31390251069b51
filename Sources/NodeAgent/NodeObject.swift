import FoundationEssentials
import Glibc
import KubeAPI
import SwiftletInfo

/// The Node object of a real node: labels, capacity, addresses, system info and conditions as
/// the kubelet writes them (`pkg/kubelet/kubelet_node_status.go`). Pure.
public struct NodeDescription: Sendable, Equatable {
    public var name: String
    public var machine: MachineInfo
    /// `containerd://<version>` from the CRI Version call.
    public var containerRuntimeVersion: String
    public var kubeletVersion = SwiftletVersion.kubernetesGitVersion
    /// Servers carry `node-role.kubernetes.io/control-plane`.
    public var controlPlane: Bool
    public var kubeletPort: Int64 = 10250

    public init(name: String, machine: MachineInfo, containerRuntimeVersion: String, controlPlane: Bool) {
        self.name = name
        self.machine = machine
        self.containerRuntimeVersion = containerRuntimeVersion
        self.controlPlane = controlPlane
    }

    public var labels: [(String, String)] {
        var labels = [("beta.kubernetes.io/arch", machine.architecture), ("beta.kubernetes.io/os", "linux"),
                      ("kubernetes.io/arch", machine.architecture), ("kubernetes.io/hostname", name),
                      ("kubernetes.io/os", "linux")]
        if controlPlane { labels.append(("node-role.kubernetes.io/control-plane", "true")) }
        return labels
    }

    /// The Node to create, or `existing` with our labels added (everything else it has, such as
    /// `spec.podCIDR` and taints, is kept).
    public func nodeObject(existing: JSON? = nil) -> JSON {
        var node: JSON = existing ?? ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)], "spec": [:]]
        if node["metadata"]["labels"].objectValue == nil { node["metadata"]["labels"] = [:] }
        for (key, value) in labels { node["metadata"]["labels"][key] = .string(value) }
        if node["metadata"]["annotations"].objectValue == nil { node["metadata"]["annotations"] = [:] }
        node["metadata"]["annotations"]["volumes.kubernetes.io/controller-managed-attach-detach"] = "true"
        return node
    }

    /// `status`; a condition keeps its `lastTransitionTime` from `previous` while its status is
    /// unchanged. `notReadyReason` nil means Ready.
    public func status(previous: JSON?, notReadyReason: String?, pressure: NodePressure = NodePressure(), now: Date) -> JSON {
        let time = JSON.string(Timestamp.format(now))
        let ready = notReadyReason == nil
        let wanted: [(String, String, String, String)] = [
            pressure.memory ? ("MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
                : ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            pressure.disk ? ("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure")
                : ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            pressure.pid ? ("PIDPressure", "True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available")
                : ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", ready ? "True" : "False", ready ? "KubeletReady" : "KubeletNotReady",
             notReadyReason ?? "kubelet is posting ready status"),
        ]
        let old = previous?["conditions"].arrayValue ?? []
        let conditions: [JSON] = wanted.map { type, status, reason, message in
            let before = old.first { $0["type"].stringValue == type }
            // Kept only while the status is unchanged (and the old time is there: JSON's `nil` is
            // `.null`, not a missing value, so this is spelled out).
            var transition = time
            if let before, before["status"].stringValue == status, !before["lastTransitionTime"].isNull {
                transition = before["lastTransitionTime"]
            }
            return ["type": .string(type), "status": .string(status), "lastHeartbeatTime": time,
                    "lastTransitionTime": transition, "reason": .string(reason), "message": .string(message)]
        }
        var resources: JSONObject = [:]
        for (key, value) in machine.capacity { resources[key] = .string(value) }
        return [
            "capacity": .object(resources), "allocatable": .object(resources), "conditions": .array(conditions),
            "addresses": [["type": "InternalIP", "address": .string(machine.internalIP)],
                          ["type": "Hostname", "address": .string(name)]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(kubeletPort)]],
            "nodeInfo": [
                "machineID": .string(machine.machineID), "systemUUID": .string(machine.machineID),
                "bootID": .string(machine.bootID), "kernelVersion": .string(machine.kernelVersion),
                "osImage": .string(machine.osImage), "containerRuntimeVersion": .string(containerRuntimeVersion),
                "kubeletVersion": .string(kubeletVersion), "kubeProxyVersion": .string(kubeletVersion),
                "operatingSystem": "linux", "architecture": .string(machine.architecture),
            ],
        ]
    }

    /// Whether `current` differs from what `status` would write in anything but heartbeat times.
    public func statusNeedsUpdate(_ current: JSON, notReadyReason: String?, pressure: NodePressure = NodePressure()) -> Bool {
        let wanted = status(previous: current, notReadyReason: notReadyReason, pressure: pressure, now: Date(timeIntervalSince1970: 0))
        for key in ["capacity", "allocatable", "addresses", "nodeInfo", "daemonEndpoints"] where current[key] != wanted[key] {
            return true
        }
        let summary = { (status: JSON) in Set((status["conditions"].arrayValue ?? []).map { [$0["type"], $0["status"], $0["reason"], $0["message"]] }) }
        return summary(current) != summary(wanted)
    }
}
