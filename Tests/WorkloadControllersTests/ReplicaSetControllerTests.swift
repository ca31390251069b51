import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct ReplicaSetControllerTests {
    func creates(_ actions: [ControllerAction]) -> [JSON] {
        actions.compactMap { if case .create(_, _, let object) = $0 { return object } else { return nil } }
    }

    func deletes(_ actions: [ControllerAction]) -> [String] {
        actions.compactMap { if case .delete(_, _, let name, _) = $0 { return name } else { return nil } }
    }

    func statusOf(_ actions: [ControllerAction]) -> JSON? {
        for case .updateStatus(_, _, let object) in actions { return object["status"] }
        return nil
    }

    @Test func scaleUpCreatesPodsFromTemplateWithControllerRef() {
        let rs = makeReplicaSet("web-abc", replicas: 3)
        var n = 0
        let result = ReplicaSetController.reconcile(
            replicaSet: rs, pods: [makePod("web-abc-old", owner: rs)], now: testEpoch,
            podNameSuffix: { n += 1; return "s\(n)" })
        let created = creates(result.actions)
        #expect(created.map(WorkloadMeta.name) == ["web-abc-s1", "web-abc-s2"])
        let pod = created[0]
        #expect(pod[path: ["metadata", "generateName"]] == "web-abc-")
        #expect(pod[path: ["metadata", "labels", "app"]] == "web")
        let ref = pod[path: ["metadata", "ownerReferences"]][0]
        #expect(ref["controller"] == true && ref["blockOwnerDeletion"] == true && ref["uid"] == "uid-web-abc")
        #expect(ref["kind"] == "ReplicaSet")
        let events = result.actions.compactMap { if case .event(let e) = $0 { return e.message } else { return nil } }
        #expect(events == ["Created pod: web-abc-s1", "Created pod: web-abc-s2"])
        #expect(result.expectations.pendingCreations == ["web-abc-s1", "web-abc-s2"])
    }

    @Test func expectationsPreventDuplicateCreatesUntilObservedOrExpired() {
        let rs = makeReplicaSet("web-abc", replicas: 2)
        let first = ReplicaSetController.reconcile(replicaSet: rs, pods: [], now: testEpoch)
        #expect(creates(first.actions).count == 2)
        // The cache has not seen the pods yet: no new creates.
        let second = ReplicaSetController.reconcile(replicaSet: rs, pods: [], expectations: first.expectations,
                                                    now: testEpoch.addingTimeInterval(5))
        #expect(creates(second.actions).isEmpty)
        #expect(second.requeueAfter != nil)
        // Both observed: satisfied, and nothing to do.
        let pods = creates(first.actions).map { p -> JSON in var p = p; p["metadata"]["uid"] = "u"; return p }
        let third = ReplicaSetController.reconcile(replicaSet: rs, pods: pods, expectations: first.expectations,
                                                   now: testEpoch.addingTimeInterval(6))
        #expect(creates(third.actions).isEmpty && deletes(third.actions).isEmpty)
        #expect(third.expectations.isSatisfied(now: testEpoch))
        // A lost event: after the TTL the controller acts again.
        let expired = ReplicaSetController.reconcile(replicaSet: rs, pods: [], expectations: first.expectations,
                                                     now: testEpoch.addingTimeInterval(301))
        #expect(creates(expired.actions).count == 2)
        // A failed create lowers the expectation.
        var failed = first.expectations
        for name in failed.pendingCreations { failed.creationFailed(podName: name) }
        #expect(failed.isSatisfied(now: testEpoch))
    }

    @Test func pendingDeletionsBlockFurtherDeletes() {
        let rs = makeReplicaSet("web-abc", replicas: 1)
        let pods = (1...3).map { makePod("p\($0)", owner: rs) }
        let first = ReplicaSetController.reconcile(replicaSet: rs, pods: pods, now: testEpoch)
        #expect(deletes(first.actions).count == 2)
        let again = ReplicaSetController.reconcile(replicaSet: rs, pods: pods, expectations: first.expectations,
                                                   now: testEpoch)
        #expect(deletes(again.actions).isEmpty)
    }

    struct RankCase: Sendable, CustomStringConvertible {
        var description: String
        var pods: [JSON]
        var keep: Int64
        var expectedDeleted: [String]
    }

    static let rankCases: [RankCase] = {
        let rs = makeReplicaSet("web-abc", replicas: 0)
        let old = testEpoch.addingTimeInterval(-100_000)
        return [
            RankCase(description: "unassigned < pending < unknown < running",
                     pods: [makePod("running", owner: rs), makePod("unknown", owner: rs, phase: "Unknown"),
                            makePod("pending", owner: rs, phase: "Pending", ready: false),
                            makePod("unassigned", owner: rs, phase: "Pending", ready: false, node: nil)],
                     keep: 1, expectedDeleted: ["unassigned", "pending", "unknown"]),
            RankCase(description: "not ready before ready",
                     pods: [makePod("ready", owner: rs), makePod("notready", owner: rs, ready: false)],
                     keep: 1, expectedDeleted: ["notready"]),
            RankCase(description: "lower deletion cost first",
                     pods: [{ var p = makePod("cheap", owner: rs)
                              p["metadata"]["annotations"] = ["controller.kubernetes.io/pod-deletion-cost": "-5"]
                              return p }(),
                            makePod("normal", owner: rs)],
                     keep: 1, expectedDeleted: ["cheap"]),
            RankCase(description: "doubled-up node first",
                     pods: [makePod("alone", owner: rs, node: "n1"), makePod("twin1", owner: rs, node: "n2"),
                            makePod("twin2", owner: rs, node: "n2")],
                     keep: 2, expectedDeleted: ["twin1"]),
            RankCase(description: "ready for less time first",
                     pods: [makePod("veteran", owner: rs, readySince: old), makePod("fresh", owner: rs)],
                     keep: 1, expectedDeleted: ["fresh"]),
            RankCase(description: "more restarts first",
                     pods: [makePod("stable", owner: rs), makePod("crashy", owner: rs, restarts: 4)],
                     keep: 1, expectedDeleted: ["crashy"]),
            RankCase(description: "newer first",
                     pods: [makePod("elder", owner: rs, created: old), makePod("young", owner: rs)],
                     keep: 1, expectedDeleted: ["young"]),
        ]
    }()

    @Test(arguments: rankCases)
    func scaleDownRanking(_ testCase: RankCase) {
        let rs = makeReplicaSet("web-abc", replicas: testCase.keep)
        let result = ReplicaSetController.reconcile(replicaSet: rs, pods: testCase.pods,
                                                    now: testEpoch.addingTimeInterval(10))
        #expect(deletes(result.actions) == testCase.expectedDeleted)
        let events = result.actions.compactMap { if case .event(let e) = $0 { return e.message } else { return nil } }
        #expect(events == testCase.expectedDeleted.map { "Deleted pod: \($0)" })
    }

    @Test func adoptsMatchingOrphansReleasesNonMatchingIgnoresOthers() {
        let rs = makeReplicaSet("web-abc", replicas: 3)
        let other = makeReplicaSet("other", replicas: 1)
        let pods = [
            makePod("orphan"),
            makePod("mine-relabelled", labels: ["app": "db"], owner: rs),
            makePod("theirs", owner: other),
            makePod("orphan-terminating", deleting: true),
            makePod("orphan-elsewhere", namespace: "kube-system"),
            makePod("mine", owner: rs),
        ]
        let result = ReplicaSetController.reconcile(replicaSet: rs, pods: pods, now: testEpoch,
                                                    podNameSuffix: { "x" })
        var patched: [String: JSON] = [:]
        for case .patch(let type, _, let name, let patch, let patchType, _) in result.actions {
            #expect(type == .pods && patchType == .strategic)
            patched[name] = patch
        }
        #expect(Set(patched.keys) == ["orphan", "mine-relabelled"])
        #expect(patched["orphan"]?[path: ["metadata", "ownerReferences"]][0]["uid"] == "uid-web-abc")
        #expect(patched["orphan"]?[path: ["metadata", "uid"]] == "uid-orphan")
        #expect(patched["mine-relabelled"]?[path: ["metadata", "ownerReferences"]][0]["$patch"] == "delete")
        // Claimed: orphan + mine = 2 of 3, so exactly one create.
        #expect(creates(result.actions).count == 1)
        #expect(statusOf(result.actions)?["replicas"] == 2)
    }

    @Test func deletingReplicaSetNeitherAdoptsNorManages() {
        var rs = makeReplicaSet("web-abc", replicas: 3)
        rs["metadata"]["deletionTimestamp"] = .string(Timestamp.format(testEpoch))
        let result = ReplicaSetController.reconcile(replicaSet: rs, pods: [makePod("orphan")], now: testEpoch)
        #expect(result.actions.allSatisfy { if case .updateStatus = $0 { return true } else { return false } })
    }

    @Test func statusCountersAndMinReadySeconds() {
        let rs = makeReplicaSet("web-abc", replicas: 4, minReadySeconds: 10, generation: 7)
        let now = testEpoch.addingTimeInterval(100)
        let pods = [
            makePod("long-ready", owner: rs, readySince: testEpoch),
            makePod("just-ready", owner: rs, readySince: now.addingTimeInterval(-4)),
            makePod("not-ready", owner: rs, ready: false),
            makePod("partly-labelled", labels: ["app": "web"], owner: rs, ready: false),
            makePod("finished", owner: rs, phase: "Succeeded"),
        ]
        var partial = pods
        partial[3]["metadata"]["labels"] = ["app": "web"]
        var rsWithExtraLabel = rs
        rsWithExtraLabel["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
        let result = ReplicaSetController.reconcile(replicaSet: rsWithExtraLabel, pods: partial, now: now)
        let status = statusOf(result.actions)
        #expect(status?["replicas"] == 4)
        #expect(status?["fullyLabeledReplicas"] == 0)
        #expect(status?["readyReplicas"] == 2)
        #expect(status?["availableReplicas"] == 1)
        #expect(status?["observedGeneration"] == 7)
        // just-ready becomes available 6 s from now: requeue for then (+1 s margin).
        #expect(result.requeueAfter == .seconds(7))

        let plain = ReplicaSetController.reconcile(replicaSet: rs, pods: partial, now: now)
        #expect(statusOf(plain.actions)?["fullyLabeledReplicas"] == 4)
    }

    @Test func noStatusWriteWhenNothingChanged() {
        let rs = makeReplicaSet("web-abc", replicas: 1, status: [
            "replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 1,
        ])
        let result = ReplicaSetController.reconcile(replicaSet: rs, pods: [makePod("p", owner: rs)], now: testEpoch)
        #expect(result.actions.isEmpty)
    }

    @Test func replicaFailureConditionFromCreateErrorsAndClearedOnSuccess() {
        let rs = makeReplicaSet("web-abc", replicas: 1)
        let failing = ReplicaSetController.reconcile(
            replicaSet: rs, pods: [makePod("p", owner: rs)],
            lastManageError: .init(operation: .create, message: "pods \"x\" is forbidden: exceeded quota"), now: testEpoch)
        let condition = statusOf(failing.actions).flatMap { WorkloadConditions.find($0, type: "ReplicaFailure") }
        #expect(condition?["reason"] == "FailedCreate")
        #expect(condition?["status"] == "True")
        #expect(condition?["message"] == "pods \"x\" is forbidden: exceeded quota")

        var failed = rs
        failed["status"] = statusOf(failing.actions)!
        let healed = ReplicaSetController.reconcile(replicaSet: failed, pods: [makePod("p", owner: rs)], now: testEpoch)
        #expect(statusOf(healed.actions).map { WorkloadConditions.find($0, type: "ReplicaFailure") == nil } == true)
    }

    static let badInputs: [(String, @Sendable (inout JSON) -> Void, String)] = [
        ("missing selector", { $0["spec"]["selector"] = .null }, "InvalidSelector"),
        ("empty selector", { $0["spec"]["selector"] = .object([:]) }, "InvalidSelector"),
        ("bad operator", { $0["spec"]["selector"] = ["matchExpressions": [["key": "a", "operator": "Near"]]] },
         "InvalidSelector"),
        ("missing template", { $0["spec"]["template"] = .null }, "FailedCreate"),
        ("template not matching selector", { $0["spec"]["template"]["metadata"]["labels"] = ["app": "db"] },
         "FailedCreate"),
        ("no containers", { $0["spec"]["template"]["spec"] = .object([:]) }, "FailedCreate"),
    ]

    @Test(arguments: 0..<badInputs.count)
    func badInputGivesWarningEventNotPods(_ index: Int) {
        let (_, mutate, reason) = Self.badInputs[index]
        var rs = makeReplicaSet("web-abc", replicas: 2)
        mutate(&rs)
        let result = ReplicaSetController.reconcile(replicaSet: rs, pods: [], now: testEpoch)
        #expect(creates(result.actions).isEmpty)
        let warnings = result.actions.compactMap { if case .event(let e) = $0, e.type == "Warning" { return e.reason } else { return nil } }
        #expect(warnings == [reason])
    }

    @Test func nonObjectInputIsIgnored() {
        #expect(ReplicaSetController.reconcile(replicaSet: "oops", pods: [], now: testEpoch).actions.isEmpty)
        #expect(DeploymentController.reconcile(deployment: [1, 2], replicaSets: [], pods: [], now: testEpoch).actions.isEmpty)
    }
}
