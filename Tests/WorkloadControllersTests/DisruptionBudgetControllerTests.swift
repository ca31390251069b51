import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct DisruptionBudgetControllerTests {
    let deployment: JSON = {
        var d = MiscFixture.object("apps/v1", "Deployment", "web")
        d["spec"] = ["replicas": 4]
        return d
    }()
    var replicaSet: JSON {
        var rs = MiscFixture.object("apps/v1", "ReplicaSet", "web-1", owners: [MiscFixture.ownerRef(deployment)])
        rs["spec"] = ["replicas": 4]
        return rs
    }

    func pdb(_ spec: JSON) -> JSON {
        var pdb = MiscFixture.object("policy/v1", "PodDisruptionBudget", "web-pdb")
        pdb["metadata"]["generation"] = 3
        pdb["spec"] = spec
        return pdb
    }

    func pods(ready: Int, notReady: Int) -> [JSON] {
        (0..<ready).map { MiscFixture.pod("r\($0)", owners: [MiscFixture.ownerRef(replicaSet)]) }
            + (0..<notReady).map { MiscFixture.pod("n\($0)", ready: false, owners: [MiscFixture.ownerRef(replicaSet)]) }
    }

    func status(_ actions: [ControllerAction]) -> JSON? {
        for case .updateStatus(.podDisruptionBudgets, _, let pdb) in actions { return pdb["status"] }
        return nil
    }

    static let countCases: [(JSON, Int, Int, Int64, Int64, Int64)] = [
        // (spec, ready, notReady, expected, desired, allowed)
        (["minAvailable": 2], 3, 0, 3, 2, 1),
        (["minAvailable": 3], 3, 1, 4, 3, 0),
        (["minAvailable": "50%"], 3, 0, 4, 2, 1),
        (["maxUnavailable": 1], 4, 0, 4, 3, 1),
        (["maxUnavailable": "25%"], 2, 2, 4, 3, 0),
        (["maxUnavailable": "30%"], 4, 0, 4, 2, 2),
    ]

    @Test(arguments: countCases)
    func computesCounts(spec: JSON, ready: Int, notReady: Int, expected: Int64, desired: Int64, allowed: Int64) {
        var fullSpec = spec
        fullSpec["selector"] = ["matchLabels": ["app": "web"]]
        let actions = DisruptionBudgetController.sync(pdb: pdb(fullSpec), pods: pods(ready: ready, notReady: notReady),
                                                      controllers: [deployment, replicaSet], now: MiscFixture.t0)
        guard let s = status(actions) else { Issue.record("no status: \(actions)"); return }
        #expect(s["expectedPods"].intValue == expected)
        #expect(s["desiredHealthy"].intValue == desired)
        #expect(s["currentHealthy"].intValue == Int64(ready))
        #expect(s["disruptionsAllowed"].intValue == allowed)
        #expect(s["observedGeneration"] == 3)
        let condition = s["conditions"][0]
        #expect(condition["type"] == "DisruptionAllowed")
        #expect(condition["status"] == (allowed > 0 ? "True" : "False"))
        #expect(condition["reason"] == (allowed > 0 ? "SufficientPods" : "InsufficientPods"))
    }

    @Test func unchangedStatusIsNotWritten() {
        let spec: JSON = ["minAvailable": 1, "selector": ["matchLabels": ["app": "web"]]]
        let first = DisruptionBudgetController.sync(pdb: pdb(spec), pods: pods(ready: 2, notReady: 0), controllers: [], now: MiscFixture.t0)
        var stored = pdb(spec)
        stored["status"] = status(first) ?? .null
        #expect(DisruptionBudgetController.sync(pdb: stored, pods: pods(ready: 2, notReady: 0), controllers: [], now: MiscFixture.t0.addingTimeInterval(9)).isEmpty)
    }

    @Test func terminatingPodsAreNotHealthyAndMissingSelectorSelectsNothing() {
        let spec: JSON = ["minAvailable": 1, "selector": ["matchLabels": ["app": "web"]]]
        let deleting = [MiscFixture.pod("d", deleting: true), MiscFixture.pod("ok")]
        #expect(status(DisruptionBudgetController.sync(pdb: pdb(spec), pods: deleting, controllers: [], now: MiscFixture.t0))?["currentHealthy"] == 1)
        let none = status(DisruptionBudgetController.sync(pdb: pdb(["minAvailable": 1]), pods: deleting, controllers: [], now: MiscFixture.t0))
        #expect(none?["expectedPods"] == 0)
        #expect(none?["disruptionsAllowed"] == 0)
    }

    static let badCases: [(JSON, String)] = [
        (["maxUnavailable": 1, "selector": ["matchLabels": ["app": "web"]]], "CalculateExpectedPodCountFailed"),  // pod without controller
        (["minAvailable": "many", "selector": ["matchLabels": ["app": "web"]]], "InvalidPodDisruptionBudget"),
        (["minAvailable": -1, "selector": ["matchLabels": ["app": "web"]]], "InvalidPodDisruptionBudget"),
        (["minAvailable": 1, "selector": ["matchExpressions": [["key": "app", "operator": "Near"]]]], "InvalidSelector"),
        (["minAvailable": 1, "selector": "app=web"], "InvalidSelector"),
    ]

    @Test(arguments: badCases)
    func badInputFailsSafe(spec: JSON, reason: String) {
        let actions = DisruptionBudgetController.sync(pdb: pdb(spec), pods: [MiscFixture.pod("orphan")], controllers: [], now: MiscFixture.t0)
        #expect(actions.first?.miscEventReason == reason)
        let s = status(actions)
        #expect(s?["disruptionsAllowed"] == 0)
        #expect(s?["conditions"][0]["reason"] == "SyncFailed")
    }
}
