import Foundation
import KubeAPI
import NodeAgent
import Testing

@Suite struct NodeObjectTests {
    static let machine = MachineInfo(cpuCount: 4, memoryBytes: 8 * 1024 * 1024 * 1024, ephemeralStorageBytes: 100 * 1024 * 1024 * 1024,
                                     kernelVersion: "6.1.0", osImage: "Debian GNU/Linux 12 (bookworm)", architecture: "arm64",
                                     machineID: "m", bootID: "b", internalIP: "192.0.2.10")
    static let node = NodeDescription(name: "edge-1", machine: machine, containerRuntimeVersion: "containerd://1.6.20", controlPlane: true)

    @Test func newNodeAndExistingNode() {
        let fresh = Self.node.nodeObject()
        #expect(fresh["metadata"]["name"] == "edge-1")
        #expect(fresh["metadata"]["labels"]["kubernetes.io/hostname"] == "edge-1")
        #expect(fresh["metadata"]["labels"]["kubernetes.io/arch"] == "arm64")
        #expect(fresh["metadata"]["labels"]["kubernetes.io/os"] == "linux")
        #expect(fresh["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == "true")
        // An existing node keeps what others own (podCIDR, taints, other labels).
        let existing: JSON = ["metadata": ["name": "edge-1", "labels": ["team": "a"]],
                              "spec": ["podCIDR": "10.42.1.0/24", "taints": [["key": "k", "effect": "NoSchedule"]]]]
        let updated = Self.node.nodeObject(existing: existing)
        #expect(updated["metadata"]["labels"]["team"] == "a")
        #expect(updated["metadata"]["labels"]["kubernetes.io/hostname"] == "edge-1")
        #expect(updated["spec"] == existing["spec"])
        var agent = Self.node
        agent.controlPlane = false
        #expect(agent.nodeObject()["metadata"]["labels"]["node-role.kubernetes.io/control-plane"].isNull)
    }

    @Test func statusAndReadiness() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let notReady = Self.node.status(previous: nil, notReadyReason: "network plugin not ready", now: t0)
        #expect(notReady["capacity"]["cpu"] == "4")
        #expect(notReady["capacity"]["memory"] == "8388608Ki")
        #expect(notReady["capacity"]["pods"] == "110")
        #expect(notReady["allocatable"] == notReady["capacity"])
        #expect(notReady["addresses"] == [["type": "InternalIP", "address": "192.0.2.10"], ["type": "Hostname", "address": "edge-1"]])
        #expect(notReady["nodeInfo"]["containerRuntimeVersion"] == "containerd://1.6.20")
        #expect(notReady["nodeInfo"]["osImage"] == "Debian GNU/Linux 12 (bookworm)")
        let ready = { (status: JSON) in (status["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" } }
        #expect(ready(notReady)?["status"] == "False")
        #expect(ready(notReady)?["message"] == "network plugin not ready")
        #expect(Self.node.statusNeedsUpdate(notReady, notReadyReason: nil))
        #expect(!Self.node.statusNeedsUpdate(notReady, notReadyReason: "network plugin not ready"))

        let t1 = t0.addingTimeInterval(30)
        let nowReady = Self.node.status(previous: notReady, notReadyReason: nil, now: t1)
        #expect(ready(nowReady)?["status"] == "True")
        #expect(ready(nowReady)?["lastTransitionTime"] == .string(Timestamp.format(t1)))
        // Unchanged conditions keep their transition time; heartbeats move.
        let memory = (nowReady["conditions"].arrayValue ?? []).first { $0["type"] == "MemoryPressure" }
        #expect(memory?["lastTransitionTime"] == .string(Timestamp.format(t0)))
        #expect(memory?["lastHeartbeatTime"] == .string(Timestamp.format(t1)))
    }
}
