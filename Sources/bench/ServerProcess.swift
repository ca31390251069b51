import Foundation
import SwiftletCore
#if canImport(Glibc)
import Glibc
#endif

/// One `swiftlet-apiserver` child process started for the benchmark.
///
/// The server always runs in its own process so client and server costs stay apart (and so that
/// the figures match what a real deployment sees). `stop()` must be called; the cleanup registry
/// also kills it if the bench is interrupted.
final class ServerProcess: @unchecked Sendable {
    let pid: Int32
    let port: Int
    let logFile: String
    let startedAt: ContinuousClock.Instant
    private let process: Process

    private init(process: Process, port: Int, logFile: String, startedAt: ContinuousClock.Instant) {
        self.process = process
        self.pid = process.processIdentifier
        self.port = port
        self.logFile = logFile
        self.startedAt = startedAt
    }

    var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Starts the apiserver on a free loopback port with its database at `databasePath` and waits
    /// until it has written its port file (it does so after bootstrap, once it listens).
    static func start(binary: String, pki: TestPKI, databasePath: String, workDirectory: String,
                      timeout: Duration = .seconds(30), wrapper: [String] = []) throws -> ServerProcess {
        let portFile = "\(workDirectory)/port-\(UUID().uuidString)"
        var config = APIServerConfig(tlsCertFile: pki.serverCertFile, tlsKeyFile: pki.serverKeyFile,
                                     clientCAFile: pki.caFile, databasePath: databasePath)
        config.bindAddress = "127.0.0.1"
        config.securePort = 0
        config.portFile = portFile
        config.logLevel = "error"
        let configFile = "\(workDirectory)/apiserver-\(UUID().uuidString).json"
        try config.write(to: configFile)

        let logFile = "\(workDirectory)/apiserver.log"
        if !FileManager.default.fileExists(atPath: logFile) { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw BenchError("cannot open \(logFile)") }
        log.seekToEndOfFile()

        let process = Process()
        // A wrapper (a profiler) runs the server: the wrapper's process is the one measured.
        if let tool = wrapper.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(wrapper.dropFirst()) + [binary, "--config", configFile]
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--config", configFile]
        }
        process.standardOutput = log
        process.standardError = log
        let startedAt = ContinuousClock.now
        try process.run()
        try? log.close()
        Cleanup.shared.register(pid: process.processIdentifier)

        let deadline = startedAt + timeout
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return ServerProcess(process: process, port: port, logFile: logFile, startedAt: startedAt)
            }
            if !process.isRunning {
                throw BenchError("swiftlet-apiserver exited with status \(process.terminationStatus) before listening; "
                    + "log tail:\n\(tail(of: logFile))")
            }
            if ContinuousClock.now > deadline {
                terminate(process)
                throw BenchError("swiftlet-apiserver did not listen within \(timeout); log tail:\n\(tail(of: logFile))")
            }
            usleep(2_000)
        }
    }

    /// SIGTERM, then SIGKILL after five seconds; waits for the process to be reaped.
    func stop() {
        ServerProcess.terminate(process)
        Cleanup.shared.unregister(pid: pid)
    }

    var isRunning: Bool { process.isRunning }

    static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Resident and proportional set size of the server, in bytes.
    func memory() -> MemoryFigures {
        MemoryFigures(rss: Self.kilobytes(field: "VmRSS:", in: "/proc/\(pid)/status").map { $0 * 1024 },
                      pss: Self.kilobytes(field: "Pss:", in: "/proc/\(pid)/smaps_rollup").map { $0 * 1024 })
    }

    /// User plus system CPU seconds the server has used so far (from /proc/<pid>/stat).
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3 (state); utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds this (bench) process has used so far.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func kilobytes(field: String, in file: String) -> Int? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let value = Int(parts[1]) { return value }
        }
        return nil
    }

    static func tail(of file: String, lines: Int = 20) -> String {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Memory of a process at one moment; nil where /proc does not say (not Linux).
struct MemoryFigures: Sendable, Codable {
    var rss: Int?
    var pss: Int?
}

/// Child processes and directories to remove whatever happens, including SIGINT/SIGTERM to the bench.
final class Cleanup: @unchecked Sendable {
    static let shared = Cleanup()
    private let lock = NSLock()
    private var pids: Set<Int32> = []
    private var directories: [String] = []
    private var signalSources: [DispatchSourceSignal] = []

    func register(pid: Int32) { lock.withLock { _ = pids.insert(pid) } }
    func unregister(pid: Int32) { lock.withLock { _ = pids.remove(pid) } }
    func register(directory: String) { lock.withLock { directories.append(directory) } }

    /// Kills what is still running (SIGTERM, SIGKILL after five seconds) and removes the directories.
    func runAll() {
        let (pids, directories) = lock.withLock { () -> (Set<Int32>, [String]) in
            defer { self.pids = []; self.directories = [] }
            return (self.pids, self.directories)
        }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(5)
        var alive = pids
        while !alive.isEmpty && ContinuousClock.now < deadline {
            alive = alive.filter { kill($0, 0) == 0 && !Self.isZombie($0) }
            if !alive.isEmpty { usleep(20_000) }
        }
        for pid in alive { kill(pid, SIGKILL) }
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Interrupting the bench still stops the server and removes temp files.
    func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                FileHandle.standardError.write(Data("\ninterrupted; stopping the server\n".utf8))
                runAll()
                exit(130)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
