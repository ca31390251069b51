import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A whole `swiftlet server` (supervisor, apiserver, scheduler, controllers and one kubelet process
/// simulating `simulatedNodes` nodes) started for the cluster scenario.
///
/// The components' PIDs come from the supervisor's PID files in the run directory, so each one's
/// memory can be sampled on its own.
final class ClusterServer: @unchecked Sendable {
    let process: Process
    let dataDirectory: String
    let runDirectory: String
    let kubeconfig: String
    let logFile: String

    /// The processes whose memory the scenario samples, by the name of their PID file.
    static let components = ["apiserver", "scheduler", "controllers", "kubelet"]

    private init(process: Process, dataDirectory: String, logFile: String) {
        self.process = process
        self.dataDirectory = dataDirectory
        runDirectory = "\(dataDirectory)/run"
        kubeconfig = "\(dataDirectory)/kubeconfig.yaml"
        self.logFile = logFile
    }

    /// Starts the server and returns once it printed its ready line (the apiserver answers `/readyz`).
    static func start(binary: String, workDirectory: String, simulatedNodes: Int,
                      timeout: Duration = .seconds(120)) async throws -> ClusterServer {
        try await start(binary: binary, workDirectory: workDirectory, name: "cluster",
                        arguments: ["--node-name", "bench", "--simulated-nodes", "\(simulatedNodes)"], timeout: timeout)
    }

    /// Starts `swiftlet server <arguments>` on `<workDirectory>/<name>` (kept between starts, so a
    /// second start runs on a warm data directory).
    static func start(binary: String, workDirectory: String, name: String, arguments: [String],
                      timeout: Duration = .seconds(120)) async throws -> ClusterServer {
        let dataDirectory = "\(workDirectory)/\(name)"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let logFile = "\(workDirectory)/\(name).log"
        let (process, watcher, started) = try SupervisorStartup.launch(
            binary: binary, dataDirectory: dataDirectory, extraArguments: arguments,
            configFile: "\(workDirectory)/\(name).config.yaml", logFile: logFile)
        let server = ClusterServer(process: process, dataDirectory: dataDirectory, logFile: logFile)
        while watcher.seenAt == nil {
            if !process.isRunning {
                throw BenchError("swiftlet server exited with \(process.terminationStatus) before it was ready: "
                    + ServerProcess.tail(of: logFile))
            }
            if ContinuousClock.now > started + timeout {
                server.stop()
                throw BenchError("swiftlet server not ready within \(timeout): " + ServerProcess.tail(of: logFile))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return server
    }

    /// The PID a component's PID file names now (it changes if the supervisor restarted it).
    func pid(of component: String) -> Int32? {
        guard let text = try? String(contentsOfFile: "\(runDirectory)/\(component).pid", encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// VmRSS of a process in bytes.
    static func rss(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// User plus system CPU seconds of a process.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds of every component so far, by name.
    func cpuSeconds() -> [String: Double] {
        var result: [String: Double] = [:]
        for component in Self.components {
            if let pid = pid(of: component), let seconds = Self.cpuSeconds(pid: pid) { result[component] = seconds }
        }
        return result
    }

    /// SIGTERM to the supervisor (it stops its children), SIGKILL after 15 seconds.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(15)
            while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        Cleanup.shared.unregister(pid: process.processIdentifier)
    }
}

/// Samples the components' VmRSS every `interval` and keeps the maximum of each.
final class RSSSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var maxima: [String: Int] = [:]
    private var task: Task<Void, Never>?

    func start(server: ClusterServer, interval: Duration = .milliseconds(500)) {
        task = Task.detached { [self] in
            while !Task.isCancelled {
                for component in ClusterServer.components {
                    guard let pid = server.pid(of: component), let rss = ClusterServer.rss(pid: pid) else { continue }
                    lock.withLock { maxima[component] = max(maxima[component] ?? 0, rss) }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Stops sampling and returns the maxima (bytes) seen since `start` or the last `reset`.
    func stop() async -> [String: Int] {
        task?.cancel()
        await task?.value
        return lock.withLock { maxima }
    }

    /// The maxima so far; sampling goes on from zero.
    func reset() -> [String: Int] {
        lock.withLock {
            defer { maxima = [:] }
            return maxima
        }
    }
}
