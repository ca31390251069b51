import Foundation
import KubeAPI
import KubeClient

/// `swiftlet-bench apiwrites`: the API server alone under the write sequence one pod costs in the
/// cluster benchmark, with the pod watches the components keep open. Measures the server's CPU
/// per write, the figure that bounds scheduling throughput once the server is the bottleneck.
///
/// Per pod, in order (as the scheduler, the kubelet and the bench issue them): create, binding,
/// the scheduler's `Scheduled` event, a status update (PUT pods/<n>/status), the kubelet's
/// `Pulled`, `Created` and `Started` events, and a delete with grace period 0. Eight writes.
struct APIWritesScenario {
    let binary: String
    let work: String
    let pods: Int
    let concurrency: Int
    /// A command prefix the server runs under (e.g. `valgrind --tool=callgrind`), nil for none.
    let wrapper: [String]

    static let writesPerPod = 8
    static let namespace = "bench-writes"

    struct Report: Codable {
        var pods: Int
        var writes: Int
        var errors: Int
        var seconds: Double
        var podsPerSecond: Double
        var writesPerSecond: Double
        var serverCPUSeconds: Double?
        var serverCPUPer1000Writes: Double?
        var clientCPUSeconds: Double
        var watchEventsSeen: Int

        func table() -> String {
            func f(_ value: Double?, _ digits: Int = 2) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "-" }
            return """
            apiwrites: \(pods) pods x \(APIWritesScenario.writesPerPod) writes, \(errors) errors
              wall            \(f(seconds)) s
              pods/s          \(f(podsPerSecond, 1))
              writes/s        \(f(writesPerSecond, 1))
              server CPU      \(f(serverCPUSeconds)) s (\(f(serverCPUPer1000Writes, 3)) s per 1,000 writes)
              client CPU      \(f(clientCPUSeconds)) s
              watch events    \(watchEventsSeen)

            """
        }
    }

    func run() async throws -> Report {
        let pki = try TestPKI.create(in: work)
        let server = try ServerProcess.start(binary: binary, pki: pki, databasePath: "\(work)/writes/db/state.db",
                                             workDirectory: work, timeout: .seconds(wrapper.isEmpty ? 30 : 300),
                                             wrapper: wrapper)
        defer { server.stop() }
        Progress.say("server pid \(server.pid) on \(server.baseURL)")
        var config = try ClientConfig(serverURL: server.baseURL,
                                      certificateAuthorityPEM: Array(try Data(contentsOf: URL(fileURLWithPath: pki.caFile))),
                                      clientCertificatePEM: Array(try Data(contentsOf: URL(fileURLWithPath: pki.clientCertFile))),
                                      clientKeyPEM: Array(try Data(contentsOf: URL(fileURLWithPath: pki.clientKeyFile))),
                                      userAgent: "swiftlet-bench")
        config.qps = 0
        config.requestTimeout = .seconds(120)
        let client = try KubeClient.HTTPClient(config: config)
        defer { Task { await client.shutdown() } }
        try await waitReady(client)
        _ = try await client.create(.namespaces, namespace: nil, object: ["apiVersion": "v1", "kind": "Namespace",
                                                                           "metadata": ["name": .string(Self.namespace)]],
                                    subresource: nil)

        // The pod watches of a cluster: scheduler and controllers (all pods), the simulated kubelet
        // (`spec.nodeName!=`), the bench's own (one namespace).
        let seen = Counter()
        let watches = [(nil as String?, nil as String?), (nil, nil), (nil, "spec.nodeName!="), (Self.namespace, nil)]
        var watchTasks: [Task<Void, Never>] = []
        for (namespace, selector) in watches {
            let stream = try await client.watch(.pods, namespace: namespace,
                                                options: ListOptions(fieldSelector: selector, resourceVersion: "1", timeoutSeconds: 3600))
            watchTasks.append(Task {
                do {
                    for try await _ in stream { _ = seen.increment() }
                } catch {}
            })
        }
        defer { watchTasks.forEach { $0.cancel() } }

        // Warm-up: connection, caches and allocator settle before the measurement.
        _ = await LoadRunner.run(concurrency: concurrency, count: max(concurrency, pods / 20), timeLimit: .seconds(120)) { index in
            try await Self.podSequence(client: client, name: "warm-\(index)", node: "node-\(index % 100)")
        }
        let cpu = CPUMeter(server: server)
        let serverBefore = server.cpuSeconds()
        let seenBefore = seen.increment()
        Progress.say("\(pods) pods x \(Self.writesPerPod) writes, \(concurrency) concurrent pods, 4 pod watches")
        let result = await LoadRunner.run(concurrency: concurrency, count: pods, timeLimit: .seconds(1800)) { index in
            try await Self.podSequence(client: client, name: "pod-\(index)", node: "node-\(index % 100)")
        }
        let serverCPU = server.cpuSeconds().flatMap { after in serverBefore.map { after - $0 } }
        // Let the watches drain before counting what they saw.
        try await Task.sleep(for: .milliseconds(500))
        let writes = result.completed * Self.writesPerPod
        return Report(pods: result.completed, writes: writes, errors: result.errors, seconds: result.seconds,
                      podsPerSecond: result.perSecond, writesPerSecond: Double(writes) / max(result.seconds, 1e-9),
                      serverCPUSeconds: serverCPU,
                      serverCPUPer1000Writes: serverCPU.map { $0 / Double(max(writes, 1)) * 1000 },
                      clientCPUSeconds: ServerProcess.ownCPUSeconds() - cpu.clientStart,
                      watchEventsSeen: seen.increment() - seenBefore - 1)
    }

    private func waitReady(_ client: KubeClient.HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(wrapper.isEmpty ? 30 : 300)
        while true {
            do {
                _ = try await client.list(.namespaces, namespace: nil, options: ListOptions())
                return
            } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The eight writes of one pod's life.
    static func podSequence(client: KubeClient.HTTPClient, name: String, node: String) async throws {
        let ns = namespace
        var pod = try await client.create(.pods, namespace: ns, object: Self.pod(name: name), subresource: nil)
        let binding: JSON = ["apiVersion": "v1", "kind": "Binding",
                             "metadata": ["name": .string(name), "namespace": .string(ns),
                                          "uid": pod["metadata"]["uid"]],
                             "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)]]
        _ = try await client.create(.pods, namespace: ns, object: binding, subresource: "binding")
        try await event(client, pod: pod, reason: "Scheduled", component: "default-scheduler",
                        message: "Successfully assigned \(ns)/\(name) to \(node)")
        // The kubelet writes from its informer's copy: bound, without managedFields.
        if case .object(var meta) = pod["metadata"] {
            meta.removeValue(forKey: "managedFields")
            meta.removeValue(forKey: "resourceVersion")
            pod["metadata"] = .object(meta)
        }
        pod["spec"]["nodeName"] = .string(node)
        pod["status"] = Self.runningStatus(now: Timestamp.format(Date()))
        _ = try await client.update(.pods, namespace: ns, object: pod, subresource: "status")
        for (reason, message) in [("Pulled", "Container image \"registry.example.com/bench/app:1.0\" already present on machine"),
                                  ("Created", "Created container: app"), ("Started", "Started container app")] {
            try await event(client, pod: pod, reason: reason, component: "kubelet", message: message)
        }
        _ = try await client.delete(.pods, namespace: ns, name: name, options: DeleteOptions(gracePeriodSeconds: 0))
    }

    /// A core/v1 Event as `EventRecorder` writes it.
    static func event(_ client: KubeClient.HTTPClient, pod: JSON, reason: String, component: String, message: String) async throws {
        let now = Timestamp.format(Date())
        let name = (pod["metadata"]["name"].stringValue ?? "") + "." + String(UInt64(Date().timeIntervalSince1970 * 1e9), radix: 16)
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "involvedObject": ["kind": "Pod", "apiVersion": "v1", "namespace": .string(namespace),
                               "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]],
            "reason": .string(reason), "message": .string(message), "type": "Normal",
            "source": ["component": .string(component)], "firstTimestamp": .string(now), "lastTimestamp": .string(now),
            "count": 1, "reportingComponent": .string(component), "reportingInstance": "",
        ]
        _ = try await client.create(.events, namespace: namespace, object: event, subresource: nil)
    }

    static func pod(name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Pod",
         "metadata": ["name": .string(name), "labels": ["app": "bench"]],
         "spec": ClusterScenario.podSpec]
    }

    /// A Running pod's status with one ready container, shaped like the simulated kubelet's.
    static func runningStatus(now: String) -> JSON {
        let conditions: [JSON] = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
            ["type": .string($0), "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(now)]
        }
        return [
            "phase": "Running", "conditions": .array(conditions),
            "hostIP": "10.0.0.1", "hostIPs": [["ip": "10.0.0.1"]],
            "podIP": "10.244.0.5", "podIPs": [["ip": "10.244.0.5"]],
            "startTime": .string(now), "qosClass": "Burstable",
            "containerStatuses": [[
                "name": "app", "image": "registry.example.com/bench/app:1.0",
                "imageID": "registry.example.com/bench/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "containerID": "containerd://0123456789abcdef", "ready": true, "started": true, "restartCount": 0,
                "state": ["running": ["startedAt": .string(now)]], "lastState": [:],
            ]],
        ]
    }
}
