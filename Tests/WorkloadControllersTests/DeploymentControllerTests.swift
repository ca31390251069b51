import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct DeploymentControllerTests {
    func condition(_ world: DeploymentTestWorld, _ type: String) -> JSON? {
        WorkloadConditions.find(world.deployment["status"], type: type)
    }

    func messages(_ world: DeploymentTestWorld) -> [String] {
        world.events.filter { $0.involvedObject["kind"] == "Deployment" }.map(\.message)
    }

    @Test func firstSyncCreatesNewReplicaSetWithHashAndAnnotations() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 3))
        world.runDeployment()
        let rs = try #require(world.replicaSetList.first)
        let hash = PodTemplateHash.compute(template: world.deployment[path: ["spec", "template"]], collisionCount: nil)
        #expect(WorkloadMeta.name(rs) == "web-\(hash)")
        #expect(rs[path: ["metadata", "labels", "pod-template-hash"]] == .string(hash))
        #expect(rs[path: ["spec", "selector", "matchLabels", "pod-template-hash"]] == .string(hash))
        #expect(rs[path: ["spec", "template", "metadata", "labels", "pod-template-hash"]] == .string(hash))
        #expect(rs[path: ["spec", "replicas"]] == 3)
        let annotations = WorkloadMeta.annotations(rs)
        #expect(annotations["deployment.kubernetes.io/revision"] == "1")
        #expect(annotations["deployment.kubernetes.io/desired-replicas"] == "3")
        #expect(annotations["deployment.kubernetes.io/max-replicas"] == "4")
        #expect(OwnerReferenceSupport.controllerUID(of: rs) == "uid-web")
        #expect(WorkloadMeta.annotations(world.deployment)["deployment.kubernetes.io/revision"] == "1")
        #expect(messages(world) == ["Scaled up replica set web-\(hash) to 3"])
        #expect(condition(world, "Progressing")?["reason"] == "NewReplicaSetCreated")
        #expect(condition(world, "Progressing")?["message"] == .string("Created new replica set \"web-\(hash)\""))
        #expect(condition(world, "Available")?["reason"] == "MinimumReplicasUnavailable")
        #expect(world.deployment[path: ["status", "observedGeneration"]] == 1)

        for _ in 0..<4 { world.step() }
        #expect(world.rolloutComplete)
        #expect(condition(world, "Available")?["reason"] == "MinimumReplicasAvailable")
        #expect(condition(world, "Available")?["message"] == "Deployment has minimum availability.")
        #expect(condition(world, "Progressing")?["reason"] == "NewReplicaSetAvailable")
        #expect(condition(world, "Progressing")?["message"] == .string("ReplicaSet \"web-\(hash)\" has successfully progressed."))
        #expect(world.deployment[path: ["status", "readyReplicas"]] == 3)
        #expect(world.deployment[path: ["status", "unavailableReplicas"]].isNull)
        // Steady state: another sync writes nothing.
        #expect(world.runDeployment().actions.isEmpty)
    }

    struct RollingCase: Sendable, CustomStringConvertible {
        var replicas: Int64
        var surge: JSON
        var unavailable: JSON
        var maxPods: Int
        var minAvailable: Int
        var description: String { "\(replicas) replicas, surge \(surge), unavailable \(unavailable)" }
    }

    @Test(arguments: [
        RollingCase(replicas: 10, surge: 3, unavailable: 2, maxPods: 13, minAvailable: 8),
        RollingCase(replicas: 10, surge: "25%", unavailable: "25%", maxPods: 13, minAvailable: 8),
        RollingCase(replicas: 3, surge: 0, unavailable: 1, maxPods: 3, minAvailable: 2),
        RollingCase(replicas: 3, surge: 1, unavailable: 0, maxPods: 4, minAvailable: 3),
        RollingCase(replicas: 5, surge: "0%", unavailable: "0%", maxPods: 5, minAvailable: 4),
        RollingCase(replicas: 1, surge: "100%", unavailable: 0, maxPods: 2, minAvailable: 1),
    ])
    func rollingUpdateStaysWithinSurgeAndUnavailable(_ c: RollingCase) throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(
            replicas: c.replicas, strategy: rollingStrategy(surge: c.surge, unavailable: c.unavailable)))
        for _ in 0..<(Int(c.replicas) + 5) { world.step() }
        #expect(world.rolloutComplete)
        world.editSpec { setImage(&$0, "nginx:2") }
        var rounds = 0
        while !world.rolloutComplete && rounds < 200 {
            world.runDeployment()
            world.runReplicaSets()
            #expect(world.pods.count <= c.maxPods, "pods \(world.pods.count) > \(c.maxPods) in round \(rounds)")
            #expect(world.readyPodCount >= c.minAvailable, "ready \(world.readyPodCount) in round \(rounds)")
            world.now = world.now.addingTimeInterval(1)
            world.runKubelet()
            world.runReplicaSets()
            rounds += 1
        }
        #expect(world.rolloutComplete)
        let newRS = try #require(world.replicaSet(forImage: "nginx:2"))
        #expect(newRS[path: ["spec", "replicas"]] == .int(c.replicas))
        #expect(world.replicaSet(forImage: "nginx:1")?[path: ["spec", "replicas"]] == 0)
        #expect(WorkloadMeta.annotations(world.deployment)["deployment.kubernetes.io/revision"] == "2")
        #expect(world.pods.values.allSatisfy { $0[path: ["spec", "containers"]][0]["image"] == "nginx:2" })
        #expect(messages(world).contains { $0.hasPrefix("Scaled down replica set web-") && $0.hasSuffix("to 0 from 1")
            || $0.contains("to 0 from") })
    }

    @Test func recreateScalesOldToZeroAndWaitsForPodsBeforeNew() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 2, strategy: ["type": "Recreate"]))
        for _ in 0..<4 { world.step() }
        #expect(world.rolloutComplete)
        world.editSpec { setImage(&$0, "nginx:2") }
        world.runDeployment()
        #expect(world.replicaSet(forImage: "nginx:1")?[path: ["spec", "replicas"]] == 0)
        #expect(world.replicaSet(forImage: "nginx:2") == nil)
        // The old RS's status still counts pods: still no new RS.
        world.runDeployment()
        #expect(world.replicaSet(forImage: "nginx:2") == nil)
        // A pod stuck terminating (not yet gone) also blocks; the RS controller deletes the pods.
        world.runReplicaSets()
        #expect(world.pods.isEmpty)
        world.runDeployment()
        #expect(world.replicaSet(forImage: "nginx:2") == nil)
        world.runReplicaSets()  // the old ReplicaSet's status now reports 0 replicas
        world.runDeployment()
        let newRS = try #require(world.replicaSet(forImage: "nginx:2"))
        #expect(newRS[path: ["spec", "replicas"]] == 2)
        for _ in 0..<4 { world.step() }
        #expect(world.rolloutComplete)
    }

    @Test func recreateWaitsForRunningPodsOfOldReplicaSets() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 1, strategy: ["type": "Recreate"]))
        for _ in 0..<3 { world.step() }
        world.editSpec { setImage(&$0, "nginx:2") }
        world.runDeployment()
        // Pretend the RS status already says 0 but its pod is still in the cache.
        let oldName = WorkloadMeta.name(world.replicaSet(forImage: "nginx:1")!)
        world.replicaSets[oldName]!["status"]["replicas"] = 0
        world.runDeployment()
        #expect(world.replicaSet(forImage: "nginx:2") == nil)
    }

    @Test func rollbackBumpsRevisionOfOldReplicaSet() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 2))
        for _ in 0..<4 { world.step() }
        world.editSpec { setImage(&$0, "nginx:2") }
        for _ in 0..<10 { world.step() }
        #expect(WorkloadMeta.annotations(world.deployment)["deployment.kubernetes.io/revision"] == "2")
        let rsCountBefore = world.replicaSets.count
        // kubectl rollout undo: the template of revision 1 comes back.
        world.editSpec { setImage(&$0, "nginx:1") }
        for _ in 0..<10 { world.step() }
        #expect(world.rolloutComplete)
        #expect(world.replicaSets.count == rsCountBefore)
        let v1 = world.replicaSet(forImage: "nginx:1")!
        #expect(WorkloadMeta.annotations(v1)["deployment.kubernetes.io/revision"] == "3")
        #expect(WorkloadMeta.annotations(v1)["deployment.kubernetes.io/revision-history"] == "1")
        #expect(WorkloadMeta.annotations(world.deployment)["deployment.kubernetes.io/revision"] == "3")
        #expect(v1[path: ["spec", "replicas"]] == 2)
    }

    @Test func restartAnnotationRollsANewReplicaSet() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 2))
        for _ in 0..<4 { world.step() }
        world.editSpec {
            $0["template"]["metadata"]["annotations"] = ["kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z"]
        }
        for _ in 0..<10 { world.step() }
        #expect(world.rolloutComplete)
        #expect(world.replicaSets.count == 2)
        #expect(WorkloadMeta.annotations(world.deployment)["deployment.kubernetes.io/revision"] == "2")
    }

    @Test func historyBeyondRevisionHistoryLimitIsDeleted() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 1, extraSpec: ["revisionHistoryLimit": 1]))
        for image in ["nginx:1", "nginx:2", "nginx:3", "nginx:4"] {
            world.editSpec { setImage(&$0, .string(image)) }
            for _ in 0..<8 { world.step() }
            #expect(world.rolloutComplete)
        }
        let images = Set(world.replicaSetList.compactMap {
            $0[path: ["spec", "template", "spec", "containers"]][0]["image"].stringValue })
        #expect(images == ["nginx:3", "nginx:4"])
    }

    @Test func pausedBlocksRolloutButScalingApplies() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 2))
        for _ in 0..<4 { world.step() }
        world.editSpec {
            $0["paused"] = true
            setImage(&$0, "nginx:2")
        }
        for _ in 0..<3 { world.step() }
        #expect(world.replicaSet(forImage: "nginx:2") == nil)
        #expect(condition(world, "Progressing")?["reason"] == "DeploymentPaused")
        #expect(condition(world, "Progressing")?["status"] == "Unknown")
        #expect(condition(world, "Progressing")?["message"] == "Deployment is paused")
        world.editSpec { $0["replicas"] = 4 }
        for _ in 0..<3 { world.step() }
        #expect(world.replicaSet(forImage: "nginx:1")?[path: ["spec", "replicas"]] == 4)
        #expect(world.pods.count == 4)
        world.editSpec { $0["paused"] = false }
        world.runDeployment()
        #expect(condition(world, "Progressing")?["reason"] != "DeploymentPaused")
        for _ in 0..<12 { world.step() }
        #expect(world.rolloutComplete)
        #expect(world.replicaSet(forImage: "nginx:2")?[path: ["spec", "replicas"]] == 4)
    }

    @Test func progressDeadlineExceeded() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 2, extraSpec: ["progressDeadlineSeconds": 30]))
        world.readyAfter = nil  // pods never become ready
        world.step()
        let result = world.runDeployment()
        #expect(result.requeueAfter != nil)
        #expect(condition(world, "Progressing")?["status"] == "True")
        world.now = world.now.addingTimeInterval(60)
        world.runDeployment()
        let progressing = condition(world, "Progressing")
        #expect(progressing?["status"] == "False")
        #expect(progressing?["reason"] == "ProgressDeadlineExceeded")
        let name = WorkloadMeta.name(world.replicaSetList[0])
        #expect(progressing?["message"] == .string("ReplicaSet \"\(name)\" has timed out progressing."))
    }

    @Test func proportionalScalingMidRollout() throws {
        // The documented example: 10 replicas, maxSurge 3, maxUnavailable 2, mid-rollout with 8
        // old and 5 new replicas, scaled to 15: 3 more go to the old RS and 2 to the new one.
        var world = DeploymentTestWorld(deployment: makeDeployment(
            replicas: 10, strategy: rollingStrategy(surge: 3, unavailable: 2)))
        world.readyAfter = nil
        for _ in 0..<3 { world.step() }
        let oldName = WorkloadMeta.name(world.replicaSetList[0])
        for (name, _) in world.pods { world.pods[name]!["status"] = makePod("x")["status"] }
        world.runReplicaSets()
        world.editSpec { setImage(&$0, "nginx:2") }
        world.runDeployment()
        let newName = WorkloadMeta.name(world.replicaSet(forImage: "nginx:2")!)
        world.runReplicaSets()
        world.runDeployment()
        #expect(world.replicaSets[oldName]?[path: ["spec", "replicas"]] == 8)
        #expect(world.replicaSets[newName]?[path: ["spec", "replicas"]] == 5)

        world.editSpec { $0["replicas"] = 15 }
        world.runDeployment()
        #expect(world.replicaSets[oldName]?[path: ["spec", "replicas"]] == 11)
        #expect(world.replicaSets[newName]?[path: ["spec", "replicas"]] == 7)
        #expect(WorkloadMeta.annotations(world.replicaSets[newName]!)["deployment.kubernetes.io/desired-replicas"] == "15")
        #expect(WorkloadMeta.annotations(world.replicaSets[oldName]!)["deployment.kubernetes.io/max-replicas"] == "18")
        #expect(messages(world).contains("Scaled up replica set \(oldName) to 11 from 8"))
    }

    @Test func hashCollisionBumpsCollisionCount() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 1))
        let hash = PodTemplateHash.compute(template: world.deployment[path: ["spec", "template"]], collisionCount: nil)
        var foreign = makeReplicaSet("web-\(hash)", replicas: 0, labels: ["app": "other"])
        foreign["metadata"]["uid"] = "uid-foreign"
        world.replicaSets["web-\(hash)"] = foreign
        world.runDeployment()
        #expect(world.deployment[path: ["status", "collisionCount"]] == 1)
        #expect(world.replicaSets.count == 1)
        world.runDeployment()
        let other = PodTemplateHash.compute(template: world.deployment[path: ["spec", "template"]], collisionCount: 1)
        #expect(other != hash)
        #expect(world.replicaSets["web-\(other)"] != nil)
    }

    @Test func adoptsOrphanReplicaSetsMatchingTheSelector() throws {
        var world = DeploymentTestWorld(deployment: makeDeployment(replicas: 1))
        var orphan = makeReplicaSet("web-orphan", replicas: 1)
        orphan["spec"]["template"] = world.deployment[path: ["spec", "template"]]
        world.replicaSets["web-orphan"] = orphan
        world.runDeployment()
        #expect(OwnerReferenceSupport.controllerUID(of: world.replicaSets["web-orphan"]!) == "uid-web")
        // Its template is the Deployment's: no second ReplicaSet.
        #expect(world.replicaSets.count == 1)
        #expect(WorkloadMeta.annotations(world.replicaSets["web-orphan"]!)["deployment.kubernetes.io/revision"] == "1")
    }

    static let badDeployments: [(String, @Sendable (inout JSON) -> Void, String)] = [
        ("missing selector", { $0["spec"]["selector"] = .null }, "InvalidSelector"),
        ("empty selector", { $0["spec"]["selector"] = .object([:]) }, "SelectingAll"),
        ("bad selector", { $0["spec"]["selector"] = ["matchLabels": ["app": 5]] }, "InvalidSelector"),
        ("missing template", { $0["spec"]["template"] = .null }, "InvalidTemplate"),
        ("template not matching", { $0["spec"]["template"]["metadata"]["labels"] = ["app": "x"] }, "InvalidTemplate"),
        ("bad maxSurge", { $0["spec"]["strategy"] = rollingStrategy(surge: "lots", unavailable: 1) }, "InvalidStrategy"),
        ("negative maxUnavailable", { $0["spec"]["strategy"] = rollingStrategy(surge: 1, unavailable: -1) },
         "InvalidStrategy"),
    ]

    @Test(arguments: 0..<badDeployments.count)
    func badDeploymentGivesWarningEventAndCreatesNothing(_ index: Int) {
        let (_, mutate, reason) = Self.badDeployments[index]
        var deployment = makeDeployment()
        mutate(&deployment)
        let result = DeploymentController.reconcile(deployment: deployment, replicaSets: [], pods: [], now: testEpoch)
        let creates = result.actions.filter { if case .create = $0 { return true } else { return false } }
        #expect(creates.isEmpty)
        let warnings = result.actions.compactMap { if case .event(let e) = $0, e.type == "Warning" { return e.reason } else { return nil } }
        #expect(warnings == [reason])
        if reason == "SelectingAll" {
            let observed = result.actions.contains {
                if case .updateStatus(_, _, let o) = $0 { return o[path: ["status", "observedGeneration"]] == 1 }
                return false
            }
            #expect(observed)
        }
    }
}
