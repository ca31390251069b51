import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct RevisionHistoryTests {
    @Test func revisionIsAReplacePatchNamedByHash() throws {
        let set = SetsFixtures.statefulSet()
        let result = StatefulSetController.reconcile(set: set, pods: [], claims: [], revisions: [], now: Date())
        let revision = try #require(result.created(.controllerRevisions).first)
        #expect(revision[path: ["data", "spec", "template", "$patch"]] == "replace")
        #expect(RevisionHistory.template(fromData: revision["data"]) == set[path: ["spec", "template"]])
        let hash = try #require(SetsSupport.labels(revision)[RevisionHistory.hashLabel])
        #expect(SetsSupport.name(revision) == "web-\(hash)")
        #expect(revision["revision"] == 1)
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(SetsSupport.isControlled(revision, by: "set-uid"))
    }

    @Test func hashIgnoresKeyOrderAndDependsOnCollisionCount() {
        let a: JSON = ["spec": ["template": ["a": 1, "b": 2]]]
        let b: JSON = ["spec": ["template": ["b": 2, "a": 1]]]
        #expect(RevisionHistory.hash(data: a, collisionCount: 0) == RevisionHistory.hash(data: b, collisionCount: 0))
        #expect(RevisionHistory.hash(data: a, collisionCount: 0) != RevisionHistory.hash(data: a, collisionCount: 1))
    }

    @Test func templateChangesAddRevisionsAndRollbackRenumbers() throws {
        var world = SetsTestWorld()
        world.add(.statefulSets, SetsFixtures.statefulSet(replicas: 1))
        world.converge(statefulSet: "web")
        let first = try #require(world.list(.controllerRevisions).first)
        world.edit(.statefulSets, "web") { $0["spec"]["template"]["spec"]["containers"] = [["name": "c", "image": "nginx:2"]] }
        world.converge(statefulSet: "web")
        #expect(world.list(.controllerRevisions).map { $0["revision"] }.sorted { ($0.intValue ?? 0) < ($1.intValue ?? 0) } == [1, 2])
        // Going back to the first template reuses its revision with the next number (a rollback).
        world.edit(.statefulSets, "web") { $0["spec"]["template"]["spec"]["containers"] = [["name": "c", "image": "nginx:1"]] }
        let result = world.reconcileStatefulSet("web")
        #expect(result.created(.controllerRevisions).isEmpty)
        #expect(world.get(.controllerRevisions, SetsSupport.name(first))?["revision"] == 3)
        #expect(world.list(.controllerRevisions).count == 2)
    }

    @Test func hashCollisionBumpsCollisionCount() throws {
        let set = SetsFixtures.statefulSet()
        let data = RevisionHistory.snapshot(of: set)
        let name = RevisionHistory.revisionName(prefix: "web", hash: RevisionHistory.hash(data: data, collisionCount: 0))
        // Someone else's revision already holds the name, with other data.
        let squatter: JSON = ["metadata": ["name": .string(name), "namespace": "default"], "data": ["other": true], "revision": 1]
        let result = StatefulSetController.reconcile(set: set, pods: [], claims: [], revisions: [squatter], now: Date())
        let created = try #require(result.created(.controllerRevisions).first)
        #expect(SetsSupport.name(created) != name)
        let status = result.actions.compactMap { if case .updateStatus(_, _, let o) = $0 { o["status"] } else { nil } }.first
        #expect(status?["collisionCount"] == 1)
    }

    @Test(arguments: [(JSON.null, 10), (2, 2), (0, 0)])
    func historyLimitDeletesOldestUnusedRevisions(limit: JSON, kept: Int) {
        var set = SetsFixtures.daemonSet()
        if !limit.isNull { set["spec"]["revisionHistoryLimit"] = limit }
        var revisions: [JSON] = []
        for number in 1...12 {
            revisions.append([
                "metadata": ["name": .string("agent-old\(number)"), "namespace": "default",
                             "labels": ["app": "agent", DaemonSetController.revisionLabel: .string("old\(number)")],
                             "ownerReferences": [["uid": "ds-uid", "controller": true, "kind": "DaemonSet", "name": "agent"]]],
                "data": ["spec": ["template": ["n": .int(Int64(number))]]], "revision": .int(Int64(number)),
            ])
        }
        // A pod still on revision old1 keeps that revision alive.
        let pod: JSON = ["metadata": ["name": "agent-x", "namespace": "default",
                                      "labels": ["app": "agent", DaemonSetController.revisionLabel: "old1"],
                                      "ownerReferences": [["uid": "ds-uid", "controller": true]]],
                         "spec": ["nodeName": "gone"]]
        let result = DaemonSetController.reconcile(daemonSet: set, nodes: [], pods: [pod], revisions: revisions, now: Date())
        let deleted = result.deleted(.controllerRevisions)
        #expect(deleted.count == 11 - kept)
        #expect(!deleted.contains("agent-old1"))
        #expect(deleted == (2..<(2 + 11 - kept)).map { "agent-old\($0)" })
    }
}
