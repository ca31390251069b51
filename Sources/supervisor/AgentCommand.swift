import ArgumentParser
import Foundation
import Logging
import Supervision
import SwiftletCore

/// `swiftlet agent`: runs the node components under supervision and joins them to a server.
///
/// The node components (containerd, kubelet, proxy) do not exist yet, so the agent profile is
/// empty: after validating its arguments the agent is ready at once and waits for SIGTERM.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the Swiftlet node components and join them to a server.")

    @Option(name: .customLong("server"), help: "The server URL, https://<server>:6443 (env SWIFTLET_URL).")
    var server: String?

    @Option(name: .customLong("token"), help: "The server's join token (env SWIFTLET_TOKEN).")
    var token: String?

    @Option(name: .customLong("run-dir"), help: "Runtime directory for PID files (default /run/swiftlet, or ~/.swiftlet/run when not root).")
    var runDir: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let join: AgentJoin
        do {
            join = try AgentJoin(server: server ?? environment["SWIFTLET_URL"] ?? "",
                                 token: token ?? environment["SWIFTLET_TOKEN"] ?? "")
        } catch {
            throw ValidationError("\(error)")
        }
        let host = HostFacts.current(environment: environment)
        let directory = runDir ?? ServerDefaults.runDir(uid: host.uid, dataDir: ServerDefaults.dataDir(uid: host.uid, home: host.home))
        var logger = Logger(label: "swiftlet") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = .warning
        logger.info("agent for \(join.server)")
        let supervisor = Supervisor(
            configuration: .init(profile: Profile.agent(), runDirectory: directory),
            probe: NoProbe(), notifier: SystemdServiceNotifier.current(),
            output: JournalChildOutput.current(runDirectory: directory), logger: logger)
        let signals = SignalSources(signals: [SIGTERM, SIGINT]) { _ in supervisor.requestStop() }
        defer { signals.cancel() }
        let code = await supervisor.run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// The agent's components will bring their own certificates; with none, nothing is probed.
private struct NoProbe: HealthProbing {
    func status(host: String, port: Int, path: String, timeout: Duration) async throws -> Int { 503 }
}
