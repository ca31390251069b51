@testable import ComponentKit
import Foundation
import KubeAPI
import Logging
@testable import SimulatedNodes
import Testing

/// Runs a simulated kubelet against a `FakeCluster` with short intervals for the body of a test.
func withKubelet(nodes: Int, cluster: FakeCluster = FakeCluster(), defaultRun: Duration = .milliseconds(100),
                 _ body: (FakeCluster, SimulatedKubelet, HealthChecks) async throws -> Void) async throws {
    var options = SimulatedNodesOptions(nodeName: "sim", count: nodes)
    options.leaseRenewInterval = .milliseconds(50)
    options.statusReportInterval = .milliseconds(200)
    options.defaultRunDuration = defaultRun
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let health = HealthChecks()
    let kubelet = SimulatedKubelet(client: cluster, options: options, logger: logger, health: health)
    let task = Task { try await kubelet.run() }
    defer { task.cancel() }
    try await body(cluster, kubelet, health)
    task.cancel()
    _ = await task.result
}

/// Polls until `condition` holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

func makePod(_ name: String, node: String, restartPolicy: String = "Always", annotations: [String: String] = [:]) -> JSON {
    var metadata: JSONObject = ["name": .string(name), "namespace": "default"]
    if !annotations.isEmpty {
        metadata["annotations"] = .object(JSONObject(uniqueKeysWithValues: annotations.map { ($0.key, JSON.string($0.value)) }))
    }
    return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata),
            "spec": ["nodeName": .string(node), "restartPolicy": .string(restartPolicy),
                     "containers": [["name": "app", "image": "nginx:1.27"]]],
            "status": ["phase": "Pending"]]
}

@Suite(.timeLimit(.minutes(1)))
struct SimulatedKubeletTests {
    @Test func registersNodesAndLeases() async throws {
        try await withKubelet(nodes: 3) { cluster, _, health in
            #expect(await eventually { cluster.objects(.leases).count == 3 })
            let nodes = cluster.objects(.nodes)
            #expect(nodes.map { $0["metadata"]["name"].stringValue ?? "" } == ["sim-0", "sim-1", "sim-2"])
            #expect(health.snapshot.ready[SimulatedKubelet.registeredCheck] == true)
            var ips: Set<String> = []
            for node in nodes {
                let name = node["metadata"]["name"].stringValue ?? ""
                #expect(node["metadata"]["labels"]["kubernetes.io/hostname"] == .string(name))
                #expect(node["metadata"]["labels"]["swiftlet.io/simulated"] == "true")
                #expect(node["metadata"]["labels"]["node.kubernetes.io/instance-type"] == "simulated")
                #expect(node["status"]["capacity"]["cpu"] == "4" && node["status"]["allocatable"]["pods"] == "110")
                #expect(node["status"]["nodeInfo"]["containerRuntimeVersion"] == "simulated://1.0")
                let ready = node["status"]["conditions"].arrayValue?.first { $0["type"] == "Ready" }
                #expect(ready?["status"] == "True" && ready?["reason"] == "KubeletReady")
                #expect(node["status"]["conditions"].arrayValue?.contains { $0["type"] == "NetworkUnavailable" } == false)
                ips.insert(node["status"]["addresses"][0]["address"].stringValue ?? "")
                let lease = try #require(cluster.object(.leases, namespace: "kube-node-lease", name: name))
                #expect(lease["spec"]["holderIdentity"] == .string(name))
                #expect(lease["spec"]["leaseDurationSeconds"] == 40)
                #expect(lease["spec"]["renewTime"].stringValue?.count == "2024-01-01T00:00:00.000000Z".count)
                #expect(lease["metadata"]["ownerReferences"][0]["uid"] == node["metadata"]["uid"])
                #expect(lease["metadata"]["ownerReferences"][0]["kind"] == "Node")
            }
            #expect(ips.count == 3)
        }
    }

    @Test func singleNodeUsesPlainNameAndRenewsLease() async throws {
        try await withKubelet(nodes: 1) { cluster, _, _ in
            #expect(await eventually { cluster.object(.leases, namespace: "kube-node-lease", name: "sim") != nil })
            let first = cluster.object(.leases, namespace: "kube-node-lease", name: "sim")?["spec"]["renewTime"]
            #expect(await eventually {
                let now = cluster.object(.leases, namespace: "kube-node-lease", name: "sim")?["spec"]["renewTime"]
                return now != nil && now != first
            })
            // Status is re-reported on its interval (heartbeat).
            let writes = cluster.writes.filter { $0.verb == "updateStatus" && $0.resource == .nodes }.count
            #expect(await eventually { cluster.writes.filter { $0.verb == "updateStatus" && $0.resource == .nodes }.count > writes })
        }
    }

    @Test func existingNodeKeepsSpecAndGivesPodCIDRAddresses() async throws {
        let cluster = FakeCluster()
        cluster.put(.nodes, ["apiVersion": "v1", "kind": "Node",
                             "metadata": ["name": "sim", "labels": ["team": "a"]], "spec": ["podCIDR": "10.42.7.0/24"]])
        try await withKubelet(nodes: 1, cluster: cluster) { cluster, _, _ in
            #expect(await eventually { cluster.object(.nodes, name: "sim")?["metadata"]["labels"]["swiftlet.io/simulated"] == "true" })
            let node = try #require(cluster.object(.nodes, name: "sim"))
            #expect(node["metadata"]["labels"]["team"] == "a" && node["spec"]["podCIDR"] == "10.42.7.0/24")
            cluster.put(.pods, makePod("web", node: "sim"))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "web")?["status"]["podIP"] == "10.42.7.2" })
        }
    }

    @Test func registrationRetriesAfterErrors() async throws {
        let cluster = FakeCluster()
        cluster.failNext("create", [StatusError.internalError("etcd down"), StatusError.internalError("etcd down")])
        try await withKubelet(nodes: 1, cluster: cluster) { cluster, _, health in
            #expect(await eventually { health.snapshot.ready[SimulatedKubelet.registeredCheck] == true })
            #expect(cluster.object(.nodes, name: "sim") != nil)
        }
    }

    @Test func podBecomesRunningWithStatusAndEvents() async throws {
        try await withKubelet(nodes: 2) { cluster, _, _ in
            #expect(await eventually { cluster.objects(.leases).count == 2 })
            cluster.put(.pods, makePod("web", node: "sim-1"))
            cluster.put(.pods, makePod("other", node: "elsewhere"))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "web")?["status"]["phase"] == "Running" })
            let pod = try #require(cluster.object(.pods, namespace: "default", name: "web"))
            let status = pod["status"]
            #expect(status["hostIP"] == .string(SimulatedNode(name: "sim-1", index: 1).internalIP))
            #expect(status["podIP"] == "10.88.1.2")
            #expect(status["startTime"].stringValue.flatMap(Timestamp.parse) != nil)
            let app = status["containerStatuses"][0]
            #expect(app["image"] == "docker.io/library/nginx:1.27")
            #expect(app["containerID"].stringValue?.hasPrefix("simulated://") == true)
            #expect(app["ready"] == true && !app["state"]["running"]["startedAt"].isNull)
            #expect(status["conditions"].arrayValue?.first { $0["type"] == "Ready" }?["status"] == "True")
            #expect(await eventually { cluster.events(about: "web").count == 3 })
            #expect(Set(cluster.events(about: "web")) == [
                "Pulled: Container image \"nginx:1.27\" already present on machine",
                "Created: Created container: app", "Started: Started container app",
            ])
            // A pod of another node is never touched.
            #expect(cluster.object(.pods, namespace: "default", name: "other")?["status"]["phase"] == "Pending")
            #expect(!cluster.writes.contains { $0.name == "other" })
        }
    }

    @Test func notReadyAnnotation() async throws {
        try await withKubelet(nodes: 1) { cluster, _, _ in
            cluster.put(.pods, makePod("slow", node: "sim", annotations: [SimulatedLabels.ready: "false"]))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "slow")?["status"]["phase"] == "Running" })
            let pod = try #require(cluster.object(.pods, namespace: "default", name: "slow"))
            #expect(pod["status"]["conditions"].arrayValue?.first { $0["type"] == "Ready" }?["status"] == "False")
            #expect(pod["status"]["containerStatuses"][0]["ready"] == false)
        }
    }

    /// `simulated-run: "false"`: bound but never started (no status, no events), and still
    /// deletable, like the API-only nodes of scheduler_perf.
    @Test func runFalseLeavesThePodAloneButDeletesIt() async throws {
        try await withKubelet(nodes: 1) { cluster, _, _ in
            cluster.put(.pods, makePod("idle", node: "sim", annotations: [SimulatedLabels.run: "false"]))
            cluster.put(.pods, makePod("busy", node: "sim"))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "busy")?["status"]["phase"] == "Running" })
            #expect(cluster.object(.pods, namespace: "default", name: "idle")?["status"]["phase"] == "Pending")
            #expect(!cluster.writes.contains { $0.name == "idle" })
            #expect(cluster.events(about: "idle").isEmpty)
            _ = try await cluster.delete(.pods, namespace: "default", name: "idle", options: DeleteOptions(gracePeriodSeconds: 30))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "idle") == nil })
        }
    }

    @Test(arguments: [
        ("Never", [SimulatedLabels.duration: "150ms"], "Succeeded", Int64(0), "Completed"),
        ("OnFailure", [SimulatedLabels.duration: "100ms", SimulatedLabels.exitCode: "3"], "Failed", Int64(3), "Error"),
        ("Never", [:], "Succeeded", Int64(0), "Completed"),
    ])
    func jobPodsFinish(restartPolicy: String, annotations: [String: String], phase: String, code: Int64, reason: String) async throws {
        try await withKubelet(nodes: 1) { cluster, _, _ in
            cluster.put(.pods, makePod("job", node: "sim", restartPolicy: restartPolicy, annotations: annotations))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "job")?["status"]["phase"] == .string(phase) })
            let status = try #require(cluster.object(.pods, namespace: "default", name: "job"))["status"]
            let terminated = status["containerStatuses"][0]["state"]["terminated"]
            #expect(terminated["exitCode"] == .int(code) && terminated["reason"] == .string(reason))
            #expect(!terminated["startedAt"].isNull && !terminated["finishedAt"].isNull)
            #expect(status["containerStatuses"][0]["ready"] == false)
        }
    }

    @Test func alwaysPodsKeepRunning() async throws {
        try await withKubelet(nodes: 1, defaultRun: .milliseconds(20)) { cluster, _, _ in
            cluster.put(.pods, makePod("svc", node: "sim", annotations: [SimulatedLabels.duration: "20ms"]))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "svc")?["status"]["phase"] == "Running" })
            try await Task.sleep(for: .milliseconds(200))
            #expect(cluster.object(.pods, namespace: "default", name: "svc")?["status"]["phase"] == "Running")
        }
    }

    @Test func badAnnotationRecordsWarningAndUsesDefault() async throws {
        try await withKubelet(nodes: 1) { cluster, _, _ in
            cluster.put(.pods, makePod("bad", node: "sim", restartPolicy: "Never", annotations: [SimulatedLabels.duration: "soon"]))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "bad")?["status"]["phase"] == "Succeeded" })
            #expect(await eventually { cluster.events(about: "bad").contains { $0.hasPrefix("InvalidSimulationAnnotation:") && $0.contains("soon") } })
            let warning = cluster.objects(.events).first { $0["reason"] == "InvalidSimulationAnnotation" }
            #expect(warning?["type"] == "Warning")
        }
    }

    @Test func deletionStopsThenDeletesWithGraceZero() async throws {
        try await withKubelet(nodes: 1) { cluster, _, _ in
            let created = cluster.put(.pods, makePod("web", node: "sim"))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "web")?["status"]["phase"] == "Running" })
            _ = try await cluster.delete(.pods, namespace: "default", name: "web", options: DeleteOptions(gracePeriodSeconds: 30))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "web") == nil })
            let delete = cluster.writes.last { $0.verb == "delete" && $0.name == "web" }
            #expect(delete?.gracePeriodSeconds == 0)
            #expect(delete?.preconditionUID == created["metadata"]["uid"].stringValue)
            #expect(cluster.writes.contains { $0.verb == "updateStatus" && $0.name == "web" })
        }
    }

    @Test func podsOfDeletedNodesAreLeftAlone() async throws {
        try await withKubelet(nodes: 2) { cluster, _, _ in
            #expect(await eventually { cluster.objects(.leases).count == 2 })
            cluster.remove(.nodes, namespace: nil, name: "sim-0")
            try await Task.sleep(for: .milliseconds(100))
            cluster.put(.pods, makePod("orphan", node: "sim-0"))
            cluster.put(.pods, makePod("live", node: "sim-1"))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "live")?["status"]["phase"] == "Running" })
            try await Task.sleep(for: .milliseconds(100))
            #expect(cluster.object(.pods, namespace: "default", name: "orphan")?["status"]["phase"] == "Pending")
            #expect(cluster.object(.nodes, name: "sim-0") == nil)
        }
    }

    @Test func statusConflictIsRetried() async throws {
        let cluster = FakeCluster()
        try await withKubelet(nodes: 1, cluster: cluster) { cluster, _, _ in
            #expect(await eventually { cluster.objects(.leases).count == 1 })
            cluster.failNext("updateStatus", [StatusError.conflict("pods", name: "web"), StatusError.conflict("pods", name: "web"),
                                              StatusError.internalError("boom")])
            cluster.put(.pods, makePod("web", node: "sim"))
            #expect(await eventually { cluster.object(.pods, namespace: "default", name: "web")?["status"]["phase"] == "Running" })
        }
    }
}
