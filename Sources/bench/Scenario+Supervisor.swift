import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Start-up through `swiftlet server`: process start to its ready line, which it prints once the
/// apiserver's `/readyz` answered 200 (PKI and kubeconfigs are created on the cold start).
enum SupervisorStartup {
    static let readyMarker = "Swiftlet is ready"

    static func run(binary: String, workDirectory: String, runs: Int) async throws -> StartupResult {
        var result = StartupResult(coldMilliseconds: [], warmMilliseconds: [])
        for run in 0..<runs {
            let dataDirectory = "\(workDirectory)/swiftlet-\(run)"
            for warm in [false, true] {
                let elapsed = try await startAndStop(binary: binary, dataDirectory: dataDirectory)
                if warm { result.warmMilliseconds.append(elapsed) } else { result.coldMilliseconds.append(elapsed) }
            }
            try? FileManager.default.removeItem(atPath: dataDirectory)
        }
        return result
    }

    /// Milliseconds until the ready line; the supervisor is stopped (SIGTERM, SIGKILL after 10 s) before returning.
    static func startAndStop(binary: String, dataDirectory: String) async throws -> Double {
        let logFile = "\(dataDirectory).log"
        let (process, watcher, started) = try launch(binary: binary, dataDirectory: dataDirectory,
                                                     extraArguments: ["--disable-agent"],
                                                     configFile: "\(dataDirectory).config.yaml", logFile: logFile)
        defer {
            stop(process)
            Cleanup.shared.unregister(pid: process.processIdentifier)
        }
        let deadline = started + .seconds(60)
        while true {
            if let seen = watcher.seenAt { return (seen - started).inMilliseconds }
            if !process.isRunning {
                throw BenchError("swiftlet server exited with \(process.terminationStatus) before it was ready: "
                    + ServerProcess.tail(of: logFile))
            }
            if ContinuousClock.now > deadline { throw BenchError("swiftlet server not ready within 60 s") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Starts `swiftlet server` on loopback with its data, run dir and kubeconfig under
    /// `dataDirectory`, an empty config file (the machine's own must not change what is measured)
    /// and stderr to `logFile`; the watcher sees the ready line on stdout. The PID is registered
    /// for cleanup.
    static func launch(binary: String, dataDirectory: String, extraArguments: [String], configFile: String,
                       logFile: String) throws -> (Process, LineWatcher, ContinuousClock.Instant) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "server", "--data-dir", dataDirectory, "--run-dir", "\(dataDirectory)/run",
            "--https-listen-port", "0", "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--write-kubeconfig", "\(dataDirectory)/kubeconfig.yaml",
        ] + extraArguments
        var environment = ProcessInfo.processInfo.environment
        _ = FileManager.default.createFile(atPath: configFile, contents: Data())
        environment["SWIFTLET_CONFIG_FILE"] = configFile
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logFile)
        let watcher = LineWatcher(marker: readyMarker)
        let started = ContinuousClock.now
        try process.run()
        Cleanup.shared.register(pid: process.processIdentifier)
        watcher.watch(output.fileHandleForReading)
        return (process, watcher, started)
    }

    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Reads a pipe on a background thread and notes when a line containing `marker` arrived.
final class LineWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private let marker: String
    private var seen: ContinuousClock.Instant?

    init(marker: String) { self.marker = marker }

    var seenAt: ContinuousClock.Instant? { lock.withLock { seen } }

    func watch(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var text = ""
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                let now = ContinuousClock.now
                text += String(decoding: data, as: UTF8.self)
                if text.contains(marker) {
                    lock.withLock { if seen == nil { seen = now } }
                }
            }
        }
    }
}
