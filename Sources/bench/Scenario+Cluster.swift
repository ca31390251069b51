import Foundation
import KubeAPI
import KubeClient

/// `swiftlet-bench cluster`: the whole control plane against simulated nodes. Measures scheduling
/// throughput for bare pods, the time a large Deployment takes to be fully available, and the
/// components' peak memory while they do it.
struct ClusterScenario {
    let binary: String
    let work: String
    let scale: ClusterScale
    /// Concurrent create/delete requests from this process (HTTP/2 streams on one connection).
    let concurrency = 64

    func run() async throws -> ClusterReport {
        var report = ClusterReport(scale: scale, machine: Machine.current())
        Progress.say("starting swiftlet server with \(scale.nodes) simulated nodes")
        let started = ContinuousClock.now
        let server = try await ClusterServer.start(binary: binary, workDirectory: work, simulatedNodes: scale.nodes)
        report.serverReadySeconds = (ContinuousClock.now - started).inSeconds
        let sampler = RSSSampler()
        sampler.start(server: server)
        var config = try ClientConfig.load(kubeconfigPath: server.kubeconfig, userAgent: "swiftlet-bench")
        // The bench is the load generator: it must not be the limit.
        config.qps = 0
        config.requestTimeout = .seconds(120)
        let client = try KubeClient.HTTPClient(config: config)
        do {
            try await waitForNodes(client: client, count: scale.nodes, report: &report)
            report.rssNodesUp = sampler.reset()
            // First as kube-scheduler's scheduler_perf measures it: the nodes leave the bound pods
            // alone, so the scheduler and the apiserver's binding path are what is timed.
            Progress.say("scheduler_perf setup: pods the simulated nodes do not run")
            let alone = try await schedulePods(client: client, namespace: "bench-sched", runOnNodes: false)
            report.schedulerOnlySeconds = alone.seconds
            report.schedulerOnlyCreates = alone.creates
            _ = try await deletePods(client: client, namespace: "bench-sched")
            _ = sampler.reset()
            let cpuBefore = server.cpuSeconds()
            try await podPhase(client: client, report: &report)
            report.rssPods = sampler.reset()
            report.cpuPods = Self.difference(server.cpuSeconds(), cpuBefore)
            try await deletePods(client: client, report: &report)
            _ = sampler.reset()
            let cpuBeforeDeployment = server.cpuSeconds()
            try await deploymentPhase(client: client, report: &report)
            report.rssDeployment = await sampler.stop()
            report.cpuDeployment = Self.difference(server.cpuSeconds(), cpuBeforeDeployment)
        } catch {
            _ = await sampler.stop()
            await client.shutdown()
            Progress.say("server log tail:\n" + ServerProcess.tail(of: server.logFile, lines: 30))
            server.stop()
            throw error
        }
        await client.shutdown()
        Progress.say("stopping swiftlet server")
        server.stop()
        return report
    }

    static func difference(_ after: [String: Double], _ before: [String: Double]) -> [String: Double] {
        after.reduce(into: [:]) { result, entry in result[entry.key] = entry.value - (before[entry.key] ?? 0) }
    }

    /// Polls the node list until `count` nodes report Ready=True.
    private func waitForNodes(client: KubeClient.HTTPClient, count: Int, report: inout ClusterReport) async throws {
        let started = ContinuousClock.now
        var ready = 0
        while ready < count {
            if ContinuousClock.now > started + .seconds(scale.timeLimit) {
                throw BenchError("only \(ready) of \(count) nodes Ready after \(scale.timeLimit) s")
            }
            try await Task.sleep(for: .milliseconds(500))
            // Right after the ready line a request can still fail (the first HTTP/2 stream was seen
            // reset once); the time limit, not one failure, ends the wait.
            do {
                let nodes = try await client.list(.nodes, namespace: nil, options: ListOptions())
                ready = nodes.items.filter(Self.isReady).count
            } catch {
                Progress.say("  listing nodes failed (\(error)); retrying")
            }
        }
        report.nodesReadySeconds = (ContinuousClock.now - started).inSeconds
        Progress.say("  \(ready) nodes Ready after \(Format.seconds(report.nodesReadySeconds))")
    }

    static func isReady(node: JSON) -> Bool {
        node[path: ["status", "conditions"]].arrayValue?.contains {
            $0["type"].stringValue == "Ready" && $0["status"].stringValue == "True"
        } ?? false
    }

    /// Creates `scale.pods` bare pods as fast as the API takes them and waits until every one is bound.
    private func podPhase(client: KubeClient.HTTPClient, report: inout ClusterReport) async throws {
        let result = try await schedulePods(client: client, namespace: "bench-pods", runOnNodes: true)
        report.podCreates = result.creates
        report.podsScheduledSeconds = result.seconds
        report.firstBindingSeconds = result.firstBinding
    }

    /// Creates `scale.pods` pods in a new namespace and waits until all are bound.
    private func schedulePods(client: KubeClient.HTTPClient, namespace: String, runOnNodes: Bool) async throws
        -> (seconds: Double, creates: LoadFigure, firstBinding: Double?) {
        _ = try await client.create(.namespaces, namespace: nil, object: ["apiVersion": "v1", "kind": "Namespace",
                                                                           "metadata": ["name": .string(namespace)]],
                                    subresource: nil)
        let tracker = try await BindingTracker.start(client: client, namespace: namespace, expected: scale.pods)
        Progress.say("creating \(scale.pods) pods, \(concurrency) concurrent requests")
        let started = ContinuousClock.now
        let created = await LoadRunner.run(concurrency: concurrency, count: scale.pods,
                                           timeLimit: .seconds(scale.timeLimit)) { index in
            _ = try await client.create(.pods, namespace: namespace, object: Self.pod(index: index, run: runOnNodes), subresource: nil)
        }
        let creates = LoadFigure(protocolName: "HTTP/2", concurrency: concurrency, created)
        Progress.say("  created \(created.completed) in \(Format.seconds(created.seconds)) "
            + "(\(Format.rate(created.perSecond))/s, errors \(created.errors)); \(tracker.scheduled) bound so far")
        guard created.completed == scale.pods else {
            tracker.cancel()
            throw BenchError("created \(created.completed) of \(scale.pods) pods: \(created.firstError ?? "-")")
        }
        var lastReport = ContinuousClock.now
        while tracker.doneAt == nil {
            if ContinuousClock.now > started + .seconds(scale.timeLimit) {
                tracker.cancel()
                throw BenchError("only \(tracker.scheduled) of \(scale.pods) pods bound after \(scale.timeLimit) s")
            }
            if let failure = tracker.failure {
                throw BenchError("pod watch failed: \(failure)")
            }
            if ContinuousClock.now > lastReport + .seconds(5) {
                lastReport = ContinuousClock.now
                Progress.say("  \(tracker.scheduled) bound after \(Format.seconds((lastReport - started).inSeconds))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        tracker.cancel()
        let done = tracker.doneAt ?? ContinuousClock.now
        let seconds = (done - started).inSeconds
        Progress.say("  all \(scale.pods) bound after \(Format.seconds(seconds)) "
            + "(\(Format.rate(Double(scale.pods) / max(seconds, 0.001)))/s)")
        return (seconds, creates, tracker.firstAt.map { ($0 - started).inSeconds })
    }

    /// Deletes the pods (grace period 0, so the kubelet need not confirm) before the Deployment phase.
    private func deletePods(client: KubeClient.HTTPClient, report: inout ClusterReport) async throws {
        report.podDeletes = try await deletePods(client: client, namespace: "bench-pods")
    }

    private func deletePods(client: KubeClient.HTTPClient, namespace: String) async throws -> LoadFigure {
        Progress.say("deleting \(scale.pods) pods")
        let deleted = await LoadRunner.run(concurrency: concurrency, count: scale.pods,
                                           timeLimit: .seconds(scale.timeLimit)) { index in
            _ = try await client.delete(.pods, namespace: namespace, name: "pod-\(index)",
                                        options: DeleteOptions(gracePeriodSeconds: 0))
        }
        Progress.say("  \(Format.rate(deleted.perSecond))/s, errors \(deleted.errors) \(deleted.firstError ?? "")")
        // Let the components digest the deletions so they do not count against the next phase.
        try await Task.sleep(for: .seconds(3))
        return LoadFigure(protocolName: "HTTP/2", concurrency: concurrency, deleted)
    }

    /// Creates one Deployment of `scale.replicas` and waits for status.availableReplicas to reach it.
    private func deploymentPhase(client: KubeClient.HTTPClient, report: inout ClusterReport) async throws {
        let namespace = "bench-deploy"
        _ = try await client.create(.namespaces, namespace: nil, object: ["apiVersion": "v1", "kind": "Namespace",
                                                                           "metadata": ["name": .string(namespace)]],
                                    subresource: nil)
        Progress.say("creating a Deployment of \(scale.replicas) replicas")
        let started = ContinuousClock.now
        _ = try await client.create(.deployments, namespace: namespace, object: Self.deployment(replicas: scale.replicas),
                                    subresource: nil)
        var lastReport = ContinuousClock.now
        while true {
            let deployment = try await client.get(.deployments, namespace: namespace, name: "web", subresource: nil)
            let status = deployment["status"]
            let available = Int(status["availableReplicas"].intValue ?? 0)
            let ready = Int(status["readyReplicas"].intValue ?? 0)
            if report.deploymentAllCreatedSeconds == nil, Int(status["replicas"].intValue ?? 0) >= scale.replicas {
                report.deploymentAllCreatedSeconds = (ContinuousClock.now - started).inSeconds
            }
            if available >= scale.replicas { break }
            if ContinuousClock.now > started + .seconds(scale.timeLimit) {
                throw BenchError("Deployment: \(available) of \(scale.replicas) available (\(ready) ready) after \(scale.timeLimit) s")
            }
            if ContinuousClock.now > lastReport + .seconds(5) {
                lastReport = ContinuousClock.now
                Progress.say("  \(Int(status["replicas"].intValue ?? 0)) pods, \(ready) ready, \(available) available "
                    + "after \(Format.seconds((lastReport - started).inSeconds))")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        report.deploymentAvailableSeconds = (ContinuousClock.now - started).inSeconds
        Progress.say("  \(scale.replicas) available after \(Format.seconds(report.deploymentAvailableSeconds))")
    }

    /// A small bare pod: one container with a small request, no nodeName.
    static func pod(index: Int, run: Bool = true) -> JSON {
        var metadata: JSON = ["name": .string("pod-\(index)"), "labels": ["app": "bench"]]
        if !run { metadata["annotations"] = ["swiftlet.io/simulated-run": "false"] }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": podSpec]
    }

    static let podSpec: JSON = [
        "containers": [[
            "name": "app", "image": "registry.example.com/bench/app:1.0",
            "resources": ["requests": ["cpu": "10m", "memory": "16Mi"]],
        ]],
        "terminationGracePeriodSeconds": 0,
    ]

    static func deployment(replicas: Int) -> JSON {
        ["apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": ["name": "web"],
         "spec": [
            "replicas": .int(Int64(replicas)),
            "selector": ["matchLabels": ["app": "web"]],
            "template": ["metadata": ["labels": ["app": "web"]], "spec": podSpec],
         ]]
    }
}

/// Counts the pods of a namespace that have a node (watching them), and notes when the first one
/// and the last of `expected` got one.
final class BindingTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var bound: Set<String> = []
    private var first: ContinuousClock.Instant?
    private var done: ContinuousClock.Instant?
    private var error: String?
    private var task: Task<Void, Never>?
    let expected: Int

    private init(expected: Int) { self.expected = expected }

    var scheduled: Int { lock.withLock { bound.count } }
    var firstAt: ContinuousClock.Instant? { lock.withLock { first } }
    var doneAt: ContinuousClock.Instant? { lock.withLock { done } }
    var failure: String? { lock.withLock { error } }

    /// Lists (to get a resourceVersion) and starts watching; re-lists if the watch ends.
    static func start(client: KubeClient.HTTPClient, namespace: String, expected: Int) async throws -> BindingTracker {
        let tracker = BindingTracker(expected: expected)
        let initial = try await client.list(.pods, namespace: namespace, options: ListOptions())
        tracker.task = Task.detached { [tracker] in
            var resourceVersion = initial.resourceVersion
            var failures = 0
            while !Task.isCancelled {
                do {
                    let events = try await client.watch(.pods, namespace: namespace,
                                                        options: ListOptions(resourceVersion: resourceVersion, timeoutSeconds: 600))
                    for try await event in events {
                        if let rv = event.object[path: ["metadata", "resourceVersion"]].stringValue { resourceVersion = rv }
                        guard event.type == .added || event.type == .modified else { continue }
                        tracker.observe(event.object)
                    }
                } catch {
                    if Task.isCancelled { return }
                    failures += 1
                    if failures > 5 { tracker.lock.withLock { tracker.error = "\(error)" }; return }
                }
                if Task.isCancelled { return }
                // The watch ended (timeout or expiry): catch up from a fresh list.
                if let list = try? await client.list(.pods, namespace: namespace, options: ListOptions()) {
                    list.items.forEach(tracker.observe)
                    resourceVersion = list.resourceVersion
                }
            }
        }
        return tracker
    }

    private func observe(_ pod: JSON) {
        guard let node = pod[path: ["spec", "nodeName"]].stringValue, !node.isEmpty,
              let name = pod[path: ["metadata", "name"]].stringValue else { return }
        let now = ContinuousClock.now
        lock.withLock {
            guard bound.insert(name).inserted else { return }
            if first == nil { first = now }
            if bound.count >= expected, done == nil { done = now }
        }
    }

    func cancel() { task?.cancel() }
}
