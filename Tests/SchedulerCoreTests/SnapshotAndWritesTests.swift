import Foundation
import KubeAPI
import Testing
@testable import SchedulerCore

struct SnapshotTests {
    @Test func incrementalAccounting() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("n", cpu: "4", memory: "8Gi")], pods: [])
        snapshot.upsertPod(Fixture.pod("a", node: "n", cpu: "1", memory: "1Gi", containers: nil))
        snapshot.upsertPod(Fixture.pod("b", node: "n", cpu: "500m"))
        #expect(snapshot.node(named: "n")?.requested == ResourceAmounts(milliCPU: 1500, memory: 1 << 30))
        #expect(snapshot.node(named: "n")?.podCount == 2)
        // Update in place (request changed) and completion free resources.
        snapshot.upsertPod(Fixture.pod("a", node: "n", cpu: "2", memory: "1Gi"))
        #expect(snapshot.node(named: "n")?.requested.milliCPU == 2500)
        snapshot.upsertPod(Fixture.pod("b", node: "n", cpu: "500m", phase: "Succeeded"))
        #expect(snapshot.node(named: "n")?.requested.milliCPU == 2000)
        snapshot.removePod(namespace: "default", name: "a")
        #expect(snapshot.node(named: "n")?.requested == .zero)
        #expect(snapshot.node(named: "n")?.podCount == 0)
        snapshot.removePod(namespace: "default", name: "missing")  // harmless
    }

    @Test func podBeforeNodeAndNodeUpdatesKeepAccounting() {
        var snapshot = ClusterSnapshot()
        snapshot.upsertPod(Fixture.pod("a", node: "n", cpu: "1", containers: [Fixture.hostPortContainer(80)]))
        #expect(snapshot.node(named: "n") == nil)
        #expect(snapshot.nodeCount == 0)
        snapshot.upsertNode(Fixture.node("n"))
        #expect(snapshot.node(named: "n")?.podCount == 1)
        #expect(snapshot.node(named: "n")?.usedPorts[HostPort(port: 80)] == 1)
        snapshot.upsertNode(Fixture.node("n", labels: ["zone": "z"]))
        #expect(snapshot.node(named: "n")?.podCount == 1)
        #expect(snapshot.node(named: "n")?.labels["zone"] == "z")
        snapshot.removeNode(named: "n")
        #expect(snapshot.nodeCount == 0)
        snapshot.removePod(key: "default/a")
        snapshot.upsertNode(Fixture.node("n"))
        #expect(snapshot.node(named: "n")?.podCount == 0)
    }

    @Test func removingAnAntiAffinePodLiftsItsRule() throws {
        let guardPod = InterPodAffinityTests.withAffinity("guard", node: "a", antiAffinity: [Fixture.affinityTerm(["app": "web"])])
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a")], pods: [guardPod])
        var scheduler = Scheduler()
        let web = Fixture.podInfo("w", labels: ["app": "web"])
        #expect((try? scheduler.schedule(pod: web, snapshot: snapshot).get()) == nil)
        snapshot.removePod(namespace: "default", name: "guard")
        #expect(try scheduler.schedule(pod: web, snapshot: snapshot).get() == "a")
    }

    @Test func removeNodeKeepsOrderOfOthers() {
        var snapshot = ClusterSnapshot(nodes: ["a", "b", "c", "d"].map { Fixture.node($0) }, pods: [])
        snapshot.removeNode(named: "b")
        #expect(snapshot.nodeNames == ["a", "c", "d"])
        snapshot.upsertNode(Fixture.node("b"))
        #expect(snapshot.nodeNames == ["a", "c", "d", "b"])
    }

    @Test(arguments: [
        ("100m", Int64(100)), ("0.5", 500), ("1", 1000), ("1.0001", 1001), ("2e3", 2_000_000), ("-1", 0), ("abc", 0),
    ])
    func cpuQuantities(_ text: String, _ milli: Int64) {
        #expect(ResourceAmounts(resourceList: ["cpu": .string(text)]).milliCPU == milli)
    }

    @Test func requestsWithSidecarsInitContainersAndOverhead() {
        let pod = PodInfo(json: Fixture.pod("p", spec: [
            "initContainers": [
                ["name": "sidecar", "restartPolicy": "Always", "resources": ["requests": ["cpu": "100m"]]],
                ["name": "init", "resources": ["requests": ["cpu": "2", "memory": "1Gi"]]],
            ],
            "overhead": ["cpu": "10m"],
        ], containers: [["name": "a", "resources": ["requests": ["cpu": "500m", "memory": "2Gi"]]], ["name": "b", "resources": ["requests": ["cpu": "250m"]]]]))
        // max(750m + 100m sidecar, 2 + 100m sidecar) + 10m overhead; memory max(2Gi, 1Gi).
        #expect(pod.requests == ResourceAmounts(milliCPU: 2110, memory: 2 << 30))
    }
}

struct WritesTests {
    @Test func bindingObject() {
        let pod = PodInfo(json: Fixture.pod("web-1", namespace: "shop"))
        #expect(SchedulerWrites.binding(pod: pod, nodeName: "n1") == [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": "web-1", "namespace": "shop", "uid": "uid-web-1"],
            "target": ["kind": "Node", "apiVersion": "v1", "name": "n1"],
        ])
        #expect(SchedulerWrites.bindingPath(pod: pod) == "/api/v1/namespaces/shop/pods/web-1/binding")
    }

    @Test func events() {
        let pod = Fixture.pod("web-1", namespace: "shop")
        let failed = SchedulerWrites.failedSchedulingEvent(pod: pod, message: "0/1 nodes are available: 1 Too many pods.")
        #expect(failed.type == "Warning" && failed.reason == "FailedScheduling")
        #expect(failed.message == "0/1 nodes are available: 1 Too many pods.")
        let scheduled = SchedulerWrites.scheduledEvent(pod: pod, nodeName: "n1")
        #expect(scheduled.type == "Normal" && scheduled.reason == "Scheduled")
        #expect(scheduled.message == "Successfully assigned shop/web-1 to n1")
    }

    @Test func longMessagesAreTruncated() {
        let long = String(repeating: "é", count: 800)
        let message = SchedulerWrites.failedSchedulingEvent(pod: Fixture.pod("p"), message: long).message
        #expect(message.utf8.count <= 1024)
        #expect(message.hasSuffix(" ..."))
        #expect(!message.contains("\u{FFFD}"))
    }

    @Test func unschedulableStatusPatch() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        var pod = Fixture.pod("p")
        let patch = try #require(SchedulerWrites.unschedulableStatusPatch(pod: pod, message: "0/1 nodes are available: x.", now: now))
        let condition = patch[path: ["status", "conditions"]][0]
        #expect(condition["type"] == "PodScheduled" && condition["status"] == "False" && condition["reason"] == "Unschedulable")
        #expect(condition["message"] == "0/1 nodes are available: x.")
        #expect(condition["lastTransitionTime"] == .string(Timestamp.format(now)))
        // Same condition already present: nothing to write.
        pod["status"] = ["conditions": [condition]]
        #expect(SchedulerWrites.unschedulableStatusPatch(pod: pod, message: "0/1 nodes are available: x.", now: now + 60) == nil)
        // New message keeps the transition time.
        let changed = try #require(SchedulerWrites.unschedulableStatusPatch(pod: pod, message: "other", now: now + 60))
        #expect(changed[path: ["status", "conditions"]][0]["lastTransitionTime"] == .string(Timestamp.format(now)))
        let action = SchedulerWrites.unschedulableStatusAction(pod: pod, message: "other", now: now)
        #expect(action == .patch(.pods, namespace: "default", name: "p", patch: changed, patchType: .strategic, subresource: "status"))
    }
}
