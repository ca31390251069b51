import ComponentKit
import ControllerManager
import Foundation
import KubeAPI
import Logging
import SwiftletCore
import Testing
import WorkloadControllers

@Suite("Controller manager against an in-memory API")
struct ControllerManagerTests {
    @Test func deploymentBecomesReplicaSetAndPodsAndScales() async throws {
        let harness = try ManagerHarness([.deployment, .replicaset])
        defer { harness.task.cancel() }
        _ = try await harness.client.create(.deployments, namespace: "default", object: Fixtures.deployment("web", replicas: 3))
        let created = await harness.eventually {
            harness.client.objects(.replicaSets).count == 1 && harness.pods().count == 3
        }
        #expect(created)
        let deployment = try #require(harness.client.object(.deployments, namespace: "default", name: "web"))
        let replicaSet = try #require(harness.client.objects(.replicaSets).first)
        #expect(Fixtures.ownedBy(replicaSet, deployment))
        #expect(harness.pods().allSatisfy { Fixtures.ownedBy($0, replicaSet) })
        #expect(replicaSet["spec"]["replicas"].intValue == 3)

        for target in [5, 1] as [Int64] {
            _ = try await harness.client.patch(.deployments, namespace: "default", name: "web",
                                               patch: ["spec": ["replicas": .int(target)]], patchType: .merge)
            let scaled = await harness.eventually {
                harness.pods().count == Int(target)
                    && harness.client.objects(.replicaSets).first?["spec"]["replicas"].intValue == target
            }
            #expect(scaled, "scaling to \(target)")
        }
        // Still one ReplicaSet: scaling is not a new revision.
        #expect(harness.client.objects(.replicaSets).count == 1)
        await harness.stop()
    }

    @Test(arguments: ["Background", "Orphan"])
    func deletingAReplicaSetGoesThroughTheGarbageCollector(policy: String) async throws {
        let harness = try ManagerHarness([.replicaset, .garbagecollector])
        defer { harness.task.cancel() }
        _ = try await harness.client.create(.replicaSets, namespace: "default", object: Fixtures.replicaSet("cache", replicas: 2))
        #expect(await harness.eventually { harness.pods().count == 2 })
        _ = try await harness.client.delete(.replicaSets, namespace: "default", name: "cache",
                                            options: DeleteOptions(propagationPolicy: policy))
        let settled = await harness.eventually {
            harness.client.objects(.replicaSets).isEmpty
                && (policy == "Orphan"
                    ? harness.pods().count == 2 && harness.pods().allSatisfy { $0["metadata"]["ownerReferences"].arrayValue?.isEmpty ?? true }
                    : harness.client.objects(.pods).isEmpty)
        }
        #expect(settled, "propagation \(policy)")
        await harness.stop()
    }

    @Test func jobCompletesWhenItsPodsSucceed() async throws {
        let harness = try ManagerHarness([.job])
        defer { harness.task.cancel() }
        _ = try await harness.client.create(.jobs, namespace: "default", object: Fixtures.job("batch", completions: 2))
        #expect(await harness.eventually { harness.pods().count == 2 })
        for pod in harness.pods() {
            try harness.client.mutate(.pods, namespace: "default", name: pod["metadata"]["name"].stringValue ?? "") { pod in
                pod["status"] = ["phase": "Succeeded", "conditions": [["type": "Ready", "status": "False"]]]
            }
        }
        let complete = await harness.eventually {
            let job = harness.client.object(.jobs, namespace: "default", name: "batch")
            return (job?["status"]["conditions"].arrayValue ?? []).contains {
                $0["type"] == "Complete" && $0["status"] == "True"
            } && job?["status"]["succeeded"].intValue == 2
        }
        #expect(complete)
        // The finished Job's pods are released (no tracking finalizer left) and none are added.
        #expect(await harness.eventually {
            harness.client.objects(.pods).allSatisfy { ($0["metadata"]["finalizers"].arrayValue ?? []).isEmpty }
        })
        #expect(harness.client.objects(.pods).count == 2)
        await harness.stop()
    }

    @Test func aDisabledLoopDoesNothing() async throws {
        let harness = try ManagerHarness([.replicaset])
        defer { harness.task.cancel() }
        #expect(harness.manager.enabledControllers == [.replicaset])
        _ = try await harness.client.create(.deployments, namespace: "default", object: Fixtures.deployment("idle", replicas: 2))
        _ = try await harness.client.create(.replicaSets, namespace: "default", object: Fixtures.replicaSet("busy", replicas: 1))
        // The ReplicaSet loop acting proves the manager is running and has seen both objects.
        #expect(await harness.eventually { harness.pods().count == 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(harness.client.objects(.replicaSets).map { $0["metadata"]["name"] } == ["busy"])
        #expect(harness.client.object(.deployments, namespace: "default", name: "idle")?["status"].isNull == true)
        await harness.stop()
    }

    @Test func leaderElectionTakesTheLeaseBeforeActing() async throws {
        let harness = try ManagerHarness([.replicaset], leaderElection: true)
        defer { harness.task.cancel() }
        _ = try await harness.client.create(.replicaSets, namespace: "default", object: Fixtures.replicaSet("led", replicas: 1))
        #expect(await harness.eventually { harness.pods().count == 1 })
        let lease = try #require(harness.client.object(.leases, namespace: "kube-system", name: "kube-controller-manager"))
        #expect(lease["spec"]["holderIdentity"] == "test-manager")
        await harness.stop()
    }

    @Test func serviceAccountAndNodeIPAMLoops() async throws {
        let harness = try ManagerHarness([.serviceaccount, .nodeipam])
        defer { harness.task.cancel() }
        _ = try await harness.client.create(.namespaces, namespace: nil, object: ["metadata": ["name": "team"]])
        _ = try await harness.client.create(.nodes, namespace: nil, object: ["metadata": ["name": "node-a"]])
        let done = await harness.eventually {
            harness.client.object(.serviceAccounts, namespace: "team", name: "default") != nil
                && harness.client.object(.nodes, namespace: nil, name: "node-a")?["spec"]["podCIDR"].stringValue == "10.42.0.0/24"
        }
        #expect(done)
        await harness.stop()
    }

    /// `kube-root-ca.crt` appears in a new namespace, comes back after a delete and after an edit.
    @Test func rootCACertPublisherKeepsTheConfigMap() async throws {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        let harness = try ManagerHarness([.rootCACertPublisher], rootCA: pem)
        defer { harness.task.cancel() }
        func published() -> Bool {
            harness.client.object(.configMaps, namespace: "team", name: "kube-root-ca.crt")?["data"] == ["ca.crt": .string(pem)]
        }
        _ = try await harness.client.create(.namespaces, namespace: nil, object: ["metadata": ["name": "team"]])
        #expect(await harness.eventually { published() })
        _ = try await harness.client.delete(.configMaps, namespace: "team", name: "kube-root-ca.crt", options: DeleteOptions())
        #expect(await harness.eventually { published() })
        var edited = try #require(harness.client.object(.configMaps, namespace: "team", name: "kube-root-ca.crt"))
        edited["data"] = ["ca.crt": "tampered"]
        _ = try await harness.client.update(.configMaps, namespace: "team", object: edited, subresource: nil)
        #expect(await harness.eventually { published() })
        await harness.stop()
    }

    /// A ReplicaSet reads only its own pods and the namespace's orphans (through the pod cache's
    /// indexes): a matching orphan is adopted instead of a new pod being created, and a pod with
    /// another controller is left alone.
    @Test func replicaSetAdoptsAnOrphanAndIgnoresOthersPods() async throws {
        let harness = try ManagerHarness([.replicaset])
        defer { harness.task.cancel() }
        let foreignOwner: JSON = ["apiVersion": "apps/v1", "kind": "StatefulSet", "name": "other", "uid": "uid-other", "controller": true]
        for (name, owners) in [("orphan", [] as [JSON]), ("foreign", [foreignOwner])] {
            var pod = Fixtures.podTemplate(app: "cache")
            pod["metadata"]["name"] = .string(name)
            pod["metadata"]["namespace"] = "default"
            pod["metadata"]["ownerReferences"] = .array(owners)
            _ = try await harness.client.create(.pods, namespace: "default", object: pod)
        }
        _ = try await harness.client.create(.replicaSets, namespace: "default", object: Fixtures.replicaSet("cache", replicas: 2))
        let settled = await harness.eventually {
            guard let set = harness.client.objects(.replicaSets).first else { return false }
            let owned = harness.pods().filter { Fixtures.ownedBy($0, set) }
            return owned.count == 2 && owned.contains { $0["metadata"]["name"] == "orphan" }
        }
        #expect(settled)
        #expect(harness.pods().count == 3)
        let foreign = try #require(harness.client.object(.pods, namespace: "default", name: "foreign"))
        #expect(foreign["metadata"]["ownerReferences"][0]["uid"] == "uid-other")
        await harness.stop()
    }

    /// Pod GC finds nodes through the pod cache's node index (the cache holds text, not trees):
    /// a pod bound to a node that does not exist goes, a pod on a known node stays.
    @Test func podGCDeletesPodsOfMissingNodesOnly() async throws {
        let harness = try ManagerHarness([.podgc])
        defer { harness.task.cancel() }
        _ = try await harness.client.create(.nodes, namespace: nil, object: ["metadata": ["name": "node-a"]])
        for (name, node) in [("kept", "node-a"), ("orphan", "node-gone")] {
            _ = try await harness.client.create(.pods, namespace: "default", object: [
                "metadata": ["name": .string(name), "namespace": "default"],
                "spec": ["nodeName": .string(node), "containers": [["name": "c", "image": "busybox"]]],
            ])
        }
        let collected = await harness.eventually { harness.pods().map { $0["metadata"]["name"] } == ["kept"] }
        #expect(collected, "pods left: \(harness.pods().map { $0["metadata"]["name"] })")
        await harness.stop()
    }
}

extension ControllerManagerTests {
    /// ServiceLB writes the Ready nodes' addresses into a LoadBalancer Service's status (through
    /// the status subresource) and follows a node that stops being Ready.
    @Test func serviceLBFollowsReadyNodes() async throws {
        let harness = try ManagerHarness([.servicelb])
        defer { harness.task.cancel() }
        func node(_ name: String, _ ip: String, ready: String) -> JSON {
            ["metadata": ["name": .string(name)],
             "status": ["addresses": [["type": "InternalIP", "address": .string(ip)]],
                        "conditions": [["type": "Ready", "status": .string(ready)]]]]
        }
        _ = try await harness.client.create(.nodes, namespace: nil, object: node("node-a", "192.168.5.10", ready: "True"))
        _ = try await harness.client.create(.nodes, namespace: nil, object: node("node-b", "192.168.5.11", ready: "True"))
        _ = try await harness.client.create(.services, namespace: "default", object: [
            "metadata": ["name": "lb", "namespace": "default"],
            "spec": ["type": "LoadBalancer", "clusterIP": "10.43.0.50", "ports": [["port": 80, "nodePort": 30500]]],
        ])
        func ingress() -> [String] {
            let service = harness.client.object(.services, namespace: "default", name: "lb")
            return (service?["status"]["loadBalancer"]["ingress"].arrayValue ?? []).compactMap { $0["ip"].stringValue }
        }
        #expect(await harness.eventually { ingress() == ["192.168.5.10", "192.168.5.11"] }, "\(ingress())")
        var notReady = try #require(harness.client.object(.nodes, namespace: nil, name: "node-b"))
        notReady["status"]["conditions"] = [["type": "Ready", "status": "False"]]
        _ = try await harness.client.update(.nodes, namespace: nil, object: notReady, subresource: "status")
        #expect(await harness.eventually { ingress() == ["192.168.5.10"] }, "\(ingress())")
        await harness.stop()
    }
}

extension ControllerManagerTests {
    /// A Service synced again while the slice watch lags behind the controller's own create must
    /// not get a second EndpointSlice: the controller waits for its writes to reach the cache.
    @Test func laggingSliceCacheDoesNotDuplicateSlices() async throws {
        let harness = try ManagerHarness([.endpointslice])
        defer { harness.task.cancel() }
        harness.client.holdEvents(.endpointSlices)
        _ = try await harness.client.create(.services, namespace: "default", object: [
            "metadata": ["name": "web", "namespace": "default"],
            "spec": ["clusterIP": "10.43.0.60", "selector": ["app": "web"], "ports": [["port": 80]]],
        ])
        #expect(await harness.eventually { harness.client.objects(.endpointSlices).count == 1 })
        func pod(_ name: String, ip: String) -> JSON {
            ["metadata": ["name": .string(name), "namespace": "default", "labels": ["app": "web"]],
             "spec": ["nodeName": "node-a", "containers": [["name": "c", "image": "busybox"]]],
             "status": ["phase": "Running", "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
                        "conditions": [["type": "Ready", "status": "True"]]]]
        }
        _ = try await harness.client.create(.pods, namespace: "default", object: pod("web-1", ip: "10.42.0.5"))
        _ = try await harness.client.create(.pods, namespace: "default", object: pod("web-2", ip: "10.42.0.6"))
        try await Task.sleep(for: .milliseconds(500))
        #expect(harness.client.objects(.endpointSlices).count == 1, "a sync on the stale cache created another slice")
        harness.client.releaseEvents(.endpointSlices)
        func addresses() -> [String] {
            harness.client.objects(.endpointSlices).flatMap { ($0["endpoints"].arrayValue ?? []).compactMap { $0["addresses"][0].stringValue } }.sorted()
        }
        #expect(await harness.eventually { addresses() == ["10.42.0.5", "10.42.0.6"] }, "\(addresses())")
        #expect(harness.client.objects(.endpointSlices).count == 1)
        await harness.stop()
    }
}

@Suite("Controller selection")
struct ControllerSelectionTests {
    @Test(arguments: [
        (nil, ControllerName.allCases.count, nil),
        (["*"], ControllerName.allCases.count, nil),
        (["*", "-nodeipam"], ControllerName.allCases.count - 1, ControllerName.nodeipam),
        (["replicaset", "deployment"], 2, ControllerName.job),
        ([], 0, ControllerName.replicaset),
    ] as [([String]?, Int, ControllerName?)])
    func enabledSets(list: [String]?, count: Int, excluded: ControllerName?) throws {
        let enabled = try ControllerName.enabled(by: list)
        #expect(enabled.count == count)
        if let excluded { #expect(!enabled.contains(excluded)) }
    }

    @Test(arguments: [["replicaset", "bogus"], ["-nope"], ["ReplicaSet"]])
    func unknownNamesAreAClearError(list: [String]) {
        do {
            _ = try ControllerName.enabled(by: list)
            Issue.record("expected an error for \(list)")
        } catch {
            #expect(error.message.contains("unknown controller"))
            #expect(error.message.contains("valid names are: replicaset, deployment"))
        }
    }

    @Test func configWithUnknownNameFailsAtStartup() {
        var config = ComponentConfig(kubeconfig: "k", tlsCertFile: "c", tlsKeyFile: "k", clientCAFile: "ca")
        config.controllers = ["garbagecollector", "gc"]
        #expect(throws: ControllerManagerError.self) { try ControllerManagerOptions(config: config) }
        config.controllers = ["garbagecollector", "-gc"]
        #expect(throws: ControllerManagerError.self) { try ControllerManagerOptions(config: config) }
        config.controllers = ["garbagecollector"]
        let options = try? ControllerManagerOptions(config: config)
        #expect(options?.enabled == [.garbagecollector])
        #expect(options?.leaderElection?.leaseName == "kube-controller-manager")
        #expect(options?.leaderElection?.leaseNamespace == "kube-system")
    }

    @Test func badClusterCIDRFailsAtStartup() {
        let options = ControllerManagerOptions(enabled: [.nodeipam], clusterCIDR: "10.42.0.0/33")
        #expect(throws: ControllerManagerError.self) {
            _ = try ControllerManager(client: FakeKubeClient(), options: options, logger: .init(label: "t"))
        }
    }
}

@Suite("Event recorder")
struct EventRecorderTests {
    /// A burst of distinct events leaves a bounded memory of them; a repeat of a recent one still
    /// bumps its count, a repeat of a forgotten one becomes a new Event.
    @Test func remembersABoundedNumberAndStillAggregatesRecentRepeats() async throws {
        let client = FakeKubeClient()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let recorder = EventRecorder(client: client, component: "default-scheduler", logger: logger)
        func record(_ index: Int, at second: Double) async {
            let pod: JSON = ["kind": "Pod", "apiVersion": "v1",
                             "metadata": ["name": .string("pod-\(index)"), "namespace": "default", "uid": .string("uid-\(index)")]]
            await recorder.record(EventRecord(involvedObject: pod, reason: "Scheduled", message: "assigned pod-\(index)"),
                                  now: Date(timeIntervalSince1970: 1_800_000_000 + second))
        }
        let total = EventRecorder.maximumRemembered + 1000
        for index in 0..<total { await record(index, at: Double(index) / 1000) }
        #expect(await recorder.rememberedEvents <= EventRecorder.maximumRemembered)
        #expect(client.objects(.events, namespace: "default").count == total)

        await record(total - 1, at: Double(total) / 1000)
        let repeated = client.objects(.events, namespace: "default").filter { $0["involvedObject"]["name"] == .string("pod-\(total - 1)") }
        #expect(repeated.map { $0["count"].intValue } == [2])
        await record(0, at: Double(total) / 1000)
        #expect(client.objects(.events, namespace: "default").count == total + 1, "the forgotten event is created anew")
    }
}
