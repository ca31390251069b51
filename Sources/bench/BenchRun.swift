import Foundation

/// The phases of one benchmark run, in order; each server it starts is stopped before the next.
struct BenchRun {
    let scale: Scale
    let binaries: Binaries
    let work: String
    let concurrency = 16

    func run() async throws -> BenchReport {
        var report = BenchReport(scale: scale, machine: Machine.current())
        let pki = try TestPKI.create(in: work)

        Progress.say("raw SQLite insert ceiling")
        report.rawSQLite = try ThroughputScenario.rawSQLite(directory: work, singleCount: scale.rawSingle,
                                                            batchedCount: scale.rawBatched, batchSize: scale.rawBatchSize,
                                                            valueSize: 512)

        Progress.say("start-up: \(scale.startupRuns) cold and warm starts")
        report.startup = try await StartupScenario.run(binary: binaries.apiserver, pki: pki, workDirectory: work,
                                                       runs: scale.startupRuns)
        if FileManager.default.isExecutableFile(atPath: binaries.swiftlet) {
            Progress.say("start-up through `swiftlet server`")
            do {
                report.supervisorStartup = try await SupervisorStartup.run(binary: binaries.swiftlet, workDirectory: work,
                                                                           runs: scale.startupRuns)
            } catch {
                report.notes.append("swiftlet server start-up not measured: \(error)")
            }
        } else {
            report.notes.append("no swiftlet executable beside the bench: start-up measured on swiftlet-apiserver alone")
        }

        try await writePhase(pki: pki, report: &report)
        try await podPhase(pki: pki, report: &report)
        return report
    }

    /// Creates, gets and watch fan-out on one server.
    private func writePhase(pki: TestPKI, report: inout BenchReport) async throws {
        let server = try ServerProcess.start(binary: binaries.apiserver, pki: pki,
                                             databasePath: "\(work)/writes/db/state.db", workDirectory: work)
        defer { server.stop() }
        let h1 = try APIClient(pki: pki, baseURL: server.baseURL, proto: .http1, connections: 32)
        let h2 = try APIClient(pki: pki, baseURL: server.baseURL, proto: .http2, connections: 1)
        do {
            try await h1.waitReady(timeout: .seconds(30))
            try await Task.sleep(for: .seconds(1))
            report.memoryIdle = server.memory()
            Progress.say("idle memory: \(Format.megabytes(report.memoryIdle?.rss)) RSS")

            try await h1.send(.POST, "/api/v1/namespaces", body: Objects.namespace("bench"), expect: .created)
            for client in [h1, h2] {
                Progress.say("creates, \(concurrency) clients, \(client.proto.rawValue)")
                // A short warm-up so connection set-up is not part of the figure.
                _ = await ThroughputScenario.creates(client: client, namespace: "bench", prefix: "warm-\(client.proto == .http1 ? 1 : 2)",
                                                     concurrency: concurrency, count: concurrency * 4, timeLimit: .seconds(5))
                let cpu = CPUMeter(server: server)
                let result = await ThroughputScenario.creates(
                    client: client, namespace: "bench", prefix: "cm-\(client.proto == .http1 ? 1 : 2)",
                    concurrency: concurrency, count: scale.createCount, timeLimit: .seconds(scale.createTime))
                report.creates.append(cpu.figure(LoadFigure(protocolName: client.proto.rawValue, concurrency: concurrency, result)))
                Progress.say("  \(Format.rate(result.perSecond))/s, p99 \(Format.ms(result.latency.p99)), errors \(result.errors)")
            }

            try await h1.send(.POST, "/api/v1/namespaces/bench/configmaps", body: Objects.configMap("get-target"), expect: .created)
            for client in [h1, h2] {
                for clients in [16, 32] {
                    Progress.say("gets, \(clients) clients, \(client.proto.rawValue)")
                    let cpu = CPUMeter(server: server)
                    let result = await ThroughputScenario.gets(client: client, path: "/api/v1/namespaces/bench/configmaps/get-target",
                                                               concurrency: clients, count: scale.getCount,
                                                               timeLimit: .seconds(scale.getTime))
                    report.gets.append(cpu.figure(LoadFigure(protocolName: client.proto.rawValue, concurrency: clients, result)))
                    Progress.say("  \(Format.rate(result.perSecond))/s, p99 \(Format.ms(result.latency.p99)), errors \(result.errors)")
                }
            }

            Progress.say("watch fan-out: \(scale.watchers) watchers x \(scale.watchEvents) events")
            report.watch = try await WatchScenario.run(writer: h1, pki: pki, namespace: "bench",
                                                       watchers: scale.watchers, events: scale.watchEvents)
        } catch {
            await h1.shutdown()
            await h2.shutdown()
            throw error
        }
        await h1.shutdown()
        await h2.shutdown()
    }

    /// Pods on a fresh server, so the memory figure is the pods' and not the earlier phases'.
    private func podPhase(pki: TestPKI, report: inout BenchReport) async throws {
        let database = "\(work)/pods/db/state.db"
        let server = try ServerProcess.start(binary: binaries.apiserver, pki: pki, databasePath: database, workDirectory: work)
        let proto = report.bestCreateProtocol
        let client = try APIClient(pki: pki, baseURL: server.baseURL, proto: proto, connections: concurrency)
        do {
            try await client.waitReady(timeout: .seconds(30))
            try await client.send(.POST, "/api/v1/namespaces", body: Objects.namespace("bench"), expect: .created)
            Progress.say("creating \(scale.pods) pods, \(concurrency) clients, \(proto.rawValue)")
            let cpu = CPUMeter(server: server)
            let created = await ListScenario.createPods(client: client, namespace: "bench", count: scale.pods,
                                                        concurrency: concurrency, timeLimit: .seconds(scale.podTime))
            report.podCreates = cpu.figure(LoadFigure(protocolName: proto.rawValue, concurrency: concurrency, created))
            try await Task.sleep(for: .seconds(1))
            report.memoryAfterPodCreates = server.memory()
            guard created.completed == scale.pods else {
                throw BenchError("created \(created.completed) of \(scale.pods) pods (errors \(created.errors): \(created.firstError ?? "-"))")
            }
            Progress.say("  \(Format.rate(created.perSecond))/s; listing \(scale.listRuns) times")
            report.list = try await ListScenario.list(client: client, namespace: "bench", runs: scale.listRuns, expected: scale.pods)
            try await Task.sleep(for: .seconds(1))
            report.memoryWithPods = server.memory()
            Progress.say("  median \(Format.ms(report.list?.medianMilliseconds)), memory \(Format.megabytes(report.memoryWithPods?.rss)) RSS")
        } catch {
            await client.shutdown()
            server.stop()
            throw error
        }
        await client.shutdown()
        server.stop()

        // Warm start on a database that holds the pods: what a restart of a loaded server costs.
        Progress.say("warm restart with \(scale.pods) pods")
        let (elapsed, restarted) = try await StartupScenario.startTimed(binary: binaries.apiserver, pki: pki,
                                                                        database: database, workDirectory: work)
        report.warmStartWithPods = elapsed
        try await Task.sleep(for: .seconds(1))
        report.memoryIdleWithPodsStored = restarted.memory()
        restarted.stop()
    }
}

/// CPU used by the server and by this process between its creation and `figure(_:)`.
struct CPUMeter {
    let server: ServerProcess
    let serverStart: Double?
    let clientStart: Double

    init(server: ServerProcess) {
        self.server = server
        serverStart = server.cpuSeconds()
        clientStart = ServerProcess.ownCPUSeconds()
    }

    func figure(_ figure: LoadFigure) -> LoadFigure {
        var figure = figure
        let serverUsed: Double? = if let start = serverStart, let now = server.cpuSeconds() { now - start } else { nil }
        figure.attachCPU(server: serverUsed, client: ServerProcess.ownCPUSeconds() - clientStart)
        return figure
    }
}
