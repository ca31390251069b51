#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import KubePKI
import Logging
import Supervision
import SupervisorControl
import SwiftletCore

/// One run of `swiftlet server`: prepares TLS material and configuration, then hands the server
/// profile to a `Supervisor` until SIGTERM/SIGINT.
///
/// Prints the one ready line on stdout when every component is ready; exits 0 after a clean stop,
/// 1 when preparation fails, a component never starts, or a child had to be killed.
struct ServerRun {
    let config: ServerConfig
    let logger: Logger

    static let apiserver = "apiserver"
    static let apiserverExecutable = "swiftlet-apiserver"

    init(config: ServerConfig) {
        self.config = config
        var logger = Logger(label: "swiftlet") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = config.logLevel
        self.logger = logger
    }

    /// Runs until the server stops; returns the process exit code.
    func run() async -> Int32 {
        // The control socket comes first: a second server on the same run dir stops here, before
        // it touches any file of the running one.
        let control = DeferredControlHandler()
        let controlServer: ControlServer
        do {
            controlServer = try await ControlServer.start(path: ControlServer.socketPath(runDir: config.runDir), handler: control)
        } catch {
            printError("\(error)")
            return 1
        }
        let code = await supervise(control: control)
        await controlServer.stop()
        return code
    }

    private func supervise(control: DeferredControlHandler) async -> Int32 {
        let prepared: Prepared
        let profile: Profile
        let probe: ReadinessProbe
        do {
            prepared = try prepare()
            profile = try Profile.server(
                apiserver: apiserverSpec(prepared),
                excluding: .init(agent: config.disableAgent, components: Set(config.disabledComponents)))
            let client = prepared.pki.client(.supervisor)
            probe = try ReadinessProbe(caPEM: prepared.pki.serverCA.certificatePEM,
                                       clientCertificatePEM: client.certificatePEM, clientKeyPEM: client.keyPEM)
        } catch {
            printError("\(error)")
            return 1
        }
        for name in config.disabledComponents where !profile.names.contains(name) && !Profile.knownComponents.contains(name) {
            logger.notice("--disable \(name): nothing to disable (Swiftlet bundles no \(name))")
        }

        let config = self.config
        let files = ControlPlaneFiles(config: config, pki: prepared.pki)
        let hooks = Supervisor.Hooks(
            portLearned: { component, port in
                // Port 0: the kubeconfigs can only be written once the apiserver has bound.
                if component == Self.apiserver { try files.writeKubeconfigs(port: port) }
            },
            ready: { ports in
                let port = ports[Self.apiserver] ?? config.httpsListenPort
                let line = "Swiftlet is ready; kubeconfig written to \(config.writeKubeconfig) (\(ControlPlaneFiles.localURL(port: port)))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            })
        let supervisor = Supervisor(
            configuration: .init(profile: profile, runDirectory: config.runDir,
                                 locateExecutable: { _ in prepared.executable }),
            probe: probe, notifier: SystemdServiceNotifier.current(),
            output: JournalChildOutput.current(runDirectory: config.runDir), hooks: hooks, logger: logger)
        control.attach(SupervisorControlHandler(supervisor: supervisor))
        let signals = SignalSources(signals: [SIGTERM, SIGINT]) { [logger] signal in
            logger.info("received signal \(signal); stopping")
            supervisor.requestStop()
        }
        defer { signals.cancel() }
        let code = await supervisor.run()
        await probe.shutdown()
        return code
    }

    private func apiserverSpec(_ prepared: Prepared) -> ComponentSpec {
        ComponentSpec(
            name: Self.apiserver, executableName: Self.apiserverExecutable,
            arguments: ["--config", prepared.apiserverConfigPath], configFile: prepared.apiserverConfigPath,
            port: prepared.removePortFile ? .portFile(config.portFile(Self.apiserver)) : .fixed(config.httpsListenPort),
            stopTimeout: .seconds(10), readyTimeout: .seconds(60), critical: true)
    }
}
