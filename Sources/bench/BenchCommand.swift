import ArgumentParser
import Foundation
import SwiftletCore

/// `swiftlet-bench`: measures the API server's performance targets against a real
/// `swiftlet-apiserver` process over loopback HTTPS with mutual TLS.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet-bench",
        abstract: "Benchmarks swiftlet-apiserver: creates/s, gets/s, 10k-pod list, watch fan-out, start-up, memory.",
        discussion: """
        Build in release mode first: swift build -c release --product swiftlet-bench --product swiftlet-apiserver
        The server runs in its own process; the client runs in this one (both share the machine's cores).
        """,
        version: SwiftletVersion.current
    )

    @Argument(help: "Scenario: `api` (the API server alone; default), `cluster` (`swiftlet server` with simulated nodes: scheduling throughput, a large Deployment, component memory) `apiwrites` (the API server alone under the per-pod write sequence of the cluster run: CPU per write) or `node` (`swiftlet server` with the real node on containerd: node Ready time, pod start-up latency, kubelet memory and idle CPU; needs root).")
    var scenario: String = "api"

    @Flag(help: "Scaled-down counts for a run of about 30 seconds.")
    var quick = false

    @Flag(help: "Print the results as JSON on stdout (the table then goes to stderr).")
    var json = false

    @Option(help: "Directory holding swiftlet-apiserver (and swiftlet). Default: the directory of this executable.")
    var serverBinDir: String?

    @Option(help: "Override the number of pods created before the list measurement (cluster: pods scheduled; apiwrites: pod write sequences, default 5,000; node: pods created at once, default 30).")
    var pods: Int?

    @Option(help: "node: how many times the pods are created at once, on one server; start-up figures are the median burst's (default 3, 1 with --quick).")
    var bursts: Int?

    @Option(help: "cluster: override the number of simulated nodes (default 1,000).")
    var nodes: Int?

    @Option(help: "cluster: override the Deployment's replicas (default 1,000).")
    var replicas: Int?

    @Option(help: "Override the number of watchers in the fan-out test.")
    var watchers: Int?

    @Option(help: "apiwrites: concurrent pod write sequences (default 32).")
    var concurrency: Int = 32

    @Option(help: "apiwrites: a command the server runs under, as one string split at spaces (an absolute path first), e.g. \"/usr/bin/valgrind --tool=callgrind\".")
    var serverWrapper: String?

    @Flag(help: "Keep the temporary directory (certificates, databases, server log) for inspection.")
    var keepTemp = false

    func run() async throws {
        switch scenario {
        case "api": try await runAPI()
        case "cluster": try await runCluster()
        case "apiwrites": try await runAPIWrites()
        case "node": try await runNode()
        default: throw ValidationError("unknown scenario \"\(scenario)\" (expected api, cluster, apiwrites or node)")
        }
    }

    private func runAPI() async throws {
        var scale = quick ? Scale.quick : Scale.full
        if let pods { scale.pods = pods }
        if let watchers { scale.watchers = watchers }
        let binDir = serverBinDir ?? Self.executableDirectory()
        let binaries = Binaries(apiserver: "\(binDir)/swiftlet-apiserver", swiftlet: "\(binDir)/swiftlet")
        guard FileManager.default.isExecutableFile(atPath: binaries.apiserver) else {
            throw ValidationError("no swiftlet-apiserver in \(binDir); build it or pass --server-bin-dir")
        }
        try await runScenario(server: binaries.apiserver) { work in
            try await BenchRun(scale: scale, binaries: binaries, work: work).run()
        }
    }

    private func runCluster() async throws {
        var scale = quick ? ClusterScale.quick : ClusterScale.full
        if let pods { scale.pods = pods }
        if let nodes { scale.nodes = nodes }
        if let replicas { scale.replicas = replicas }
        let binDir = serverBinDir ?? Self.executableDirectory()
        let swiftlet = "\(binDir)/swiftlet"
        for name in ["swiftlet", "swiftlet-supervisor", "swiftlet-apiserver", "swiftlet-scheduler", "swiftlet-controllers", "swiftlet-kubelet"]
        where !FileManager.default.isExecutableFile(atPath: "\(binDir)/\(name)") {
            throw ValidationError("no \(name) in \(binDir); build it (swift build -c release --product \(name)) or pass --server-bin-dir")
        }
        try await runScenario(server: swiftlet) { work in
            try await ClusterScenario(binary: swiftlet, work: work, scale: scale).run()
        }
    }

    private func runNode() async throws {
        let binDir = serverBinDir ?? Self.executableDirectory()
        let swiftlet = "\(binDir)/swiftlet"
        for name in ["swiftlet", "swiftlet-supervisor", "swiftlet-apiserver", "swiftlet-scheduler", "swiftlet-controllers", "swiftlet-kubelet", "swiftlet-pause"]
        where !FileManager.default.isExecutableFile(atPath: "\(binDir)/\(name)") {
            throw ValidationError("no \(name) in \(binDir); build it (swift build -c release --product \(name)) or pass --server-bin-dir")
        }
        guard geteuid() == 0 else { throw ValidationError("the node scenario runs containerd and needs root") }
        let count = pods ?? 30
        try await runScenario(server: swiftlet) { work in
            try await NodeScenario(binary: swiftlet, work: work, pods: max(count, 1), bursts: max(bursts ?? (quick ? 1 : 3), 1),
                                   idleSeconds: quick ? 10 : 30).run()
        }
    }

    private func runAPIWrites() async throws {
        let binDir = serverBinDir ?? Self.executableDirectory()
        let apiserver = "\(binDir)/swiftlet-apiserver"
        guard FileManager.default.isExecutableFile(atPath: apiserver) else {
            throw ValidationError("no swiftlet-apiserver in \(binDir); build it or pass --server-bin-dir")
        }
        let wrapper = (serverWrapper ?? "").split(separator: " ").map(String.init)
        let count = pods ?? (quick ? 1_000 : 5_000)
        try await runScenario(server: apiserver) { work in
            try await APIWritesScenario(binary: apiserver, work: work, pods: count,
                                        concurrency: max(concurrency, 1), wrapper: wrapper).run()
        }
    }

    /// What every scenario does around its run: a temp work directory (kept with --keep-temp),
    /// cleanup of started processes on failure and on signals, and the report as a table (plus
    /// JSON on stdout with --json).
    private func runScenario<R: ScenarioReport>(server: String, _ body: (String) async throws -> R) async throws {
        Cleanup.shared.installSignalHandlers()
        var template = Array("/tmp/swiftlet-bench.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("mkdtemp failed") }
        let work = String(cString: made)
        if !keepTemp { Cleanup.shared.register(directory: work) }
        Progress.say("work directory \(work); server \(server)")
        let report: R
        do {
            report = try await body(work)
        } catch {
            Progress.say("failed: \(error)")
            Cleanup.shared.runAll()
            throw ExitCode.failure
        }
        Cleanup.shared.runAll()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardError.write(Data(report.table().utf8))
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table())
        }
    }

    static func executableDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }
}

/// A scenario's result: a table for people, JSON for tools.
protocol ScenarioReport: Encodable {
    func table() -> String
}

extension BenchReport: ScenarioReport {}
extension ClusterReport: ScenarioReport {}
extension APIWritesScenario.Report: ScenarioReport {}

struct Binaries: Sendable {
    var apiserver: String
    var swiftlet: String
}

/// Counts and time bounds of every phase.
struct Scale: Sendable, Codable {
    var name: String
    var createCount: Int
    var createTime: Int
    var getCount: Int
    var getTime: Int
    var watchers: Int
    var watchEvents: Int
    var pods: Int
    var podTime: Int
    var listRuns: Int
    var startupRuns: Int
    var rawSingle: Int
    var rawBatched: Int
    var rawBatchSize: Int

    static let full = Scale(name: "full", createCount: 20_000, createTime: 12, getCount: 1_000_000, getTime: 5,
                            watchers: 100, watchEvents: 50, pods: 10_000, podTime: 180, listRuns: 10, startupRuns: 5,
                            rawSingle: 5_000, rawBatched: 50_000, rawBatchSize: 100)
    static let quick = Scale(name: "quick", createCount: 3_000, createTime: 3, getCount: 200_000, getTime: 1,
                             watchers: 100, watchEvents: 20, pods: 2_000, podTime: 60, listRuns: 5, startupRuns: 3,
                             rawSingle: 1_000, rawBatched: 10_000, rawBatchSize: 100)
}

/// Progress lines go to stderr so `--json` output stays clean.
enum Progress {
    static func say(_ text: String) {
        FileHandle.standardError.write(Data("[bench] \(text)\n".utf8))
    }
}
