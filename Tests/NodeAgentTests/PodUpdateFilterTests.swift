import KubeAPI
@testable import NodeAgent
import Testing

/// Which pod updates wake the pod's worker: its own status writes must not (each would repeat
/// every runtime call of the pod), spec, metadata and deletion changes and a terminal phase must.
@Suite struct PodUpdateFilterTests {
    static let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1", "resourceVersion": "10", "labels": ["app": "web"]],
        "spec": ["containers": [["name": "main", "image": "busybox"]]],
        "status": ["phase": "Pending"],
    ]

    @Test func statusWritesDoNotWakeThePod() {
        var running = Self.pod
        running["metadata"]["resourceVersion"] = "11"
        running["status"] = ["phase": "Running", "podIP": "10.42.0.5",
                             "containerStatuses": [["name": "main", "ready": true, "restartCount": 0]]]
        #expect(!NodeAgent.needsSync(old: Self.pod, new: running))
        var managed = running
        managed["metadata"]["managedFields"] = [["manager": "kubelet", "operation": "Update"]]
        #expect(!NodeAgent.needsSync(old: running, new: managed))
    }

    @Test func specMetadataDeletionAndTerminalPhaseWakeThePod() {
        var changed = Self.pod
        changed["spec"]["activeDeadlineSeconds"] = 30
        #expect(NodeAgent.needsSync(old: Self.pod, new: changed))
        changed = Self.pod
        changed["metadata"]["labels"]["tier"] = "front"
        #expect(NodeAgent.needsSync(old: Self.pod, new: changed))
        changed = Self.pod
        changed["metadata"]["annotations"] = ["note": "x"]
        #expect(NodeAgent.needsSync(old: Self.pod, new: changed))
        changed = Self.pod
        changed["metadata"]["deletionTimestamp"] = "2026-11-29T12:00:00Z"
        changed["metadata"]["deletionGracePeriodSeconds"] = 30
        #expect(NodeAgent.needsSync(old: Self.pod, new: changed))
        for phase in ["Succeeded", "Failed"] {
            var finished = Self.pod
            finished["status"]["phase"] = .string(phase)
            #expect(NodeAgent.needsSync(old: Self.pod, new: finished), "\(phase)")
        }
    }
}
