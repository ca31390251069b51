import Foundation
import KubeAPI
@testable import SimulatedNodes
import Testing

struct GoDurationTests {
    @Test(arguments: [
        ("1s", 1.0), ("2s", 2.0), ("1.5s", 1.5), ("300ms", 0.3), ("2m30s", 150.0), ("1h", 3600.0), ("0", 0.0),
        ("+5s", 5.0), ("100us", 0.0001),
    ])
    func parses(text: String, seconds: Double) throws {
        let duration = try GoDuration.parse(text)
        #expect(abs(duration.seconds - seconds) < 1e-9)
    }

    @Test(arguments: ["", "5", "soon", "1x", "-1s", "s", "1.2.3s", ".s", "1e3s"])
    func rejects(text: String) {
        #expect(throws: GoDuration.ParseError.self) { try GoDuration.parse(text) }
    }
}

struct PodIPAllocatorTests {
    @Test func allocatesLowestFreeAndReuses() throws {
        var allocator = try #require(PodIPAllocator(cidr: "10.42.3.0/24"))
        #expect(allocator.allocate(for: "a") == "10.42.3.2")
        #expect(allocator.allocate(for: "b") == "10.42.3.3")
        #expect(allocator.allocate(for: "a") == "10.42.3.2")
        allocator.release("a")
        #expect(allocator.allocate(for: "c") == "10.42.3.2")
        #expect(allocator.reserve("10.42.3.3", for: "d") == false)
        #expect(allocator.reserve("10.42.3.9", for: "d") == true)
        #expect(allocator.reserve("10.42.4.9", for: "e") == false)
    }

    @Test func fullRangeReturnsNil() throws {
        var allocator = try #require(PodIPAllocator(cidr: "192.168.0.0/30"))
        #expect(allocator.allocate(for: "a") == "192.168.0.2")
        #expect(allocator.allocate(for: "b") == nil)
    }

    @Test(arguments: ["", "10.0.0.0", "10.0.0.0/31", "fd00::/64", "10.0.0.256/24", "10.0.0.0/x"])
    func rejectsBadCIDRs(cidr: String) {
        #expect(PodIPAllocator(cidr: cidr) == nil)
    }
}

struct RuntimeNamesTests {
    @Test(arguments: [
        ("nginx", "docker.io/library/nginx:latest"), ("nginx:1.27", "docker.io/library/nginx:1.27"),
        ("me/app", "docker.io/me/app:latest"), ("registry.local:5000/app", "registry.local:5000/app:latest"),
        ("ghcr.io/x/y:v1", "ghcr.io/x/y:v1"), ("localhost/busybox", "localhost/busybox:latest"),
    ])
    func normalizesImages(image: String, normalized: String) {
        #expect(RuntimeNames.normalizedImage(image) == normalized)
    }

    @Test func imageIDAndContainerIDShapes() {
        let id = RuntimeNames.imageID("nginx:1.27")
        #expect(id.hasPrefix("docker.io/library/nginx@sha256:"))
        #expect(id.count == "docker.io/library/nginx@sha256:".count + 64)
        let container = RuntimeNames.containerID(podUID: "u1", container: "c")
        #expect(container.hasPrefix("simulated://") && container.count == 12 + 64)
        #expect(container != RuntimeNames.containerID(podUID: "u2", container: "c"))
    }
}

struct NodeObjectTests {
    @Test(arguments: [(1, ["sim"]), (3, ["sim-0", "sim-1", "sim-2"]), (0, [])])
    func nodeNames(count: Int, names: [String]) {
        #expect(SimulatedNodesOptions(nodeName: "sim", count: count).nodeNames == names)
    }

    @Test func distinctAddresses() {
        let ips = Set((0..<1000).map { SimulatedNode(name: "n", index: $0).internalIP })
        let ranges = Set((0..<1000).map { SimulatedNode(name: "n", index: $0).fallbackPodCIDR })
        #expect(ips.count == 1000 && ranges.count == 1000)
    }

    @Test func statusKeepsTransitionTimes() {
        let node = SimulatedNode(name: "n", index: 0)
        let profile = SimulatedNodeProfile()
        let first = node.status(profile: profile, previous: nil, now: Date(timeIntervalSince1970: 1000))
        let second = node.status(profile: profile, previous: first, now: Date(timeIntervalSince1970: 2000))
        let ready = second["conditions"].arrayValue?.first { $0["type"] == "Ready" }
        #expect(ready?["lastTransitionTime"] == .string(Timestamp.format(Date(timeIntervalSince1970: 1000))))
        #expect(ready?["lastHeartbeatTime"] == .string(Timestamp.format(Date(timeIntervalSince1970: 2000))))
        #expect(!node.statusNeedsUpdate(second, profile: profile))
        var changed = second
        changed["capacity"]["cpu"] = "2"
        #expect(node.statusNeedsUpdate(changed, profile: profile))
    }

    /// A condition that was False (as the node lifecycle controller may leave Ready) transitions
    /// when the node reports it True again.
    @Test func flippedConditionGetsANewTransitionTime() {
        let node = SimulatedNode(name: "n", index: 0)
        var earlier = node.status(profile: SimulatedNodeProfile(), previous: nil, now: Date(timeIntervalSince1970: 1000))
        var conditions = earlier["conditions"].arrayValue ?? []
        for index in conditions.indices where conditions[index]["type"] == "Ready" { conditions[index]["status"] = "Unknown" }
        earlier["conditions"] = .array(conditions)
        let now = Date(timeIntervalSince1970: 3000)
        let again = node.status(profile: SimulatedNodeProfile(), previous: earlier, now: now)
        let ready = again["conditions"].arrayValue?.first { $0["type"] == "Ready" }
        #expect(ready?["lastTransitionTime"] == .string(Timestamp.format(now)))
        let memory = again["conditions"].arrayValue?.first { $0["type"] == "MemoryPressure" }
        #expect(memory?["lastTransitionTime"] == .string(Timestamp.format(Date(timeIntervalSince1970: 1000))))
    }

    @Test func microTime() {
        #expect(MicroTime.format(Date(timeIntervalSince1970: 1.25)) == "1970-01-01T00:00:01.250000Z")
    }
}

struct PodStatusBuilderTests {
    static let pod: JSON = [
        "metadata": ["name": "p", "namespace": "default", "uid": "u1"],
        "spec": ["nodeName": "n", "containers": [["name": "app", "image": "nginx"]],
                 "initContainers": [["name": "init", "image": "busybox"]]],
        "status": ["phase": "Pending", "conditions": [["type": "PodScheduled", "status": "True",
                                                       "lastTransitionTime": "2024-01-01T00:00:00Z"]]],
    ]
    static let facts = PodRuntimeFacts(hostIP: "10.244.0.1", podIP: "10.88.0.2", startTime: Date(timeIntervalSince1970: 100))

    @Test func running() {
        let status = PodStatusBuilder.status(pod: Self.pod, state: .running(ready: true), facts: Self.facts, now: Date(timeIntervalSince1970: 101))
        #expect(status["phase"] == "Running")
        #expect(status["conditions"].arrayValue?.map { $0["type"].stringValue ?? "" }
                == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(status["conditions"].arrayValue?.allSatisfy { $0["status"] == "True" } == true)
        #expect(status["conditions"][4]["lastTransitionTime"] == "2024-01-01T00:00:00Z")
        #expect(status["podIPs"] == [["ip": "10.88.0.2"]] && status["hostIPs"] == [["ip": "10.244.0.1"]])
        #expect(status["qosClass"] == "BestEffort")
        let app = status["containerStatuses"][0]
        #expect(app["state"]["running"]["startedAt"] == .string(Timestamp.format(Self.facts.startTime)))
        #expect(app["ready"] == true && app["started"] == true && app["restartCount"] == 0)
        let initStatus = status["initContainerStatuses"][0]
        #expect(initStatus["state"]["terminated"]["reason"] == "Completed" && initStatus["state"]["terminated"]["exitCode"] == 0)
    }

    @Test func notReady() {
        let status = PodStatusBuilder.status(pod: Self.pod, state: .running(ready: false), facts: Self.facts, now: Date())
        let ready = status["conditions"].arrayValue?.first { $0["type"] == "Ready" }
        #expect(ready?["status"] == "False" && ready?["reason"] == "ContainersNotReady")
        #expect(ready?["message"] == "containers with unready status: [app]")
    }

    @Test(arguments: [(Int64(0), "Succeeded", "Completed"), (Int64(3), "Failed", "Error")])
    func finished(code: Int64, phase: String, reason: String) {
        let end = Date(timeIntervalSince1970: 102)
        let status = PodStatusBuilder.status(pod: Self.pod, state: .finished(exitCode: code, at: end), facts: Self.facts, now: end)
        #expect(status["phase"] == .string(phase))
        let terminated = status["containerStatuses"][0]["state"]["terminated"]
        #expect(terminated["exitCode"] == .int(code) && terminated["reason"] == .string(reason))
        #expect(terminated["finishedAt"] == .string(Timestamp.format(end)))
        #expect(status["containerStatuses"][0]["ready"] == false)
    }

    @Test(arguments: [
        ([["name": "a", "resources": ["limits": ["cpu": "1", "memory": "1Gi"]]]] as [JSON], "Guaranteed"),
        ([["name": "a", "resources": ["requests": ["cpu": "100m"]]]] as [JSON], "Burstable"),
        ([["name": "a", "resources": ["limits": ["cpu": "1", "memory": "1Gi"], "requests": ["cpu": "500m"]]]] as [JSON], "Burstable"),
        ([["name": "a"]] as [JSON], "BestEffort"),
        ([["name": "a", "resources": ["limits": ["cpu": "bogus", "memory": "1Gi"]]]] as [JSON], "Burstable"),
    ])
    func qos(containers: [JSON], expected: String) {
        #expect(PodStatusBuilder.qosClass(of: ["spec": ["containers": .array(containers)]]) == expected)
    }

    @Test func runPlanDefaultsOnBadAnnotations() {
        let pod: JSON = ["metadata": ["annotations": [
            SimulatedLabels.duration: "soon", SimulatedLabels.exitCode: "999", SimulatedLabels.ready: "maybe",
        ]], "spec": ["restartPolicy": "Never"]]
        let plan = PodRunPlan(pod: pod, defaultDuration: .seconds(1))
        #expect(plan.completes && plan.runDuration == .seconds(1) && plan.exitCode == 0 && plan.ready)
        #expect(plan.problems.count == 3)
        let always = PodRunPlan(pod: ["spec": [:]], defaultDuration: .seconds(1))
        #expect(!always.completes && always.problems.isEmpty)
    }
}
