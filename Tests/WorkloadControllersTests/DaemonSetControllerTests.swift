import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct DaemonSetControllerTests {
    func world(_ daemonSet: JSON, nodes: [JSON]) -> SetsTestWorld {
        var world = SetsTestWorld()
        world.add(.daemonSets, daemonSet)
        for node in nodes { world.add(.nodes, node) }
        return world
    }

    static let eligibilityCases: [(String, JSONObject, JSON, Bool, Bool)] = [
        ("plain node", [:], SetsFixtures.node("n"), true, true),
        ("node selector match", ["nodeSelector": ["disk": "ssd"]], SetsFixtures.node("n", labels: ["disk": "ssd"]), true, true),
        ("node selector mismatch", ["nodeSelector": ["disk": "ssd"]], SetsFixtures.node("n"), false, false),
        ("affinity NotIn", ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": [["matchExpressions": [["key": "zone", "operator": "NotIn", "values": ["a"]]]]]]]]],
         SetsFixtures.node("n", labels: ["zone": "a"]), false, false),
        ("affinity Gt", ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": [["matchExpressions": [["key": "cores", "operator": "Gt", "values": ["4"]]]]]]]]],
         SetsFixtures.node("n", labels: ["cores": "8"]), true, true),
        ("untolerated NoSchedule: keep existing", [:], SetsFixtures.node("n", taints: [SetsFixtures.taint("dedicated", "NoSchedule")]), false, true),
        ("untolerated NoExecute: evict", [:], SetsFixtures.node("n", taints: [SetsFixtures.taint("dedicated", "NoExecute")]), false, false),
        ("tolerated taint", ["tolerations": [["key": "dedicated", "operator": "Equal", "value": "x", "effect": "NoSchedule"]]],
         SetsFixtures.node("n", taints: [SetsFixtures.taint("dedicated", "NoSchedule", value: "x")]), true, true),
        ("toleration value mismatch", ["tolerations": [["key": "dedicated", "operator": "Equal", "value": "y"]]],
         SetsFixtures.node("n", taints: [SetsFixtures.taint("dedicated", "NoSchedule", value: "x")]), false, true),
        ("cordoned node tolerated by default", [:], SetsFixtures.node("n", taints: [SetsFixtures.taint("node.kubernetes.io/unschedulable", "NoSchedule")]), true, true),
        ("not-ready node tolerated by default", [:], SetsFixtures.node("n", taints: [SetsFixtures.taint("node.kubernetes.io/not-ready", "NoExecute")]), true, true),
        ("PreferNoSchedule ignored", [:], SetsFixtures.node("n", taints: [SetsFixtures.taint("x", "PreferNoSchedule")]), true, true),
    ]

    @Test(arguments: eligibilityCases)
    func eligibility(label: String, templateSpec: JSONObject, node: JSON, shouldRun: Bool, shouldContinue: Bool) throws {
        let spec = try DaemonSetSpec(SetsFixtures.daemonSet(templateSpec: templateSpec))
        let result = spec.eligibility(of: node)
        #expect(result.shouldRun == shouldRun, "\(label)")
        #expect(result.shouldContinueRunning == shouldContinue, "\(label)")
    }

    @Test func onePodPerEligibleNodePinnedByAffinity() throws {
        var world = world(SetsFixtures.daemonSet(templateSpec: ["nodeSelector": ["role": "edge"]]), nodes: [
            SetsFixtures.node("a", labels: ["role": "edge"]), SetsFixtures.node("b"),
            SetsFixtures.node("c", labels: ["role": "edge"]),
        ])
        let result = world.reconcileDaemonSet("agent")
        let pods = result.created(.pods)
        #expect(pods.compactMap(DaemonSetController.targetNode) == ["a", "c"])
        let pod = try #require(pods.first)
        #expect(pod[path: ["spec", "nodeName"]].isNull)
        #expect(pod[path: ["metadata", "generateName"]] == "agent-")
        let term = pod[path: ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]]
        #expect(term == [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["a"]]]]])
        let tolerations = pod[path: ["spec", "tolerations"]].arrayValue ?? []
        #expect(tolerations.count == 6)
        #expect(tolerations.contains(["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"]))
        let revision = try #require(world.list(.controllerRevisions).first)
        #expect(SetsSupport.labels(pod)[DaemonSetController.revisionLabel] == SetsSupport.labels(revision)[DaemonSetController.revisionLabel])
        #expect(SetsSupport.isControlled(pod, by: "ds-uid"))

        world.converge(daemonSet: "agent")
        var status = world.get(.daemonSets, "agent")!["status"]
        #expect(status["desiredNumberScheduled"] == 2)
        #expect(status["currentNumberScheduled"] == 2)
        #expect(status["numberReady"] == 2)
        #expect(status["numberAvailable"] == 2)
        #expect(status["updatedNumberScheduled"] == 2)
        #expect(status["numberUnavailable"] == 0)
        #expect(status["numberMisscheduled"] == 0)

        // A new node gets a pod; a node that loses the label loses its pod.
        world.add(.nodes, SetsFixtures.node("d", labels: ["role": "edge"]))
        #expect(world.reconcileDaemonSet("agent").created(.pods).compactMap(DaemonSetController.targetNode) == ["d"])
        world.objects[.nodes]!["a"]!["metadata"]["labels"] = [:]
        let podOnA = world.list(.pods).first { DaemonSetController.targetNode(of: $0) == "a" }!
        world.runPods()
        let shrink = world.reconcileDaemonSet("agent")
        #expect(shrink.deleted(.pods) == [SetsSupport.name(podOnA)])
        status = world.get(.daemonSets, "agent")!["status"]
        #expect(status["numberMisscheduled"] == 1)
        world.converge(daemonSet: "agent")
        #expect(world.get(.daemonSets, "agent")![path: ["status", "desiredNumberScheduled"]] == 2)
        #expect(world.list(.pods).compactMap(DaemonSetController.targetNode).sorted() == ["c", "d"])
    }

    @Test func duplicatePodsOnANodeKeepTheOldest() {
        var world = world(SetsFixtures.daemonSet(), nodes: [SetsFixtures.node("a")])
        world.converge(daemonSet: "agent")
        let original = world.podNames
        var duplicate = world.list(.pods)[0]
        duplicate["metadata"]["name"] = "agent-dup"
        duplicate["metadata"]["uid"] = .null
        duplicate["metadata"]["creationTimestamp"] = .null
        world.clock = world.clock.addingTimeInterval(60)
        world.add(.pods, duplicate)
        #expect(world.reconcileDaemonSet("agent").deleted(.pods) == ["agent-dup"])
        #expect(world.podNames == original)
    }

    @Test func failedPodIsReplaced() {
        var world = world(SetsFixtures.daemonSet(), nodes: [SetsFixtures.node("a")])
        world.converge(daemonSet: "agent")
        let name = world.podNames[0]
        world.setPhase(name, "Failed")
        let result = world.reconcileDaemonSet("agent")
        #expect(result.deleted(.pods) == [name])
        #expect(result.actions.contains { if case .event(let e) = $0 { e.reason == "FailedDaemonPod" } else { false } })
        #expect(world.reconcileDaemonSet("agent").created(.pods).count == 1)
    }

    func updateImage(_ world: inout SetsTestWorld, strategy: JSON) {
        world.edit(.daemonSets, "agent") {
            $0["spec"]["template"]["spec"]["containers"] = [["name": "c", "image": "agent:2"]]
            $0["spec"]["updateStrategy"] = strategy
        }
    }

    @Test(arguments: [(JSON(2), 2), ("40%", 2), ("10%", 1), (0, 1)])
    func rollingUpdateDeletesWithinMaxUnavailable(maxUnavailable: JSON, expected: Int) {
        let nodes = (1...5).map { SetsFixtures.node("n\($0)") }
        var world = world(SetsFixtures.daemonSet(), nodes: nodes)
        world.converge(daemonSet: "agent")
        updateImage(&world, strategy: ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": maxUnavailable]])
        let first = world.reconcileDaemonSet("agent")
        #expect(first.deleted(.pods).count == expected)
        // Replacements are unavailable until they run: no further deletions meanwhile.
        let second = world.reconcileDaemonSet("agent")
        #expect(second.created(.pods).count == expected)
        #expect(second.deleted(.pods).isEmpty)
        world.converge(daemonSet: "agent")
        let images = world.list(.pods).map { $0[path: ["spec", "containers"]][0]["image"].stringValue ?? "" }
        #expect(images == Array(repeating: "agent:2", count: 5))
        let status = world.get(.daemonSets, "agent")!["status"]
        #expect(status["updatedNumberScheduled"] == 5)
        #expect(status["observedGeneration"] == 2)
    }

    @Test func rollingUpdateWithSurgeCreatesBeforeDeleting() {
        let nodes = (1...3).map { SetsFixtures.node("n\($0)") }
        var world = world(SetsFixtures.daemonSet(), nodes: nodes)
        world.converge(daemonSet: "agent")
        updateImage(&world, strategy: ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0]])
        let first = world.reconcileDaemonSet("agent")
        #expect(first.created(.pods).count == 1)
        #expect(first.deleted(.pods).isEmpty)
        #expect(world.list(.pods).count == 4)
        // While the surge pod is not ready nothing else happens.
        #expect(world.reconcileDaemonSet("agent").actions.filter(\.isWrite).isEmpty)
        world.runPods()
        let second = world.reconcileDaemonSet("agent")
        #expect(second.deleted(.pods).count == 1)
        world.converge(daemonSet: "agent")
        #expect(world.list(.pods).count == 3)
        #expect(world.get(.daemonSets, "agent")![path: ["status", "updatedNumberScheduled"]] == 3)
    }

    @Test func onDeleteLeavesOldPods() {
        var world = world(SetsFixtures.daemonSet(), nodes: [SetsFixtures.node("a"), SetsFixtures.node("b")])
        world.converge(daemonSet: "agent")
        updateImage(&world, strategy: ["type": "OnDelete"])
        #expect(world.reconcileDaemonSet("agent").deleted(.pods).isEmpty)
        #expect(world.get(.daemonSets, "agent")![path: ["status", "updatedNumberScheduled"]] == 0)
    }

    @Test(arguments: [
        ("no selector", ["selector": JSON.null]),
        ("bad strategy", ["updateStrategy": ["type": "Sometimes"]]),
        ("bad maxSurge", ["updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "x%"]]]),
        ("negative history limit", ["revisionHistoryLimit": -3]),
    ] as [(String, JSONObject)])
    func badSpecYieldsOneWarningEvent(label: String, spec: JSONObject) {
        let result = DaemonSetController.reconcile(daemonSet: SetsFixtures.daemonSet(extraSpec: spec),
                                                   nodes: [SetsFixtures.node("a")], pods: [], revisions: [], now: Date())
        #expect(result.actions.count == 1, "\(label)")
        #expect(result.warnings.first?.reason == "FailedReconcile", "\(label)")
    }

    @Test func malformedNodesAndPodsDoNotCrash() {
        let result = DaemonSetController.reconcile(daemonSet: SetsFixtures.daemonSet(),
                                                   nodes: [.null, ["metadata": 3], ["spec": ["taints": "x"]]],
                                                   pods: [1, ["metadata": ["labels": ["app": 7]]]], revisions: ["x"], now: Date())
        #expect(result.warnings.isEmpty)
        // Nodes without a name get no pod.
        #expect(result.created(.pods).isEmpty)
    }
}
