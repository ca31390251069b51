import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct GarbageCollectorTests {
    let deployment = MiscFixture.object("apps/v1", "Deployment", "d")
    var replicaSet: JSON { MiscFixture.object("apps/v1", "ReplicaSet", "rs", owners: [MiscFixture.ownerRef(deployment, block: true)]) }
    var pod: JSON { MiscFixture.pod("p", owners: [MiscFixture.ownerRef(replicaSet, block: true)]) }

    @Test func dependentOfUnseenOwnerNeedsVerificationFirst() {
        var graph = OwnerGraph()
        graph.upsert(replicaSet)
        let result = GarbageCollector.process(uid: "uid-rs", graph: graph)
        #expect(result.actions.isEmpty)
        #expect(result.needsVerification.count == 1)
        let lookup = result.needsVerification[0]
        #expect(lookup.owner.uid == "uid-d")
        #expect(lookup.owner.namespace == "default")
        #expect(lookup.resourceType == .deployments)
    }

    @Test func dependentOfVerifiedAbsentOwnerIsDeletedInBackground() {
        var graph = OwnerGraph()
        graph.upsert(deployment)
        graph.upsert(replicaSet)
        #expect(GarbageCollector.process(uid: "uid-rs", graph: graph).actions.isEmpty)  // owner present
        let dirty = graph.remove(deployment)
        #expect(dirty.contains("uid-rs"))
        #expect(!GarbageCollector.process(uid: "uid-rs", graph: graph).needsVerification.isEmpty)
        let result = GarbageCollector.process(uid: "uid-rs", graph: graph, absentOwners: ["uid-d"])
        #expect(result.actions == [.delete(.replicaSets, namespace: "default", name: "rs",
                                           options: DeleteOptions(propagationPolicy: "Background", preconditionUID: "uid-rs"))])
    }

    @Test func solidOwnerKeepsDependentButDanglingReferenceIsDropped() {
        let other = MiscFixture.object("apps/v1", "Deployment", "other")
        var rs = replicaSet
        rs["metadata"]["ownerReferences"] = [MiscFixture.ownerRef(deployment), MiscFixture.ownerRef(other, controller: false)]
        var graph = OwnerGraph()
        graph.upsert(other)
        graph.upsert(rs)
        let result = GarbageCollector.process(uid: "uid-rs", graph: graph, absentOwners: ["uid-d"])
        guard case .patch(let type, _, let name, let patch, let patchType, _) = result.actions.first else {
            Issue.record("expected a patch, got \(result.actions)"); return
        }
        #expect(type == .replicaSets && name == "rs" && patchType == .json)
        #expect(patch[1]["value"].arrayValue?.count == 1)
        #expect(patch[1]["value"][0]["uid"] == "uid-other")
    }

    @Test func foregroundOwnerWaitsForBlockingDependentsThenDropsFinalizer() {
        var graph = OwnerGraph()
        let owner = MiscFixture.object("apps/v1", "Deployment", "d", finalizers: ["foregroundDeletion"], deleting: true)
        graph.upsert(owner)
        let dirty = graph.upsert(replicaSet)
        #expect(dirty.contains("uid-rs"))
        // The owner is blocked, and the dependent goes (its owner is waiting, so it counts as ownerless).
        #expect(GarbageCollector.process(uid: "uid-d", graph: graph).actions.isEmpty)
        let dependent = GarbageCollector.process(uid: "uid-rs", graph: graph)
        #expect(dependent.actions.first?.miscDeletedName == "rs")
        // Once the dependent is gone the finalizer is removed.
        let after = graph.remove(replicaSet)
        #expect(after.contains("uid-d"))
        let result = GarbageCollector.process(uid: "uid-d", graph: graph)
        guard case .patch(_, _, "d", let patch, .json, nil) = result.actions.first else {
            Issue.record("expected finalizer patch, got \(result.actions)"); return
        }
        #expect(patch[2]["op"] == "remove" && patch[2]["path"] == "/metadata/finalizers")
    }

    @Test func dependentWithItsOwnDependentsIsDeletedInForegroundForAWaitingOwner() {
        var graph = OwnerGraph()
        graph.upsert(MiscFixture.object("apps/v1", "Deployment", "d", finalizers: ["foregroundDeletion"], deleting: true))
        graph.upsert(replicaSet)
        graph.upsert(pod)
        let result = GarbageCollector.process(uid: "uid-rs", graph: graph)
        guard case .delete(_, _, "rs", let options) = result.actions.first else { Issue.record("\(result)"); return }
        #expect(options.propagationPolicy == "Foreground")
    }

    @Test func orphanFinalizerStripsReferencesThenFinalizer() {
        var graph = OwnerGraph()
        graph.upsert(MiscFixture.object("apps/v1", "Deployment", "d", finalizers: ["orphan"], deleting: true))
        graph.upsert(replicaSet)
        let result = GarbageCollector.process(uid: "uid-d", graph: graph)
        #expect(result.actions.count == 2)
        guard case .patch(.replicaSets, _, "rs", let strip, _, _) = result.actions[0],
              case .patch(.deployments, _, "d", let finalizer, _, _) = result.actions[1] else {
            Issue.record("\(result.actions)"); return
        }
        #expect(strip[1]["op"] == "remove" && strip[1]["path"] == "/metadata/ownerReferences")
        #expect(finalizer[1]["value"] == ["orphan"])
    }

    @Test(arguments: [
        MiscFixture.object("v1", "ConfigMap", "nokind-owner", owners: [["name": "x"]]),  // reference without uid
        ["metadata": ["uid": "u"]] as JSON,                                           // no kind
        JSON.string("not an object"),
    ])
    func malformedObjectsAreIgnored(_ object: JSON) {
        var graph = OwnerGraph()
        graph.upsert(object)
        let uid = Meta.uid(object)
        #expect(GarbageCollector.process(uid: uid, graph: graph).actions.isEmpty)
    }

    @Test func unknownKindIsReportedNotDeleted() {
        var graph = OwnerGraph()
        let widget = MiscFixture.object("example.com/v1", "Widget", "w", owners: [MiscFixture.ownerRef(deployment)])
        graph.upsert(widget)
        let result = GarbageCollector.process(uid: "uid-w", graph: graph, absentOwners: ["uid-d"])
        #expect(result.actions.isEmpty)
        #expect(result.errors.first?.contains("Widget") == true)
    }

    @Test func virtualOwnerIsForgottenWhenNoDependentRemains() {
        var graph = OwnerGraph()
        graph.upsert(replicaSet)
        #expect(graph.count == 2)
        graph.remove(replicaSet)
        #expect(graph.count == 0)
    }
}
