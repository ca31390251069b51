import Foundation
import Glibc
import KubePKI
import Synchronization
import Testing
@testable import Supervision

/// Shared fixtures for tests that run real `swiftlet-testchild` processes.
enum TestChildFixture {
    /// `.build/<triple>/debug`, where the test runner and the products live.
    static let buildDirectory: String? = {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    static var binary: String? {
        guard let directory = buildDirectory else { return nil }
        let path = directory + "/swiftlet-testchild"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// One PKI for every test (key generation is slow in debug builds).
    static let pki: ClusterPKI? = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supervision-pki-\(getpid())").path
        return try? ClusterPKI.ensure(directory: directory, options: PKIOptions(nodeName: "testnode", nodeIPs: ["127.0.0.1"]))
    }()

    static func probe() throws -> ReadinessProbe {
        let pki = try #require(pki)
        let client = pki.client(.supervisor)
        return try ReadinessProbe(caPEM: pki.serverCA.certificatePEM, clientCertificatePEM: client.certificatePEM,
                                  clientKeyPEM: client.keyPEM)
    }
}

/// A temporary run directory, a unique token for this test's processes, and component specs.
struct ProcessTestBed {
    let root: String
    let token = "tc-\(UUID().uuidString.prefix(8))"

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("supervision-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    var recordFile: String { root + "/record" }

    func spec(_ name: String, _ flags: [String] = [], after dependencies: [String] = [],
              readyTimeout: Duration = .seconds(20), stopTimeout: Duration = .seconds(5)) throws -> ComponentSpec {
        let pki = try #require(TestChildFixture.pki)
        let portFile = root + "/\(name).port"
        return ComponentSpec(
            name: name, executableName: "swiftlet-testchild",
            arguments: ["--port-file", portFile, "--cert", pki.serving.certificatePath, "--key", pki.serving.keyPath,
                        "--client-ca", pki.clientCA.certificatePath, "--token", token, "--record-file", recordFile] + flags,
            port: .portFile(portFile), dependencies: dependencies, stopTimeout: stopTimeout, readyTimeout: readyTimeout)
    }

    static var fastSettings: Orchestrator.Settings {
        var settings = Orchestrator.Settings()
        settings.healthInterval = .milliseconds(200)
        settings.readyPollInterval = .milliseconds(20)
        settings.restartPolicy.initialDelay = .milliseconds(50)
        return settings
    }

    func supervisor(_ specs: [ComponentSpec], settings: Orchestrator.Settings = fastSettings,
                    notifier: RecordingNotifier = RecordingNotifier()) throws -> Supervisor {
        let binary = try #require(TestChildFixture.binary)
        return Supervisor(
            configuration: .init(profile: try Profile(components: specs), runDirectory: root, settings: settings,
                                 locateExecutable: { _ in binary }, randomSeed: 7),
            probe: try TestChildFixture.probe(), notifier: notifier)
    }

    /// `start <pid> <component>` lines written by the children.
    func starts() -> [(pid: Int32, component: String)] {
        let text = (try? String(contentsOfFile: recordFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let pid = Int32(parts[1]) else { return nil }
            return (pid, String(parts[2]))
        }
    }

    /// Live (not zombie) processes whose command line holds this test's token.
    func leftovers() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: cmdline, as: UTF8.self).contains(token),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
        }
    }

    func cleanUp() {
        for pid in leftovers() { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Polls `condition` until it holds or `timeout` passes (real processes take real time).
func eventually(_ timeout: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// Records what the supervisor tells the service manager.
final class RecordingNotifier: ServiceNotifier {
    private let state = Mutex<(ready: Int, statuses: [String], watchdogs: Int, stopping: Int)>((0, [], 0, 0))
    let watchdogInterval: Duration?

    init(watchdogInterval: Duration? = nil) { self.watchdogInterval = watchdogInterval }

    func ready() { state.withLock { $0.ready += 1 } }
    func status(_ text: String) { state.withLock { $0.statuses.append(text) } }
    func watchdog() { state.withLock { $0.watchdogs += 1 } }
    func stopping() { state.withLock { $0.stopping += 1 } }
    func reloading() {}

    var readyCount: Int { state.withLock { $0.ready } }
    var statuses: [String] { state.withLock { $0.statuses } }
    var watchdogs: Int { state.withLock { $0.watchdogs } }
    var stoppingCount: Int { state.withLock { $0.stopping } }
}
