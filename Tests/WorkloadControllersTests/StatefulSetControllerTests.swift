import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct StatefulSetControllerTests {
    func world(_ set: JSON) -> SetsTestWorld {
        var world = SetsTestWorld()
        world.add(.statefulSets, set)
        return world
    }

    @Test func orderedReadyCreatesOnePodAtATimeAndWaitsForReady() throws {
        var world = world(SetsFixtures.statefulSet())
        let first = world.reconcileStatefulSet("web")
        #expect(first.created(.pods).map(SetsSupport.name) == ["web-0"])
        #expect(first.created(.controllerRevisions).count == 1)
        // web-0 is Pending: nothing more happens.
        #expect(world.reconcileStatefulSet("web").created(.pods).isEmpty)
        world.runPods()
        #expect(world.reconcileStatefulSet("web").created(.pods).map(SetsSupport.name) == ["web-1"])
        world.converge(statefulSet: "web")
        #expect(world.podNames == ["web-0", "web-1", "web-2"])

        let pod = try #require(world.get(.pods, "web-1"))
        let labels = SetsSupport.labels(pod)
        #expect(labels[StatefulSetController.podNameLabel] == "web-1")
        #expect(labels[StatefulSetController.podIndexLabel] == "1")
        #expect(labels["app"] == "web")
        let revision = try #require(world.list(.controllerRevisions).first)
        #expect(labels[StatefulSetController.revisionLabel] == SetsSupport.name(revision))
        #expect(pod[path: ["spec", "hostname"]] == "web-1")
        #expect(pod[path: ["spec", "subdomain"]] == "nginx")
        #expect(SetsSupport.isControlled(pod, by: "set-uid"))
        #expect(world.events.contains { $0.message == "create Pod web-0 in StatefulSet web successful" && $0.reason == "SuccessfulCreate" })

        let status = world.get(.statefulSets, "web")!["status"]
        #expect(status["replicas"] == 3)
        #expect(status["readyReplicas"] == 3)
        #expect(status["updatedReplicas"] == 3)
        #expect(status["availableReplicas"] == 3)
        #expect(status["observedGeneration"] == 1)
        #expect(status["currentRevision"] == status["updateRevision"])
        #expect(status["currentRevision"].stringValue == SetsSupport.name(revision))
    }

    @Test func parallelCreatesAllPodsAtOnce() {
        var world = world(SetsFixtures.statefulSet(extraSpec: ["podManagementPolicy": "Parallel"]))
        let result = world.reconcileStatefulSet("web")
        #expect(result.created(.pods).map(SetsSupport.name) == ["web-0", "web-1", "web-2"])
    }

    @Test func startOrdinalNamesPodsFromStart() {
        var world = world(SetsFixtures.statefulSet(replicas: 2, extraSpec: ["ordinals": ["start": 5]]))
        world.converge(statefulSet: "web")
        #expect(world.podNames == ["web-5", "web-6"])
    }

    @Test(arguments: [(false, [["web-3"], ["web-2"], ["web-1"]]), (true, [["web-3", "web-2", "web-1"]])])
    func scaleDownRemovesHighestOrdinalsFirst(parallel: Bool, rounds: [[String]]) {
        let policy: JSON = parallel ? "Parallel" : "OrderedReady"
        var world = world(SetsFixtures.statefulSet(replicas: 4, extraSpec: ["podManagementPolicy": policy]))
        world.converge(statefulSet: "web")
        #expect(world.podNames.count == 4)
        world.edit(.statefulSets, "web") { $0["spec"]["replicas"] = 1 }
        for expected in rounds {
            #expect(world.reconcileStatefulSet("web").deleted(.pods) == expected)
        }
        #expect(world.podNames == ["web-0"])
        #expect(world.reconcileStatefulSet("web").deleted(.pods).isEmpty)
        #expect(world.get(.statefulSets, "web")![path: ["status", "replicas"]] == 1)
    }

    @Test func orderedScaleDownWaitsForUnhealthyReplicas() {
        var world = world(SetsFixtures.statefulSet(replicas: 3))
        world.converge(statefulSet: "web")
        world.edit(.statefulSets, "web") { $0["spec"]["replicas"] = 1 }
        world.objects[.pods]!["web-0"]!["status"]["conditions"] = []
        // web-0 (kept) is not ready: nothing is deleted until it is.
        #expect(world.reconcileStatefulSet("web").deleted(.pods).isEmpty)
    }

    @Test func claimsAreCreatedBeforeThePodAndMountedByIt() throws {
        let claimTemplate: JSON = ["metadata": ["name": "www"],
                                   "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]
        var world = world(SetsFixtures.statefulSet(replicas: 2, extraSpec: [
            "volumeClaimTemplates": [claimTemplate],
            "persistentVolumeClaimRetentionPolicy": ["whenDeleted": "Delete", "whenScaled": "Delete"],
        ]))
        let result = world.reconcileStatefulSet("web")
        let kinds = result.actions.compactMap(\.createdObject).map { $0["kind"].stringValue ?? "" }
        #expect(kinds == ["ControllerRevision", "PersistentVolumeClaim", "Pod"])
        let claim = try #require(world.get(.persistentVolumeClaims, "www-web-0"))
        #expect(SetsSupport.labels(claim)["app"] == "web")
        #expect(SetsSupport.hasOwnerReference(claim, uid: "set-uid"))
        let pod = try #require(world.get(.pods, "web-0"))
        let volumes = pod[path: ["spec", "volumes"]].arrayValue ?? []
        #expect(volumes.contains { $0["name"] == "www" && $0[path: ["persistentVolumeClaim", "claimName"]] == "www-web-0" })
        #expect(world.events.contains { $0.message == "create Claim www-web-0 Pod web-0 in StatefulSet web success" })

        world.converge(statefulSet: "web")
        #expect(world.list(.persistentVolumeClaims).map(SetsSupport.name) == ["www-web-0", "www-web-1"])
        // Scale-down with whenScaled: Delete hands the claim to the pod before deleting the pod.
        world.edit(.statefulSets, "web") { $0["spec"]["replicas"] = 1 }
        let podUID = SetsSupport.uid(world.get(.pods, "web-1")!)
        let scaleDown = world.reconcileStatefulSet("web")
        #expect(scaleDown.deleted(.pods) == ["web-1"])
        let handedOver = try #require(world.get(.persistentVolumeClaims, "www-web-1"))
        #expect(SetsSupport.hasOwnerReference(handedOver, uid: podUID))
        #expect(!SetsSupport.hasOwnerReference(handedOver, uid: "set-uid"))
    }

    @Test func retainPolicyLeavesClaimsUnowned() throws {
        let claimTemplate: JSON = ["metadata": ["name": "data"], "spec": [:]]
        var world = world(SetsFixtures.statefulSet(replicas: 1, extraSpec: ["volumeClaimTemplates": [claimTemplate]]))
        world.converge(statefulSet: "web")
        let claim = try #require(world.get(.persistentVolumeClaims, "data-web-0"))
        #expect(SetsSupport.ownerReferences(claim).isEmpty)
    }

    @Test func partitionedRollingUpdateGoesFromTheHighestOrdinalDown() throws {
        var world = world(SetsFixtures.statefulSet(replicas: 3))
        world.converge(statefulSet: "web")
        let oldRevision = world.get(.statefulSets, "web")![path: ["status", "currentRevision"]]
        world.edit(.statefulSets, "web") {
            $0["spec"]["template"]["spec"]["containers"] = [["name": "c", "image": "nginx:2"]]
            $0["spec"]["updateStrategy"] = ["type": "RollingUpdate", "rollingUpdate": ["partition": 1]]
        }
        #expect(world.reconcileStatefulSet("web").deleted(.pods) == ["web-2"])
        // The replacement is created at the new revision; nothing else is deleted while it is not ready.
        let recreate = world.reconcileStatefulSet("web")
        let replacement = try #require(recreate.created(.pods).first)
        #expect(replacement[path: ["spec", "containers"]][0]["image"] == "nginx:2")
        #expect(world.reconcileStatefulSet("web").deleted(.pods).isEmpty)
        world.runPods()
        #expect(world.reconcileStatefulSet("web").deleted(.pods) == ["web-1"])
        world.converge(statefulSet: "web")
        let images = world.list(.pods).map { $0[path: ["spec", "containers"]][0]["image"].stringValue ?? "" }
        #expect(images == ["nginx:1", "nginx:2", "nginx:2"])
        var status = world.get(.statefulSets, "web")!["status"]
        #expect(status["updatedReplicas"] == 2)
        #expect(status["currentRevision"] == oldRevision)
        #expect(status["updateRevision"] != oldRevision)

        world.edit(.statefulSets, "web") { $0["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 0 }
        world.converge(statefulSet: "web")
        status = world.get(.statefulSets, "web")!["status"]
        #expect(status["updatedReplicas"] == 3)
        #expect(status["currentRevision"] == status["updateRevision"])
        #expect(status["observedGeneration"] == 3)
    }

    @Test func maxUnavailableDeletesSeveralPodsAtOnce() {
        var world = world(SetsFixtures.statefulSet(replicas: 4))
        world.converge(statefulSet: "web")
        world.edit(.statefulSets, "web") {
            $0["spec"]["template"]["spec"]["containers"] = [["name": "c", "image": "nginx:2"]]
            $0["spec"]["updateStrategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "50%"]]
        }
        #expect(world.reconcileStatefulSet("web").deleted(.pods) == ["web-3", "web-2"])
    }

    @Test func onDeleteOnlyReplacesPodsTheUserDeletes() throws {
        var world = world(SetsFixtures.statefulSet(replicas: 2, extraSpec: ["updateStrategy": ["type": "OnDelete"]]))
        world.converge(statefulSet: "web")
        world.edit(.statefulSets, "web") {
            $0["spec"]["template"]["spec"]["containers"] = [["name": "c", "image": "nginx:2"]]
        }
        #expect(world.reconcileStatefulSet("web").deleted(.pods).isEmpty)
        world.objects[.pods]!["web-1"] = nil
        let result = world.reconcileStatefulSet("web")
        let created = try #require(result.created(.pods).first)
        #expect(SetsSupport.name(created) == "web-1")
        #expect(created[path: ["spec", "containers"]][0]["image"] == "nginx:2")
        world.converge(statefulSet: "web")
        #expect(world.get(.pods, "web-0")![path: ["spec", "containers"]][0]["image"] == "nginx:1")
    }

    @Test func failedPodIsDeletedThenRecreated() {
        var world = world(SetsFixtures.statefulSet(replicas: 2))
        world.converge(statefulSet: "web")
        world.setPhase("web-0", "Failed")
        let result = world.reconcileStatefulSet("web")
        #expect(result.deleted(.pods) == ["web-0"])
        #expect(result.created(.pods).isEmpty)
        #expect(world.reconcileStatefulSet("web").created(.pods).map(SetsSupport.name) == ["web-0"])
    }

    @Test func orphanPodsAreAdopted() throws {
        var world = world(SetsFixtures.statefulSet(replicas: 1))
        world.add(.pods, ["metadata": ["name": "web-0", "labels": ["app": "web"]], "spec": [:]])
        world.add(.pods, ["metadata": ["name": "other", "labels": ["app": "web"]], "spec": [:]])
        let result = world.reconcileStatefulSet("web")
        #expect(result.created(.pods).isEmpty)
        #expect(SetsSupport.isControlled(try #require(world.get(.pods, "web-0")), by: "set-uid"))
        // A pod that is not named like a member is not adopted.
        #expect(!SetsSupport.isControlled(try #require(world.get(.pods, "other")), by: "set-uid"))
    }

    /// Adoption and release change only owner references, by a merge patch pinned to the pod's
    /// resourceVersion: never a PUT of the cached pod, which the controllers keep only in part.
    @Test func adoptionAndReleaseArePinnedMetadataPatches() throws {
        let set = SetsFixtures.statefulSet(replicas: 1)
        let orphan: JSON = ["metadata": ["name": "web-0", "namespace": "default", "resourceVersion": "17",
                                         "labels": ["app": "web"]], "spec": [:]]
        let adopted = SetsSupport.claim([orphan], owner: set, ownerKind: "StatefulSet",
                                        selector: try SetsSupport.selector(of: set), resource: .pods)
        guard case .patch(.pods, "default", "web-0", let patch, .merge, nil) = adopted.actions.first else {
            Issue.record("expected a merge patch, got \(adopted.actions)"); return
        }
        #expect(patch["metadata"]["resourceVersion"] == "17")
        #expect(patch["metadata"]["ownerReferences"][0]["uid"] == set["metadata"]["uid"])
        #expect(patch["metadata"]["labels"].isNull && patch["spec"].isNull)

        var owned = try #require(adopted.owned.first)
        owned["metadata"]["labels"] = ["app": "other"]
        let released = SetsSupport.claim([owned], owner: set, ownerKind: "StatefulSet",
                                         selector: try SetsSupport.selector(of: set), resource: .pods)
        guard case .patch(.pods, "default", "web-0", let release, .merge, nil) = released.actions.first else {
            Issue.record("expected a merge patch, got \(released.actions)"); return
        }
        // The last owner reference removed: `null` deletes the field.
        #expect(release["metadata"].objectValue?["ownerReferences"] == .null)
        #expect(MergePatch.apply(release, to: owned)["metadata"]["ownerReferences"] == .null)
    }

    @Test(arguments: [
        ("no selector", ["selector": JSON.null]),
        ("selector not matching template", ["selector": ["matchLabels": ["app": "other"]]]),
        ("negative replicas", ["replicas": -1]),
        ("bad pod management policy", ["podManagementPolicy": "Sometimes"]),
        ("bad update strategy", ["updateStrategy": ["type": "Recreate"]]),
        ("bad maxUnavailable", ["updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "many"]]]),
        ("template not an object", ["template": "nope"]),
        ("claim template without name", ["volumeClaimTemplates": [["spec": [:]]]]),
        ("bad retention policy", ["persistentVolumeClaimRetentionPolicy": ["whenDeleted": "Shred"]]),
    ] as [(String, JSONObject)])
    func badSpecYieldsOneWarningEvent(label: String, spec: JSONObject) {
        let set = SetsFixtures.statefulSet(extraSpec: spec)
        let result = StatefulSetController.reconcile(set: set, pods: [], claims: [], revisions: [], now: Date())
        #expect(result.actions.count == 1, "\(label)")
        #expect(result.warnings.first?.reason == "FailedReconcile", "\(label)")
    }

    @Test func nonObjectInputYieldsWarning() {
        let result = StatefulSetController.reconcile(set: "garbage", pods: [1, "x"], claims: [], revisions: [.null], now: Date())
        #expect(result.warnings.count == 1)
    }
}
