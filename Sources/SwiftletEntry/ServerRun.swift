#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import KubePKI
import Logging
import Supervision
import SupervisorControl
import SwiftletCLI
import Supervision
import SwiftletCore
import SwiftletSystem

/// One run of `swiftlet server`: prepares TLS material and configuration, writes the supervisor
/// plan, then execs `swiftlet-supervisor` with it (same PID), which supervises the server profile
/// until SIGTERM/SIGINT and prints the ready line.
///
/// Returns only on failure (exit code 1); on success the process image is replaced.
struct ServerRun {
    let config: ServerConfig
    let logger: Logger

    static let apiserver = "apiserver"
    static let apiserverExecutable = "swiftlet-apiserver"
    static let supervisorExecutable = "swiftlet-supervisor"

    init(config: ServerConfig) {
        self.config = config
        var logger = Logger(label: "swiftlet") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = config.logLevel
        self.logger = logger
    }

    /// Prepares and hands over to the supervisor; returns an exit code only when that failed.
    func run() -> Int32 {
        // A second server on the same run dir stops here, before it touches any file of the first.
        let socket = ControlServer.socketPath(runDir: config.runDir)
        if ControlSocketProbe.probe(socket) == .live {
            printError(ControlServerError.alreadyRunning(socket).description)
            return 1
        }
        let planPath: String
        let supervisor: String
        do {
            planPath = try writePlan()
            supervisor = try ExecutableLocator.locate(Self.supervisorExecutable, selfExecutable: ExecutableLocator.currentExecutable())
        } catch {
            printError("\(error)")
            return 1
        }
        return execSupervisor(supervisor, planPath: planPath)
    }

    /// Prepares every file and writes the plan; returns its path. `reloading`: the server runs and
    /// this is `--prepare-only` on its behalf (SIGHUP), so files of the running processes stay.
    func writePlan(reloading: Bool = false) throws -> String {
        let prepared = try prepare(reloading: reloading)
        let components = try componentSpecs(prepared)
        let profile = try Profile.server(
            controlPlane: [apiserverSpec(prepared)] + components.controlPlane, node: components.node,
            excluding: .init(agent: config.disableAgent, components: Set(config.disabledComponents)))
        for name in config.disabledComponents where !profile.names.contains(name) && !Profile.knownComponents.contains(name) {
            logger.notice("--disable \(name): nothing to disable (Swiftlet bundles no \(name))")
        }
        let files = ControlPlaneFiles(config: config, pki: prepared.pki)
        let client = prepared.pki.client(.supervisor)
        let port = prepared.removePortFile ? SupervisorPlan.portPlaceholder : String(config.httpsListenPort)
        let plan = SupervisorPlan(
            runDirectory: config.runDir, logLevel: config.logLevel.rawValue, components: profile.components,
            executables: components.executables.merging([Self.apiserver: prepared.executable]) { $1 }
                .filter { profile.names.contains($0.key) },
            probeCAFile: prepared.pki.serverCA.certificatePath, probeCertificateFile: client.certificatePath,
            probeKeyFile: client.keyPath,
            readyLine: "Swiftlet is ready; kubeconfig written to \(config.writeKubeconfig) (https://127.0.0.1:\(port))",
            portComponent: prepared.removePortFile ? Self.apiserver : nil,
            portFiles: prepared.removePortFile ? files.kubeconfigTemplates() : [],
            reloadCommand: Self.reloadCommand())
        for template in plan.portFiles {
            try makeDirectory(POSIXFile.directory(of: template.path), mode: 0o755)
        }
        let path = SupervisorPlan.path(runDirectory: config.runDir)
        try plan.write(to: path)
        return path
    }

    /// `swiftlet server <the same arguments> --prepare-only`, run by the supervisor on SIGHUP.
    static func reloadCommand() -> [String] {
        guard let executable = ExecutableLocator.currentExecutable() else { return [] }
        let arguments = Array(CommandLine.arguments.dropFirst()).filter { $0 != "--prepare-only" }
        return [executable] + arguments + ["--prepare-only"]
    }

    /// `--prepare-only`: rewrite configuration files and the plan for a running supervisor.
    func prepareOnly() -> Int32 {
        do {
            _ = try writePlan(reloading: true)
            return 0
        } catch {
            printError("\(error)")
            return 1
        }
    }

    private func apiserverSpec(_ prepared: Prepared) -> ComponentSpec {
        ComponentSpec(
            name: Self.apiserver, executableName: Self.apiserverExecutable,
            arguments: ["--config", prepared.apiserverConfigPath], configFile: prepared.apiserverConfigPath,
            port: prepared.removePortFile ? .portFile(config.portFile(Self.apiserver)) : .fixed(config.httpsListenPort),
            portArgument: "--secure-port", stopTimeout: .seconds(10), readyTimeout: .seconds(60), critical: true)
    }
}

/// Replaces this process with the supervisor (same PID: systemd's main process and NOTIFY_SOCKET
/// carry over); returns an exit code only if exec failed.
func execSupervisor(_ executable: String, planPath: String) -> Int32 {
    let error = ProcessImage.replace(with: executable, arguments: [executable, "--plan", planPath])
    printError("cannot start \(executable): \(String(cString: strerror(error)))")
    return 1
}
