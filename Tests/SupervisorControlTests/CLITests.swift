import Foundation
import Testing
import SupervisorControl
import SwiftletCLI

/// Runs the built `swiftlet` binary (`swift build` puts it in .build/debug) against a control
/// server started here with a fake supervisor, so the verbs are checked end to end.
@Suite(.serialized) struct CLITests {
    static let binary = packageRoot + "/.build/debug/swiftlet"

    /// The environment the CLI runs with: no SWIFTLET_* or KUBECONFIG from the caller.
    static func environment(_ dir: String, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWIFTLET_") && $0.key != "KUBECONFIG" }
        environment["HOME"] = dir
        environment["SWIFTLET_DATA_DIR"] = dir + "/data"
        // An empty config file of our own, so this machine's /etc/swiftlet/config.yaml is not read.
        let config = dir + "/config.yaml"
        if !FileManager.default.fileExists(atPath: config) { FileManager.default.createFile(atPath: config, contents: Data()) }
        environment["SWIFTLET_CONFIG_FILE"] = config
        return environment.merging(extra) { $1 }
    }

    static func swiftlet(_ arguments: [String], dir: String, extra: [String: String] = [:]) async throws -> RunResult {
        try await offPool { try swiftletBlocking(arguments, dir: dir, extra: extra) }
    }

    static func swiftletBlocking(_ arguments: [String], dir: String, extra: [String: String]) throws -> RunResult {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build swiftlet first (swift build)")
        return try runProgram(binary, arguments, environment: environment(dir, extra: extra))
    }

    @Test func statusWithoutSupervisor() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.swiftlet(["status", "--run-dir", dir.path + "/run"], dir: dir.path)
        #expect(result.status == 1)
        #expect(result.stderr == "swiftlet is not running (no control socket at \(dir.path)/run/swiftlet.sock)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func statusUsesTheRunDirFromTheEnvironment() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.swiftlet(["status"], dir: dir.path, extra: ["SWIFTLET_RUN_DIR": dir.path + "/elsewhere"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(dir.path)/elsewhere/swiftlet.sock"))
    }

    @Test func verbsAgainstAFakeSupervisor() async throws {
        let dir = try TemporaryDirectory()
        let runDir = dir.path + "/run"
        let server = try await ControlServer.start(path: ControlServer.socketPath(runDir: runDir), handler: FakeSupervisor())
        defer { Task { await server.stop() } }

        let table = try await Self.swiftlet(["status", "--run-dir", runDir], dir: dir.path)
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("COMPONENT   STATE     PID   UPTIME"))
        #expect(table.stdout.contains("apiserver   running   100"))

        let json = try await Self.swiftlet(["status", "--run-dir", runDir, "-o", "json"], dir: dir.path)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let first = (object?["components"] as? [[String: Any]])?.first
        #expect(first?["name"] as? String == "apiserver")
        #expect(first?["pid"] as? Int == 100)

        let restart = try await Self.swiftlet(["restart", "apiserver", "--run-dir", runDir], dir: dir.path)
        #expect(restart.stdout == "restarted apiserver (pid 100 -> 1001)\n")
        let stop = try await Self.swiftlet(["stop", "apiserver", "--run-dir", runDir], dir: dir.path)
        #expect(stop.stdout == "stopped apiserver (pid 1001)\n")
        let start = try await Self.swiftlet(["start", "apiserver", "--run-dir", runDir], dir: dir.path)
        #expect(start.stdout == "started apiserver (pid 1002)\n")

        let unknown = try await Self.swiftlet(["restart", "etcd", "--run-dir", runDir], dir: dir.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains(#"unknown component "etcd"; components: apiserver"#))
        await server.stop()
    }

    @Test func kubectlPassthroughSetsKubeconfig() async throws {
        let dir = try TemporaryDirectory()
        let kubeconfig = dir.path + "/admin.yaml"
        try Self.kubeconfigText(context: "swiftlet-test").write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let view = try await Self.swiftlet(["kubectl", "config", "view", "-o", "jsonpath={.current-context}"], dir: dir.path,
                                     extra: ["SWIFTLET_WRITE_KUBECONFIG": kubeconfig])
        #expect(view.status == 0, "\(view.stderr)")
        #expect(view.stdout == "swiftlet-test")

        // Swiftlet options before kubectl's arguments choose the kubeconfig too (non-root default path).
        let other = dir.path + "/other.yaml"
        try Self.kubeconfigText(context: "from-flag").write(toFile: other, atomically: true, encoding: .utf8)
        let flagged = try await Self.swiftlet(["kubectl", "--write-kubeconfig", other, "config", "current-context"], dir: dir.path)
        #expect(flagged.stdout == "from-flag\n")

        // An existing KUBECONFIG wins.
        let mine = try await Self.swiftlet(["kubectl", "config", "current-context"], dir: dir.path,
                                     extra: ["SWIFTLET_WRITE_KUBECONFIG": kubeconfig, "KUBECONFIG": other])
        #expect(mine.stdout == "from-flag\n")

        let version = try await Self.swiftlet(["kubectl", "version", "--client"], dir: dir.path)
        #expect(version.status == 0)
        #expect(version.stdout.contains("Client Version"))

        // kubectl's exit status comes through.
        let failing = try await Self.swiftlet(["kubectl", "no-such-verb"], dir: dir.path)
        #expect(failing.status != 0)
    }

    @Test func checkConfigPrintsItsTable() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.swiftlet(["check-config", "--run-dir", dir.path + "/run", "--https-listen-port", "0"], dir: dir.path)
        #expect(result.status == 0 || result.status == 1)
        for item in ["kernel", "cgroups", "ip forwarding", "binary swiftlet-apiserver", "https port", "data dir", "run dir"] {
            #expect(result.stdout.contains(item), "\(item) missing from:\n\(result.stdout)")
        }
        #expect(result.stdout.contains("required items"))
        let fatal = result.stdout.split(separator: "\n").contains { ($0.hasPrefix("missing") || $0.hasPrefix("fail")) && !$0.hasSuffix("(optional)") }
        #expect((result.status == 1) == fatal)
    }

    @Test func logsWithoutJournaldOrFile() async throws {
        let dir = try TemporaryDirectory()
        guard !FileManager.default.fileExists(atPath: LogSource.journalSocket) else { return }
        let missing = try await Self.swiftlet(["logs", "apiserver", "--run-dir", dir.path], dir: dir.path)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no logs for apiserver"))
        try FileManager.default.createDirectory(atPath: dir.path + "/logs", withIntermediateDirectories: true)
        try "one\ntwo\nthree\n".write(toFile: dir.path + "/logs/apiserver.log", atomically: true, encoding: .utf8)
        let tail = try await Self.swiftlet(["logs", "apiserver", "--run-dir", dir.path, "-n", "2"], dir: dir.path)
        #expect(tail.status == 0)
        #expect(tail.stdout == "two\nthree\n")
    }

    static func kubeconfigText(context: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster: {server: "https://127.0.0.1:1"}
        users:
        - name: u
          user: {token: t}
        contexts:
        - name: \(context)
          context: {cluster: c, user: u}
        current-context: \(context)

        """
    }
}
