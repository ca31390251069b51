import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct NodeLifecycleControllerTests {
    let now = MiscFixture.t0

    func node(ready: String = "True", taints: [JSON] = []) -> JSON {
        var node = MiscFixture.object("v1", "Node", "n1", namespace: nil)
        node["metadata"]["creationTimestamp"] = "2024-05-01T08:00:00Z"
        node["spec"] = taints.isEmpty ? [:] : ["taints": .array(taints)]
        node["status"] = ["conditions": [
            ["type": "Ready", "status": .string(ready), "lastHeartbeatTime": "2024-05-01T09:00:00Z", "lastTransitionTime": "2024-05-01T08:00:00Z"],
            ["type": "MemoryPressure", "status": "False", "lastHeartbeatTime": "2024-05-01T09:00:00Z"],
        ]]
        return node
    }

    func lease(renewedSecondsAgo: Double) -> JSON {
        ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "n1", "namespace": "kube-node-lease"],
         "spec": ["renewTime": .string(Timestamp.format(now.addingTimeInterval(-renewedSecondsAgo)))]]
    }

    @Test func freshLeaseChangesNothing() {
        let result = NodeLifecycleController.sync(node: node(), lease: lease(renewedSecondsAgo: 10), pods: [MiscFixture.pod("a")], now: now)
        #expect(result.actions.isEmpty)
        #expect(result.requeueAfter == .seconds(30))
    }

    @Test func staleLeaseMarksUnknownTaintsAndPodsNotReady() {
        let result = NodeLifecycleController.sync(node: node(), lease: lease(renewedSecondsAgo: 41), pods: [MiscFixture.pod("a")], now: now)
        #expect(result.actions.map(\.miscKindName) == ["updateStatus", "patch", "patch"])
        guard case .updateStatus(.nodes, nil, let status) = result.actions[0] else { Issue.record("\(result.actions)"); return }
        let ready = status["status"]["conditions"][0]
        #expect(ready["status"] == "Unknown")
        #expect(ready["reason"] == "NodeStatusUnknown")
        #expect(ready["message"] == "Kubelet stopped posting node status.")
        #expect(status["status"]["conditions"][1]["status"] == "Unknown")
        guard case .patch(.nodes, nil, "n1", let patch, .merge, nil) = result.actions[1] else { Issue.record("\(result.actions)"); return }
        let taints = patch["spec"]["taints"].arrayValue ?? []
        #expect(taints.map { "\($0["key"].stringValue!):\($0["effect"].stringValue!)" }
                == ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"])
        #expect(taints[1]["timeAdded"] == .string(Timestamp.format(now)))
        guard case .patch(.pods, "default", _, let pod, .strategic, "status") = result.actions[2] else { Issue.record("\(result.actions)"); return }
        #expect(pod["status"]["conditions"] == [["type": "Ready", "status": "False", "lastTransitionTime": .string(Timestamp.format(now))]])
        // Default toleration of 300 s: not evicted yet.
        #expect(result.requeueAfter == .seconds(300))
    }

    static let evictionCases: [([JSON]?, Double, Bool)] = [
        // (tolerations, seconds since the taint was added, evicted?)
        (nil, 299.0, false),
        (nil, 300.0, true),
        ([["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10]], 11.0, true),
        ([["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"]], 100_000.0, false),
        ([["operator": "Exists"]], 100_000.0, false),
        ([["key": "node.kubernetes.io/unreachable", "operator": "Equal", "value": "x", "effect": "NoExecute"]], 1.0, false),
    ]

    @Test(arguments: evictionCases)
    func evictionFollowsTolerations(tolerations: [JSON]?, elapsed: Double, evicted: Bool) {
        let taint: JSON = ["key": "node.kubernetes.io/unreachable", "effect": "NoExecute",
                           "timeAdded": .string(Timestamp.format(now.addingTimeInterval(-elapsed)))]
        let pod = MiscFixture.pod("a", ready: false, tolerations: tolerations)
        let result = NodeLifecycleController.sync(node: node(ready: "Unknown", taints: [taint]), lease: nil, pods: [pod], now: now)
        #expect(result.actions.contains { $0.miscDeletedName == "a" } == evicted)
        #expect(result.actions.contains { $0.miscEventReason == "TaintManagerEviction" } == evicted)
    }

    @Test func withoutDefaultTolerationsPodsAreEvictedAtOnce() {
        let result = NodeLifecycleController.sync(node: node(), lease: lease(renewedSecondsAgo: 100), pods: [MiscFixture.pod("a")], now: now,
                                                  config: NodeLifecycleConfig(defaultTolerationSeconds: nil))
        #expect(result.actions.contains { $0.miscDeletedName == "a" })
    }

    @Test func notReadyNodeGetsNotReadyTaintAndRecoveredNodeLosesTaints() {
        let notReady = NodeLifecycleController.sync(node: node(ready: "False"), lease: lease(renewedSecondsAgo: 1), pods: [], now: now)
        guard case .patch(_, _, _, let patch, _, _) = notReady.actions.first else { Issue.record("\(notReady.actions)"); return }
        #expect(patch["spec"]["taints"].arrayValue?.compactMap { $0["key"].stringValue } == ["node.kubernetes.io/not-ready", "node.kubernetes.io/not-ready"])
        let tainted = node(taints: [["key": "node.kubernetes.io/unreachable", "effect": "NoExecute"], ["key": "user", "effect": "NoSchedule"]])
        let recovered = NodeLifecycleController.sync(node: tainted, lease: lease(renewedSecondsAgo: 1), pods: [], now: now)
        guard case .patch(_, _, _, let cleared, _, _) = recovered.actions.first else { Issue.record("\(recovered.actions)"); return }
        #expect(cleared["spec"]["taints"] == [["key": "user", "effect": "NoSchedule"]])
    }

    @Test func pressureConditionsGetNoScheduleTaintsThatLeaveWithThem() {
        var pressed = node(taints: [["key": "user", "effect": "NoSchedule"]])
        pressed["status"]["conditions"] = [
            ["type": "Ready", "status": "True", "lastHeartbeatTime": "2024-05-01T09:00:00Z"],
            ["type": "MemoryPressure", "status": "True"], ["type": "DiskPressure", "status": "False"],
            ["type": "PIDPressure", "status": "True"],
        ]
        let result = NodeLifecycleController.sync(node: pressed, lease: lease(renewedSecondsAgo: 1), pods: [], now: now)
        guard case .patch(_, _, _, let patch, _, _) = result.actions.first else { Issue.record("\(result.actions)"); return }
        #expect(patch["spec"]["taints"] == [["key": "user", "effect": "NoSchedule"],
                                            ["key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"],
                                            ["key": "node.kubernetes.io/pid-pressure", "effect": "NoSchedule"]])
        // Already tainted: nothing to do. Relieved: the taint goes, others stay.
        var tainted = pressed
        tainted["spec"]["taints"] = patch["spec"]["taints"]
        #expect(NodeLifecycleController.sync(node: tainted, lease: lease(renewedSecondsAgo: 1), pods: [], now: now).actions.isEmpty)
        tainted["status"]["conditions"] = [
            ["type": "Ready", "status": "True", "lastHeartbeatTime": "2024-05-01T09:00:00Z"],
            ["type": "MemoryPressure", "status": "False"], ["type": "PIDPressure", "status": "True"],
        ]
        let relieved = NodeLifecycleController.sync(node: tainted, lease: lease(renewedSecondsAgo: 1), pods: [], now: now)
        guard case .patch(_, _, _, let cleared, _, _) = relieved.actions.first else { Issue.record("\(relieved.actions)"); return }
        #expect(cleared["spec"]["taints"] == [["key": "user", "effect": "NoSchedule"],
                                              ["key": "node.kubernetes.io/pid-pressure", "effect": "NoSchedule"]])
        // Unreachable: the conditions are Unknown, the pressure taints are kept as they were.
        let lost = NodeLifecycleController.sync(node: tainted, lease: lease(renewedSecondsAgo: 100), pods: [], now: now)
        let lostTaints = lost.actions.compactMap { action -> JSON? in
            if case .patch(.nodes, _, _, let p, _, _) = action { return p["spec"]["taints"] }
            return nil
        }.first
        #expect(lostTaints?.arrayValue?.compactMap { $0["key"].stringValue }.contains("node.kubernetes.io/memory-pressure") == true)
    }

    @Test func nodeThatNeverReportedGetsNeverUpdatedCondition() {
        var bare = MiscFixture.object("v1", "Node", "n1", namespace: nil)
        bare["metadata"]["creationTimestamp"] = "2024-05-01T08:00:00Z"
        let result = NodeLifecycleController.sync(node: bare, lease: nil, pods: [], now: now)
        #expect(result.actions.first?.miscWritten?["status"]["conditions"][0]["reason"] == "NodeStatusNeverUpdated")
        #expect(NodeLifecycleController.sync(node: .string("junk"), lease: nil, pods: [], now: now).actions.isEmpty)
    }
}

@Suite struct NodeIPAMAllocatorTests {
    func node(_ name: String, cidr: String? = nil) -> JSON {
        var node = MiscFixture.object("v1", "Node", name, namespace: nil)
        node["spec"] = cidr.map { ["podCIDR": .string($0), "podCIDRs": [.string($0)]] } ?? [:]
        return node
    }

    func assigned(_ actions: [ControllerAction]) -> [String: String] {
        var map: [String: String] = [:]
        for case .patch(.nodes, _, let name, let patch, .merge, _) in actions { map[name] = patch["spec"]["podCIDR"].stringValue }
        return map
    }

    @Test func allocatesLowestFreeStablyAndReusesAfterDeletion() throws {
        var ipam = try NodeIPAMAllocator()
        let first = ipam.sync(nodes: [node("a", cidr: "10.42.0.0/24"), node("b"), node("c")])
        #expect(assigned(first) == ["b": "10.42.1.0/24", "c": "10.42.2.0/24"])
        #expect(first.first.map { if case .patch(_, _, _, let p, _, _) = $0 { return p["spec"]["podCIDRs"] == ["10.42.1.0/24"] } else { return false } } == true)
        // Before the cache shows the patch, the same ranges are proposed again (no double allocation).
        #expect(assigned(ipam.sync(nodes: [node("a", cidr: "10.42.0.0/24"), node("b"), node("c"), node("d")]))
                == ["b": "10.42.1.0/24", "c": "10.42.2.0/24", "d": "10.42.3.0/24"])
        // b is deleted: its range goes to the next node.
        #expect(assigned(ipam.sync(nodes: [node("a", cidr: "10.42.0.0/24"), node("c", cidr: "10.42.2.0/24"),
                                          node("d", cidr: "10.42.3.0/24"), node("e")])) == ["e": "10.42.1.0/24"])
    }

    @Test func exhaustionGivesEvent() throws {
        var ipam = try NodeIPAMAllocator(clusterCIDR: "10.42.0.0/23", nodeMaskSize: 24)
        let actions = ipam.sync(nodes: [node("a"), node("b"), node("c")])
        #expect(assigned(actions).count == 2)
        guard case .event(let event) = actions.last else { Issue.record("\(actions)"); return }
        #expect(event.type == "Warning" && event.reason == "CIDRNotAvailable")
        #expect(event.message == "Node c status is now: CIDRNotAvailable")
    }

    @Test(arguments: [("10.42.0.0", 24), ("10.42.0.0/33", 24), ("banana/16", 24), ("10.42.0.0/16", 8), ("10.42.0.0/16", 33), ("300.1.1.1/16", 24)])
    func badConfigurationThrows(cidr: String, mask: Int) {
        #expect(throws: ControllerInputError.self) { _ = try NodeIPAMAllocator(clusterCIDR: cidr, nodeMaskSize: mask) }
    }

    @Test func unparsableNodeCIDRGivesEvent() throws {
        var ipam = try NodeIPAMAllocator()
        let actions = ipam.sync(nodes: [node("a", cidr: "nonsense")])
        #expect(actions.first?.miscEventReason == "CIDRAssignmentFailed")
        #expect(assigned(actions).isEmpty)
    }
}
