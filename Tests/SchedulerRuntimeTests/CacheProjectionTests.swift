import Foundation
import KubeAPI
import SchedulerCore
import Testing
@testable import SchedulerRuntime

@Suite struct CacheProjectionTests {
    /// A node as a kubelet reports it: heartbeats, addresses, images and node info the scheduler
    /// does not read.
    static func kubeletNode(heartbeat: String, ready: String = "True", taints: JSON = .null) -> JSON {
        var object = node("n1", labels: ["zone": "a"])
        object["metadata"]["uid"] = "u-1"
        object["metadata"]["annotations"] = ["volumes.kubernetes.io/controller-managed-attach-detach": "true"]
        object["spec"]["podCIDR"] = "10.42.0.0/24"
        if !taints.isNull { object["spec"]["taints"] = taints }
        object["status"]["conditions"] = [
            ["type": "MemoryPressure", "status": "False", "lastHeartbeatTime": .string(heartbeat), "reason": "KubeletHasSufficientMemory"],
            ["type": "Ready", "status": .string(ready), "lastHeartbeatTime": .string(heartbeat), "message": "kubelet is posting ready status"],
        ]
        object["status"]["nodeInfo"] = ["kubeletVersion": "v1.32.0", "bootID": "b"]
        object["status"]["addresses"] = [["type": "InternalIP", "address": "10.0.0.1"]]
        return object
    }

    @Test(arguments: [
        (JSON.null, "True"),
        (JSON.null, "Unknown"),
        ([["key": "dedicated", "value": "db", "effect": "NoSchedule"]] as JSON, "True"),
    ])
    func nodeProjectionKeepsWhatTheSchedulerModels(taints: JSON, ready: String) {
        let full = Self.kubeletNode(heartbeat: "2026-11-28T10:00:00Z", ready: ready, taints: taints)
        let projected = CacheProjections.node(full)
        #expect(NodeInfo(json: projected) == NodeInfo(json: full))
        #expect(projected["status"]["nodeInfo"].isNull && projected["status"]["addresses"].isNull)
        #expect(projected.serialized().count < full.serialized().count * 2 / 3)
    }

    @Test func heartbeatOnlyUpdatesProjectToTheSameNode() {
        let a = CacheProjections.node(Self.kubeletNode(heartbeat: "2026-11-28T10:00:00Z"))
        let b = CacheProjections.node(Self.kubeletNode(heartbeat: "2026-11-28T10:05:00Z"))
        #expect(a == b)
        let notReady = CacheProjections.node(Self.kubeletNode(heartbeat: "2026-11-28T10:05:00Z", ready: "False"))
        #expect(a != notReady)
    }

    @Test func podProjectionKeepsIdentityNodeAndPodScheduled() throws {
        var full = pod("p", cpu: "100m")
        full["metadata"]["uid"] = "u-p"
        full["metadata"]["resourceVersion"] = "42"
        full["metadata"]["labels"] = ["app": "web"]
        full["status"]["conditions"] = [
            ["type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available"],
            ["type": "Ready", "status": "False"],
        ]
        let projected = CacheProjections.pod(full)
        #expect(projected["metadata"] == ["name": "p", "namespace": "default", "uid": "u-p", "resourceVersion": "42"])
        #expect(projected["spec"].isNull)
        #expect(projected["status"]["conditions"].arrayValue?.count == 1)
        // Once placed, only the node is kept (for the cache's node index).
        var placed = full
        placed["spec"]["nodeName"] = "n1"
        #expect(CacheProjections.pod(placed)["spec"] == ["nodeName": "n1"])
        #expect(CacheProjections.pod(placed)["status"].isNull)
        // The writes built from the cached form match those built from the full object.
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(SchedulerWrites.unschedulableStatusPatch(pod: projected, message: "0/3 nodes are available", now: now)
                == SchedulerWrites.unschedulableStatusPatch(pod: full, message: "0/3 nodes are available", now: now))
        let fromCache = SchedulerWrites.scheduledEvent(pod: projected, nodeName: "n1")
        let fromFull = SchedulerWrites.scheduledEvent(pod: full, nodeName: "n1")
        #expect(fromCache.message == fromFull.message)
        for key in ["name", "namespace", "uid", "resourceVersion"] {
            #expect(fromCache.involvedObject["metadata"][key] == fromFull.involvedObject["metadata"][key])
        }
        #expect(fromCache.involvedObject["kind"] == "Pod" && fromCache.involvedObject["apiVersion"] == "v1")
    }
}
