import ArgumentParser
import Logging
import Supervision
import SwiftletCore

/// `swiftlet agent`: runs the node components under supervision and joins them to a server.
///
/// Of the node components (containerd, kubelet, proxy) only containerd exists yet: the agent runs
/// it (unless `--container-runtime-endpoint` names another runtime) and is ready once its socket
/// answers; then it waits for SIGTERM.
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

    @Option(name: .customLong("data-dir"), help: "State directory (default /var/lib/swiftlet, or ~/.swiftlet when not root).")
    var dataDir: String?

    @Option(name: .customLong("container-runtime-endpoint"), help: "Use this container runtime socket (unix:///path) instead of starting containerd.")
    var containerRuntimeEndpoint: String?

    @Option(name: .customLong("private-registry"), help: "Registry mirrors and TLS file in K3s's registries.yaml format (default /etc/swiftlet/registries.yaml).")
    var privateRegistry: String?

    func run() async throws {
        let environment = currentEnvironment()
        let join: AgentJoin
        do {
            join = try AgentJoin(server: server ?? environment["SWIFTLET_URL"] ?? "",
                                 token: token ?? environment["SWIFTLET_TOKEN"] ?? "")
        } catch {
            throw ValidationError("\(error)")
        }
        let host = HostFacts.current(environment: environment)
        let data = dataDir ?? ServerDefaults.dataDir(uid: host.uid, home: host.home)
        let directory = runDir ?? ServerDefaults.runDir(uid: host.uid, dataDir: data)
        let planPath = SupervisorPlan.path(runDirectory: directory)
        let supervisor: String
        do {
            try makeDirectory(directory, mode: 0o700)
            // The node components join this profile (and the plan) as they land.
            var components: [ComponentSpec] = []
            var executables: [String: String] = [:]
            if containerRuntimeEndpoint == nil {
                var logger = Logger(label: "swiftlet") { label in StreamLogHandler.standardError(label: label) }
                logger.logLevel = .warning
                let containerd = try ContainerdLayout(agentDirectory: data + "/agent", runDir: directory)
                    .prepare(privateRegistry: privateRegistry ?? ServerDefaults.privateRegistry, logger: logger)
                components.append(containerd.spec)
                executables[containerd.spec.name] = containerd.executable
            }
            let plan = SupervisorPlan(
                runDirectory: directory, logLevel: "warning", components: try Profile.agent(node: components).components,
                executables: executables, probeCAFile: "", probeCertificateFile: "", probeKeyFile: "",
                readyLine: "Swiftlet agent is ready (server \(join.server))")
            try plan.write(to: planPath)
            supervisor = try ExecutableLocator.locate(ServerRun.supervisorExecutable, selfExecutable: ExecutableLocator.currentExecutable())
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        throw ExitCode(execSupervisor(supervisor, planPath: planPath))
    }
}
