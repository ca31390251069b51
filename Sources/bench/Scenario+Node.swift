import ContainerdSupport
import Foundation
import KubeAPI
import KubeClient
#if canImport(Glibc)
import Glibc
#endif

/// `swiftlet-bench node`: the real node on containerd. Measures how long `swiftlet server` takes
/// to a Ready node (fresh and on a warm data directory), pod start-up latency for a burst of pods
/// created at once (image present), and the kubelet's memory and idle CPU with those pods running.
///
/// Needs root, containerd, runc, the CNI plugins and busybox-static (the image is built from
/// `/bin/busybox`, no registry).
struct NodeScenario {
    let binary: String
    let work: String
    let pods: Int
    /// How many times the pods are created at once (deleted in between); this VM's start-up
    /// figures vary by about 15% from one burst to the next.
    let bursts: Int
    /// How long the kubelet's CPU is sampled with the pods running and nothing changing.
    let idleSeconds: Int

    static let image = "docker.io/library/busybox:bench"
    static let namespace = "bench-node"

    func run() async throws -> NodeReport {
        var report = NodeReport(machine: Machine.current(), pods: pods, bursts: bursts, idleSeconds: idleSeconds)
        try Self.writeBusyboxImage(to: "\(work)/node/agent/images/busybox-bench.tar")
        let arguments = ["--node-name", "bench-node"]
        // Fresh data directory: certificates, the datastore, containerd's state and the image import.
        Progress.say("starting swiftlet server with the real node (fresh data directory)")
        var started = ContinuousClock.now
        var server = try await ClusterServer.start(binary: binary, workDirectory: work, name: "node", arguments: arguments)
        report.freshReadySeconds = try await withServer(server) { client in
            try await waitForNodeReady(client: client, since: started)
        }
        server.stop()
        Progress.say("  node Ready \(Format.seconds(report.freshReadySeconds)) after start (fresh)")

        Progress.say("restarting on the warm data directory")
        started = ContinuousClock.now
        server = try await ClusterServer.start(binary: binary, workDirectory: work, name: "node", arguments: arguments)
        defer { Self.sweep(directory: work) }
        try await withServer(server) { client in
            report.warmReadySeconds = try await waitForNodeReady(client: client, since: started)
            Progress.say("  node Ready \(Format.seconds(report.warmReadySeconds)) after start (warm)")
            guard let kubelet = server.pid(of: "kubelet") else { throw BenchError("no kubelet PID file") }
            report.kubeletRSSIdleNoPods = ClusterServer.rss(pid: kubelet)
            try await podBurst(client: client, kubelet: kubelet, report: &report)
            // The node's other components, after serving the burst's Services (kubernetes, kube-dns).
            report.proxyRSS = server.pid(of: "proxy").flatMap { ClusterServer.rss(pid: $0) }
            report.dnsRSS = server.pid(of: "dns").flatMap { ClusterServer.rss(pid: $0) }
        }
        server.stop()
        return report
    }

    /// Runs `body` with a client of the server's admin kubeconfig; on failure prints the log tail
    /// and stops the server.
    @discardableResult
    private func withServer<T>(_ server: ClusterServer, _ body: (KubeClient.HTTPClient) async throws -> T) async throws -> T {
        var config = try ClientConfig.load(kubeconfigPath: server.kubeconfig, userAgent: "swiftlet-bench")
        config.qps = 0
        let client = try KubeClient.HTTPClient(config: config)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            Progress.say("server log tail:\n" + ServerProcess.tail(of: server.logFile, lines: 30))
            server.stop()
            throw error
        }
    }

    /// Polls every 20 ms until the node reports Ready=True; seconds since `since`.
    private func waitForNodeReady(client: KubeClient.HTTPClient, since: ContinuousClock.Instant) async throws -> Double {
        while ContinuousClock.now < since + .seconds(120) {
            if let nodes = try? await client.list(.nodes, namespace: nil, options: ListOptions()),
               nodes.items.contains(where: ClusterScenario.isReady) {
                return (ContinuousClock.now - since).inSeconds
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("the node was not Ready within 120 s")
    }

    /// Creates `pods` pods at once, `bursts` times, each pod timed from its create request to
    /// the watch event that shows it Running with its container ready (the median burst by p99
    /// is the one reported); after the last, samples the kubelet with the pods running. Pods are
    /// deleted after each burst (waiting until containerd has stopped them).
    private func podBurst(client: KubeClient.HTTPClient, kubelet: Int32, report: inout NodeReport) async throws {
        _ = try await client.create(.namespaces, namespace: nil, object: [
            "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.namespace)]], subresource: nil)
        // The namespace's default ServiceAccount is not needed: the pods name none and mount nothing.
        let sampler = Task.detached { () -> Int in
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, ClusterServer.rss(pid: kubelet) ?? 0)
                try? await Task.sleep(for: .milliseconds(200))
            }
            return peak
        }
        var runs: [(startup: LatencyStats, allRunning: Double)] = []
        for burst in 1...bursts {
            Progress.say("creating \(pods) pods at once" + (bursts > 1 ? " (burst \(burst) of \(bursts))" : ""))
            let run = try await createAtOnce(client: client)
            runs.append(run)
            Progress.say("  all Running after \(Format.seconds(run.allRunning)); p50 \(Format.ms(run.startup.p50)), "
                + "p99 \(Format.ms(run.startup.p99)); kubelet RSS \(Format.megabytes(ClusterServer.rss(pid: kubelet)))")
            if burst < bursts { try await deletePods(client: client) }
        }
        let median = runs.sorted { $0.startup.p99 < $1.startup.p99 }[(runs.count - 1) / 2]
        report.startup = median.startup
        report.allRunningSeconds = median.allRunning
        report.burstStartups = runs.map(\.startup)
        // Let the status writes and events of the burst settle before the idle measurement.
        try await Task.sleep(for: .seconds(5))
        let cpuBefore = ClusterServer.cpuSeconds(pid: kubelet) ?? 0
        let idleStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(idleSeconds))
        let cpuAfter = ClusterServer.cpuSeconds(pid: kubelet) ?? 0
        report.kubeletIdleCPUPercent = (cpuAfter - cpuBefore) / (ContinuousClock.now - idleStart).inSeconds * 100
        report.kubeletRSSWithPods = ClusterServer.rss(pid: kubelet)
        let shims = Self.shims(of: work)
        report.shimCount = shims.count
        report.shimRSS = shims.compactMap { ClusterServer.rss(pid: $0) }.reduce(0, +)
        sampler.cancel()
        report.kubeletRSSPeak = await sampler.value
        Progress.say("deleting the pods")
        try await deletePods(client: client)
    }

    /// One burst: `pods` pods created at once, until all are Running.
    private func createAtOnce(client: KubeClient.HTTPClient) async throws -> (startup: LatencyStats, allRunning: Double) {
        let tracker = try await RunningTracker.start(client: client, namespace: Self.namespace)
        defer { tracker.cancel() }
        let begin = ContinuousClock.now
        let createdAt = await withTaskGroup(of: (String, ContinuousClock.Instant?).self) { group in
            for index in 0..<pods {
                group.addTask {
                    let name = "burst-\(index)"
                    let sent = ContinuousClock.now
                    do {
                        _ = try await client.create(.pods, namespace: Self.namespace, object: Self.pod(name: name), subresource: nil)
                        return (name, sent)
                    } catch {
                        Progress.say("  create \(name) failed: \(error)")
                        return (name, nil)
                    }
                }
            }
            var result: [String: ContinuousClock.Instant] = [:]
            for await (name, sent) in group { if let sent { result[name] = sent } }
            return result
        }
        guard createdAt.count == pods else { throw BenchError("created \(createdAt.count) of \(pods) pods") }
        while tracker.running.count < pods {
            if ContinuousClock.now > begin + .seconds(120) {
                throw BenchError("only \(tracker.running.count) of \(pods) pods Running after 120 s")
            }
            if let failure = tracker.failure { throw BenchError("watching pods failed: \(failure)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let running = tracker.running
        let startup = LatencyStats(milliseconds: createdAt.compactMap { name, sent in running[name].map { ($0 - sent).inMilliseconds } })
        return (startup, (ContinuousClock.now - begin).inSeconds)
    }

    /// Deletes the burst's pods and waits until the API has none and containerd no shims.
    private func deletePods(client: KubeClient.HTTPClient) async throws {
        for index in 0..<pods {
            _ = try? await client.delete(.pods, namespace: Self.namespace, name: "burst-\(index)",
                                         options: DeleteOptions(gracePeriodSeconds: 0))
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let left = (try? await client.list(.pods, namespace: Self.namespace, options: ListOptions()))?.items.count ?? 1
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        // The kubelet stops the sandboxes after the objects are gone (its housekeeping pass).
        let sandboxesGone = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < sandboxesGone, !Self.shims(of: work).isEmpty {
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// containerd shims started for this work directory (their command line names its socket).
    static func shims(of directory: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let command = String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return command.contains("containerd-shim") && command.contains(directory + "/")
        }
    }

    /// What outlives `swiftlet server` by design (pods' shims and their mounts) is removed, so the
    /// work directory can be deleted: shims of this directory get SIGKILL (by PID), mounts under it
    /// are detached deepest first.
    static func sweep(directory: String) {
        for pid in shims(of: directory) { kill(pid, SIGKILL) }
        usleep(200_000)
        let mounts = ((try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
            .filter { $0.hasPrefix(directory + "/") }
        for mountPoint in mounts.sorted(by: >) { umount2(mountPoint, Int32(MNT_DETACH)) }
    }

    static func pod(name: String) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": ["app": "burst"]],
            "spec": [
                "terminationGracePeriodSeconds": 0,
                "containers": [[
                    "name": "main", "image": .string(image), "imagePullPolicy": "Never",
                    "command": ["sleep", "3600"],
                ]],
            ],
        ]
    }

    /// A one-layer image of `/bin/busybox` (busybox-static) with the applets the pods use.
    static func writeBusyboxImage(to path: String) throws {
        guard let busybox = FileManager.default.contents(atPath: "/bin/busybox") else {
            throw BenchError("/bin/busybox is missing (install busybox-static)")
        }
        var layer: [TarEntry] = [TarEntry(path: "bin", kind: .directory), TarEntry(path: "tmp", kind: .directory, mode: 0o1777),
                                 TarEntry(path: "bin/busybox", kind: .file([UInt8](busybox)), mode: 0o755)]
        for applet in ["sh", "sleep", "echo", "cat"] {
            layer.append(TarEntry(path: "bin/\(applet)", kind: .symlink(target: "busybox")))
        }
        let image = OCIImageArchive(reference: Self.image, layer: layer,
                                    config: .init(cmd: ["sh"], env: ["PATH=/bin"]), createdBy: "swiftlet-bench")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try image.write(to: path)
    }
}

/// Watches a namespace's pods and notes when each is first seen Running with every container ready.
final class RunningTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: ContinuousClock.Instant] = [:]
    private var error: String?
    private var task: Task<Void, Never>?

    var running: [String: ContinuousClock.Instant] { lock.withLock { seen } }
    var failure: String? { lock.withLock { error } }

    static func start(client: KubeClient.HTTPClient, namespace: String) async throws -> RunningTracker {
        let tracker = RunningTracker()
        let initial = try await client.list(.pods, namespace: namespace, options: ListOptions())
        tracker.task = Task.detached { [tracker] in
            do {
                let events = try await client.watch(.pods, namespace: namespace,
                                                    options: ListOptions(resourceVersion: initial.resourceVersion, timeoutSeconds: 600))
                for try await event in events where event.type == .added || event.type == .modified {
                    tracker.observe(event.object)
                }
            } catch {
                if !Task.isCancelled { tracker.lock.withLock { tracker.error = "\(error)" } }
            }
        }
        return tracker
    }

    func cancel() { task?.cancel() }

    private func observe(_ pod: JSON) {
        guard pod[path: ["status", "phase"]].stringValue == "Running",
              let name = pod[path: ["metadata", "name"]].stringValue,
              let statuses = pod[path: ["status", "containerStatuses"]].arrayValue, !statuses.isEmpty,
              statuses.allSatisfy({ $0["ready"].boolValue == true }) else { return }
        let now = ContinuousClock.now
        lock.withLock { if seen[name] == nil { seen[name] = now } }
    }
}

/// What `swiftlet-bench node` measured.
struct NodeReport: Sendable, Codable, ScenarioReport {
    var machine: Machine
    var pods: Int
    var bursts: Int
    var idleSeconds: Int
    var freshReadySeconds: Double = 0
    var warmReadySeconds: Double = 0
    /// The median burst's start-up (by p99), and every burst's.
    var startup: LatencyStats?
    var burstStartups: [LatencyStats] = []
    var allRunningSeconds: Double = 0
    var kubeletRSSIdleNoPods: Int?
    var kubeletRSSWithPods: Int?
    var kubeletRSSPeak: Int?
    var kubeletIdleCPUPercent: Double = 0
    /// The containerd shims serving the pods, and their RSS together.
    var shimCount: Int?
    var shimRSS: Int?
    var proxyRSS: Int?
    var dnsRSS: Int?

    func table() -> String {
        var rows: [(String, String, String, String)] = [
            ("node Ready after `swiftlet server` (fresh data dir)", Format.seconds(freshReadySeconds), "-", ""),
            ("node Ready after `swiftlet server` (warm data dir)", Format.seconds(warmReadySeconds), "< 3 s",
             warmReadySeconds < 3 ? "met" : "MISSED"),
        ]
        if let startup {
            let of = bursts > 1 ? ", median of \(bursts) bursts" : ""
            rows.append(("pod start-up p50 (\(pods) created at once\(of))", Format.ms(startup.p50), "< 1 s", startup.p50 < 1000 ? "met" : "MISSED"))
            rows.append(("pod start-up p99", Format.ms(startup.p99), "< 2 s", startup.p99 < 2000 ? "met" : "MISSED"))
            rows.append(("pod start-up max", Format.ms(startup.max), "-", ""))
            if burstStartups.count > 1 {
                rows.append(("every burst's p50 / p99", burstStartups.map { "\(Format.ms($0.p50)) / \(Format.ms($0.p99))" }.joined(separator: ", "), "-", ""))
            }
        }
        rows += [
            ("all \(pods) pods Running (median burst)", Format.seconds(allRunningSeconds), "-", ""),
            ("kubelet RSS, no pods", Format.megabytes(kubeletRSSIdleNoPods), "-", ""),
            ("kubelet RSS with \(pods) pods (peak)", Format.megabytes(kubeletRSSPeak), "< 40 MB",
             (kubeletRSSPeak ?? .max) < 40 << 20 ? "met" : "MISSED"),
            ("kubelet RSS with \(pods) pods (idle)", Format.megabytes(kubeletRSSWithPods), "-", ""),
            ("kubelet idle CPU (\(idleSeconds) s, \(pods) pods)", String(format: "%.2f%% of a core", kubeletIdleCPUPercent), "< 1%",
             kubeletIdleCPUPercent < 1 ? "met" : "MISSED"),
            ("containerd shims with \(pods) pods: count, RSS together",
             "\(shimCount.map(String.init) ?? "-"), \(Format.megabytes(shimRSS))", "-", ""),
            ("swiftlet-proxy RSS", Format.megabytes(proxyRSS), "< 25 MB", (proxyRSS ?? .max) < 25 << 20 ? "met" : "MISSED"),
            ("swiftlet-dns RSS", Format.megabytes(dnsRSS), "< 25 MB", (dnsRSS ?? .max) < 25 << 20 ? "met" : "MISSED"),
        ]
        return "swiftlet-bench node on \(machine.cores) cores (\(machine.cpuModel))\n"
            + Format.table(header: ("figure", "measured", "target", ""), rows: rows)
    }
}
