import Foundation
import Testing

/// Runs the built `swiftlet server` binary against a temporary data directory on a free port.
@Suite(.serialized) struct ServerEndToEndTests {
    /// `.build/<triple>/debug`, the directory of the test runner, where SwiftPM puts the products.
    static let buildDirectory: String? = {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    static var swiftletBinary: String? {
        guard let directory = buildDirectory else { return nil }
        let path = directory + "/swiftlet"
        let apiserver = directory + "/swiftlet-apiserver"
        return FileManager.default.isExecutableFile(atPath: path) && FileManager.default.isExecutableFile(atPath: apiserver)
            ? path : nil
    }

    @Test(.enabled(if: swiftletBinary != nil,
                   "swiftlet or swiftlet-apiserver is not built; run `swift build --product swiftlet --product swiftlet-apiserver`"))
    func startsReadyStopsCleanlyAndKeepsTheCAOnRestart() throws {
        let binary = try #require(Self.swiftletBinary)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-e2e-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configFile = root + "/config.yaml"
        try "# empty: everything comes from flags\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        let kubeconfig = root + "/k/kc.yaml"
        let arguments = ["server", "--config", configFile, "--data-dir", root + "/data", "--run-dir", root + "/run",
                         "--https-listen-port", "0", "--write-kubeconfig", kubeconfig, "--disable-agent"]

        // First start.
        let first = try ServerProcess(binary: binary, arguments: arguments, logDirectory: root, name: "first")
        defer { first.killEverything(pidFile: root + "/run/apiserver.pid") }
        let ready = try first.waitForReadyLine(timeout: .seconds(60))
        #expect(ready.kubeconfig == kubeconfig)
        #expect(ready.url.hasPrefix("https://127.0.0.1:"))

        #expect(try mode(kubeconfig) == 0o600)
        for name in ["admin", "controller", "scheduler", "supervisor", "kube-proxy", "kubelet"] {
            #expect(try mode(root + "/data/server/cred/\(name).kubeconfig") == 0o600, "\(name).kubeconfig")
        }
        let tls = root + "/data/server/tls"
        let keys = try FileManager.default.contentsOfDirectory(atPath: tls).filter { $0.hasSuffix(".key") }
        #expect(!keys.isEmpty)
        for key in keys { #expect(try mode(tls + "/" + key) == 0o600, "\(key)") }
        let apiserverConfig = try String(contentsOfFile: root + "/data/server/etc/apiserver.json", encoding: .utf8)
        #expect(apiserverConfig.contains("\"securePort\" : 0"))
        // Service-account tokens are signed with the PKI's persistent key.
        let parsedConfig = try #require(try JSONSerialization.jsonObject(with: Data(apiserverConfig.utf8)) as? [String: Any])
        #expect(parsedConfig["serviceAccountSigningKeyFile"] as? String == tls + "/service.key")
        #expect(parsedConfig["serviceAccountIssuer"] as? String == "https://kubernetes.default.svc.cluster.local")

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl") {
            let output = try runKubectl(["--kubeconfig", kubeconfig, "--cache-dir", root + "/cache", "get", "--raw", "/readyz"])
            #expect(output.status == 0, "kubectl failed: \(output.text)")
            #expect(output.text.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        }

        let pidText = try String(contentsOfFile: root + "/run/apiserver.pid", encoding: .utf8)
        let apiserverPID = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(apiserverPID, 0) == 0)
        let caBefore = try Data(contentsOf: URL(fileURLWithPath: tls + "/server-ca.crt"))
        let clientCABefore = try Data(contentsOf: URL(fileURLWithPath: tls + "/client-ca.crt"))

        kill(first.process.processIdentifier, SIGTERM)
        let stopped = first.waitForExit(timeout: .seconds(20))
        #expect(stopped, "swiftlet server did not exit after SIGTERM; stderr: \(first.stderr())")
        if stopped {
            #expect(first.process.terminationReason == .exit)
            #expect(first.process.terminationStatus == 0, "stderr: \(first.stderr())")
        }
        #expect(kill(apiserverPID, 0) == -1 && errno == ESRCH, "apiserver \(apiserverPID) still exists")
        #expect(!FileManager.default.fileExists(atPath: root + "/run/apiserver.pid"))

        // Restart on the same data directory: same CAs, ready again.
        let second = try ServerProcess(binary: binary, arguments: arguments, logDirectory: root, name: "second")
        defer { second.killEverything(pidFile: root + "/run/apiserver.pid") }
        _ = try second.waitForReadyLine(timeout: .seconds(60))
        #expect(try Data(contentsOf: URL(fileURLWithPath: tls + "/server-ca.crt")) == caBefore)
        #expect(try Data(contentsOf: URL(fileURLWithPath: tls + "/client-ca.crt")) == clientCABefore)
        kill(second.process.processIdentifier, SIGTERM)
        #expect(second.waitForExit(timeout: .seconds(20)))
        #expect(second.process.terminationStatus == 0, "stderr: \(second.stderr())")
    }

    @Test(.enabled(if: swiftletBinary != nil, "swiftlet is not built"))
    func badConfigFileExitsOneAndBadFlagExits64() throws {
        let binary = try #require(Self.swiftletBinary)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-bad-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "https-port: 1\n".write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
        let bad = try ServerProcess(binary: binary, arguments: ["server", "--config", root + "/config.yaml", "--data-dir", root],
                                    logDirectory: root, name: "bad")
        defer { bad.killEverything(pidFile: nil) }
        #expect(bad.waitForExit(timeout: .seconds(20)))
        #expect(bad.process.terminationStatus == 1)
        #expect(bad.stderr().contains("https-port"))

        try "cluster-domain: cluster.local\n".write(toFile: root + "/good.yaml", atomically: true, encoding: .utf8)
        let badFlag = try ServerProcess(binary: binary, arguments: ["server", "--config", root + "/good.yaml",
                                                                   "--https-listen-port", "70000"],
                                        logDirectory: root, name: "badflag")
        defer { badFlag.killEverything(pidFile: nil) }
        #expect(badFlag.waitForExit(timeout: .seconds(20)))
        #expect(badFlag.process.terminationStatus == 64)
        #expect(badFlag.stderr().contains("https-listen-port"))
    }
}

private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o7777
}

private func runKubectl(_ arguments: [String]) throws -> (status: Int32, text: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A `swiftlet server` child of the test with stdout and stderr captured in files.
private final class ServerProcess {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    init(binary: String, arguments: [String], logDirectory: String, name: String) throws {
        stdoutPath = logDirectory + "/\(name).out"
        stderrPath = logDirectory + "/\(name).err"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        // The test's own SWIFTLET_* settings must not leak into the server under test.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWIFTLET_") }
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    func stdout() -> String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    func stderr() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    struct NotReady: Error, CustomStringConvertible {
        let description: String
    }

    /// Waits for `Swiftlet is ready; kubeconfig written to <path> (<url>)`.
    func waitForReadyLine(timeout: Duration) throws -> (kubeconfig: String, url: String) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let text = stdout()
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Swiftlet is ready; kubeconfig written to ") }),
               let open = line.lastIndex(of: "("), line.hasSuffix(")") {
                let path = line[line.index(line.startIndex, offsetBy: "Swiftlet is ready; kubeconfig written to ".count)..<open]
                let url = line[line.index(after: open)..<line.index(before: line.endIndex)]
                #expect(text.split(separator: "\n").count == 1, "stdout must hold only the ready line: \(text)")
                return (path.trimmingCharacters(in: .whitespaces), String(url))
            }
            guard process.isRunning else {
                throw NotReady(description: "swiftlet server exited (\(process.terminationStatus)) before ready: \(stderr())")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw NotReady(description: "no ready line within \(timeout); stderr: \(stderr())")
    }

    func waitForExit(timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !process.isRunning
    }

    /// Kills the server and the apiserver it started (by PID), whatever state the test left them in.
    func killEverything(pidFile: String?) {
        if let pidFile, let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 {
            kill(pid, SIGKILL)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
