import KubeAPI
import Testing
@testable import SchedulerCore

struct SchedulerTests {
    @Test func fitErrorMessageMatchesUpstream() {
        let control = Fixture.taint("node-role.kubernetes.io/control-plane")
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("n1", cpu: "1"),
            Fixture.node("n2", taints: [control]),
            Fixture.node("n3", taints: [control]),
        ], pods: [Fixture.pod("busy", node: "n1", cpu: "800m")])
        var scheduler = Scheduler()
        let result = scheduler.schedule(pod: Fixture.pod("p", cpu: "500m"), snapshot: snapshot)
        guard case .failure(let error) = result else { Issue.record("expected failure"); return }
        #expect(error.message == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
            + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..")
        #expect(error.numAllNodes == 3)
        #expect(error.nodeStatuses.count == 3)
    }

    @Test func reasonsSortAsStringsWithCounts() {
        // Go sorts "count reason" strings, so "10 ..." comes before "2 ...".
        let statuses = Dictionary(uniqueKeysWithValues: (0..<12).map { i in
            ("n\(i)", FilterStatus(i < 10 ? "node(s) were unschedulable" : "Insufficient memory", unresolvable: i < 10))
        })
        let error = FitError(podKey: "default/p", numAllNodes: 12, nodeStatuses: statuses)
        #expect(error.message == "0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient memory. "
            + "preemption: 0/12 nodes are available: 10 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..")
    }

    @Test func severalReasonsOnOneNodeCountSeparately() {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("n1", cpu: "1", memory: "1Gi")], pods: [])
        var scheduler = Scheduler()
        guard case .failure(let error) = scheduler.schedule(pod: Fixture.pod("p", cpu: "2", memory: "2Gi"), snapshot: snapshot) else {
            Issue.record("expected failure"); return
        }
        #expect(error.message == "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. "
            + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..")
    }

    @Test func preemptionPolicyNever() {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("n1", unschedulable: true)], pods: [])
        var scheduler = Scheduler()
        guard case .failure(let error) = scheduler.schedule(pod: Fixture.pod("p", spec: ["preemptionPolicy": "Never"]), snapshot: snapshot) else {
            Issue.record("expected failure"); return
        }
        #expect(error.message == "0/1 nodes are available: 1 node(s) were unschedulable. preemption: not eligible due to preemptionPolicy=Never..")
    }

    @Test func noNodes() {
        var scheduler = Scheduler()
        guard case .failure(let error) = scheduler.schedule(pod: Fixture.pod("p"), snapshot: ClusterSnapshot()) else {
            Issue.record("expected failure"); return
        }
        #expect(error.message == "no nodes available to schedule pods")
    }

    @Test func picksTheOnlyFeasibleNode() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a", labels: ["disk": "hdd"]), Fixture.node("b", labels: ["disk": "ssd"])], pods: [])
        var scheduler = Scheduler()
        for _ in 0..<3 {
            #expect(try scheduler.schedule(pod: Fixture.pod("p", spec: ["nodeSelector": ["disk": "ssd"]]), snapshot: snapshot).get() == "b")
        }
    }

    @Test func spreadsEqualPodsOverEqualNodes() throws {
        var snapshot = ClusterSnapshot(nodes: ["a", "b", "c"].map { Fixture.node($0) }, pods: [])
        var scheduler = Scheduler()
        var placed: [String: Int] = [:]
        for i in 0..<9 {
            let pod = Fixture.podInfo("p\(i)", cpu: "100m", memory: "100Mi")
            let node = try scheduler.schedule(pod: pod, snapshot: snapshot).get()
            snapshot.assume(pod, on: node)
            placed[node, default: 0] += 1
        }
        #expect(placed == ["a": 3, "b": 3, "c": 3])
    }

    @Test func bestEffortPodsSpreadToo() throws {
        var snapshot = ClusterSnapshot(nodes: ["a", "b", "c"].map { Fixture.node($0) }, pods: [])
        var scheduler = Scheduler()
        var placed: [String: Int] = [:]
        for i in 0..<6 {
            let pod = Fixture.podInfo("p\(i)")
            let node = try scheduler.schedule(pod: pod, snapshot: snapshot).get()
            snapshot.assume(pod, on: node)
            placed[node, default: 0] += 1
        }
        #expect(placed == ["a": 2, "b": 2, "c": 2])
    }

    @Test func prefersLeastAllocatedNode() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("busy"), Fixture.node("idle")],
                                       pods: [Fixture.pod("x", node: "busy", cpu: "3", memory: "6Gi")])
        var scheduler = Scheduler()
        #expect(try scheduler.schedule(pod: Fixture.pod("p", cpu: "100m", memory: "100Mi"), snapshot: snapshot).get() == "idle")
    }

    @Test func preferredNodeAffinityWins() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a", labels: ["zone": "x"]), Fixture.node("b", labels: ["zone": "y"])], pods: [])
        let pod = Fixture.pod("p", spec: ["affinity": ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 50, "preference": ["matchExpressions": [["key": "zone", "operator": "In", "values": ["y"]]]]],
        ]]]])
        var scheduler = Scheduler()
        for _ in 0..<4 { #expect(try scheduler.schedule(pod: pod, snapshot: snapshot).get() == "b") }
    }

    @Test func avoidsPreferNoScheduleTaint() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a", taints: [Fixture.taint("soft", effect: "PreferNoSchedule")]), Fixture.node("b")], pods: [])
        var scheduler = Scheduler()
        for _ in 0..<4 { #expect(try scheduler.schedule(pod: Fixture.pod("p"), snapshot: snapshot).get() == "b") }
    }

    @Test func preferredPodAntiAffinitySpreads() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")], pods: [Fixture.pod("w1", node: "a", labels: ["app": "web"])])
        let pod = Fixture.pod("p", labels: ["app": "web"], spec: ["affinity": ["podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 100, "podAffinityTerm": Fixture.affinityTerm(["app": "web"])],
        ]]]])
        var scheduler = Scheduler()
        for _ in 0..<4 { #expect(try scheduler.schedule(pod: pod, snapshot: snapshot).get() == "b") }
    }

    @Test func preferredPodAffinityAttracts() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")], pods: [Fixture.pod("db", node: "b", labels: ["app": "db"])])
        let pod = Fixture.pod("p", spec: ["affinity": ["podAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 100, "podAffinityTerm": Fixture.affinityTerm(["app": "db"])],
        ]]]])
        var scheduler = Scheduler()
        for _ in 0..<4 { #expect(try scheduler.schedule(pod: pod, snapshot: snapshot).get() == "b") }
    }

    @Test func requiredAntiAffinityPlacesOnePerNode() throws {
        var snapshot = ClusterSnapshot(nodes: ["a", "b", "c"].map { Fixture.node($0) }, pods: [])
        var scheduler = Scheduler()
        let spec: JSONObject = ["affinity": ["podAntiAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [Fixture.affinityTerm(["app": "web"])]]]]
        var used: Set<String> = []
        for i in 0..<3 {
            let pod = Fixture.podInfo("w\(i)", labels: ["app": "web"], spec: spec)
            let node = try scheduler.schedule(pod: pod, snapshot: snapshot).get()
            #expect(used.insert(node).inserted)
            snapshot.assume(pod, on: node)
        }
        guard case .failure(let error) = scheduler.schedule(pod: Fixture.podInfo("w3", labels: ["app": "web"], spec: spec), snapshot: snapshot) else {
            Issue.record("fourth replica must not fit"); return
        }
        // The existing replicas' own anti-affinity selects the new one, and upstream checks that first.
        #expect(error.message.hasPrefix("0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules."))
    }

    @Test func examinesOnlyEnoughNodesInLargeClusters() {
        let scheduler = Scheduler()
        #expect(scheduler.numFeasibleNodesToFind(50) == 50)
        #expect(scheduler.numFeasibleNodesToFind(1000) == 420)
        #expect(scheduler.numFeasibleNodesToFind(200) == 100)
        #expect(Scheduler(percentageOfNodesToScore: 100).numFeasibleNodesToFind(1000) == 1000)
    }

    @Test func responsibility() {
        #expect(Scheduler.isResponsible(for: Fixture.podInfo("p")))
        #expect(!Scheduler.isResponsible(for: Fixture.podInfo("p", node: "n")))
        #expect(!Scheduler.isResponsible(for: Fixture.podInfo("p", spec: ["schedulerName": "other"])))
        #expect(!Scheduler.isResponsible(for: Fixture.podInfo("p", spec: ["schedulingGates": [["name": "wait"]]])))
        #expect(!Scheduler.isResponsible(for: PodInfo(json: Fixture.pod("p", phase: "Failed"))))
    }

    @Test(arguments: [JSON.null, JSON.string("pod"), JSON.array([]), ["metadata": 5, "spec": ["containers": "x", "priority": "high"]]])
    func badPodJSONNeverCrashes(_ json: JSON) {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("n")], pods: [json])
        var scheduler = Scheduler()
        let pod = PodInfo(json: json)
        #expect(pod.requests == .zero)
        // A nameless pod still gets a decision; the driver never feeds one, but it must not trap.
        #expect((try? scheduler.schedule(pod: pod, snapshot: snapshot).get()) == "n")
        #expect(snapshot.assignedPods.isEmpty)
    }

    @Test(arguments: [JSON.null, ["metadata": ["name": "n"], "status": "broken"], ["metadata": ["name": "n"], "spec": ["taints": [["effect": "NoSchedule"]]], "status": ["conditions": [["type": "Ready", "status": "True"]]]]])
    func badNodeJSONNeverCrashes(_ json: JSON) {
        var scheduler = Scheduler()
        let snapshot = ClusterSnapshot(nodes: [json], pods: [])
        let result = scheduler.schedule(pod: Fixture.pod("p", cpu: "1"), snapshot: snapshot)
        // No allocatable: nothing fits, with a clear reason; a nameless node is not added at all.
        if case .failure(let error) = result {
            #expect(error.message.hasPrefix(snapshot.nodeCount == 0 ? "no nodes available" : "0/1 nodes are available"))
        } else {
            Issue.record("nothing should fit")
        }
    }
}
