import ArgumentParser
import Foundation
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
        // The node components join this profile (and the plan) as they land.
        let plan = SupervisorPlan(
            runDirectory: directory, logLevel: "warning", components: Profile.agent().components, executables: [:],
            probeCAFile: "", probeCertificateFile: "", probeKeyFile: "",
            readyLine: "Swiftlet agent is ready (server \(join.server))")
        let planPath = SupervisorPlan.path(runDirectory: directory)
        let supervisor: String
        do {
            try makeDirectory(directory, mode: 0o700)
            try plan.write(to: planPath)
            supervisor = try ExecutableLocator.locate(ServerRun.supervisorExecutable, selfExecutable: ExecutableLocator.currentExecutable())
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        throw ExitCode(execSupervisor(supervisor, planPath: planPath))
    }
}
