import Foundation
import SupervisorControl
import SwiftletCLI

/// A supervisor stand-in: one or more named components whose pids change on restart/start.
actor FakeSupervisor: ControlHandler {
    private var components: [String: ComponentStatus]
    private let order: [String]
    private var nextPID: Int32 = 1000
    /// When set, `restart` waits until `releaseRestart()` is called (for concurrency tests).
    private var restartGate: CheckedContinuation<Void, Never>?
    private var holdRestarts = false
    private(set) var calls: [String] = []

    init(names: [String] = ["apiserver"], startedAt: Double = 1_700_000_000) {
        order = names
        var components: [String: ComponentStatus] = [:]
        var pid: Int32 = 100
        for name in names {
            components[name] = ComponentStatus(name: name, state: "running", pid: pid, startedAt: startedAt, ready: true, healthy: true)
            pid += 1
        }
        self.components = components
    }

    func status() async -> [ComponentStatus] { order.compactMap { components[$0] } }

    func restart(_ component: String) async throws {
        calls.append("restart \(component)")
        var status = try lookup(component)
        if holdRestarts { await withCheckedContinuation { restartGate = $0 } }
        status.lastExit = ExitDescription.signaled(15)
        status.restarts += 1
        status.pid = newPID()
        components[component] = status
    }

    func stop(_ component: String) async throws {
        calls.append("stop \(component)")
        var status = try lookup(component)
        status.pid = nil
        status.state = "stopped"
        status.ready = false
        status.healthy = false
        status.lastExit = ExitDescription.signaled(15)
        components[component] = status
    }

    func start(_ component: String) async throws {
        calls.append("start \(component)")
        var status = try lookup(component)
        guard status.pid == nil else { throw ControlError("\(component) is already running") }
        status.pid = newPID()
        status.state = "running"
        status.ready = true
        status.healthy = true
        components[component] = status
    }

    func holdNextRestarts() { holdRestarts = true }

    func releaseRestart() {
        holdRestarts = false
        restartGate?.resume()
        restartGate = nil
    }

    var isRestartWaiting: Bool { restartGate != nil }

    private func lookup(_ name: String) throws -> ComponentStatus {
        guard let status = components[name] else { throw ControlError.unknownComponent(name, known: order) }
        return status
    }

    private func newPID() -> Int32 {
        nextPID += 1
        return nextPID
    }
}

/// A short-lived directory under /tmp (unix socket paths must stay under 108 bytes).
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/swctl-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw ControlError("mkdtemp failed") }
        path = String(cString: result)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The package root, found from this file's path.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The result of running a program.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments` and waits (tests only; output is small).
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}

/// Runs blocking work on a thread of its own. The control client and child processes block, and
/// blocking the few threads of Swift's cooperative pool would starve the server under test.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

extension ControlClient {
    /// `send` off the cooperative pool.
    func request(_ request: ControlRequest) async throws -> ControlResponse {
        try await offPool { try self.send(request) }
    }

    /// `sendRaw` off the cooperative pool.
    func requestRaw(_ bytes: Data) async throws -> [UInt8] {
        try await offPool { try self.sendRaw(bytes) }
    }
}
