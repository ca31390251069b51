#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Supervision
import SupervisorControl

/// One supervisor run from a plan: binds the control socket, supervises the profile until
/// SIGTERM/SIGINT, and prints the ready line once every critical component is ready.
///
/// Exits 0 after a clean stop, 1 when the control socket is taken, a component never starts, or a
/// child had to be killed.
struct PlanRun {
    let plan: SupervisorPlan
    let planPath: String

    func run() async -> Int32 {
        var logger = Logger(label: "swiftlet") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = Logger.Level(rawValue: plan.logLevel) ?? .info

        // A second server on the same run dir stops here, before it touches any file of the first.
        let control = DeferredControlHandler()
        let controlServer: ControlServer
        do {
            controlServer = try await ControlServer.start(path: ControlServer.socketPath(runDir: plan.runDirectory), handler: control)
        } catch {
            printError("\(error)")
            return 1
        }
        let code = await supervise(control: control, logger: logger)
        await controlServer.stop()
        return code
    }

    private func supervise(control: DeferredControlHandler, logger: Logger) async -> Int32 {
        let probe: any HealthProbing
        // Components probed only through unix sockets (containerd) need no TLS material.
        if plan.components.allSatisfy({ if case .unixSocket = $0.port { true } else { false } }) {
            probe = NoProbe()
        } else {
            do {
                probe = try ReadinessProbe(
                    caPEM: try pem(plan.probeCAFile), clientCertificatePEM: try pem(plan.probeCertificateFile),
                    clientKeyPEM: try pem(plan.probeKeyFile))
            } catch {
                printError("cannot set up health probes: \(error)")
                return 1
            }
        }
        let profile: Profile
        do {
            profile = try Profile(components: plan.components)
        } catch {
            printError("\(planPath): \(error)")
            return 1
        }

        let plan = self.plan
        let hooks = Supervisor.Hooks(
            portLearned: { component, port in
                // Port 0: files naming the port can only be written once the component has bound.
                guard component == plan.portComponent else { return }
                for file in plan.portFiles {
                    let content = file.content.replacingAll(SupervisorPlan.portPlaceholder, with: String(port))
                    try POSIXFile.write(content, to: file.path, mode: mode_t(file.mode))
                }
            },
            ready: { ports in
                var line = plan.readyLine
                if let component = plan.portComponent, let port = ports[component] {
                    line = line.replacingAll(SupervisorPlan.portPlaceholder, with: String(port))
                }
                print(line)
                fflush(nil)
            })
        let notifier = SystemdServiceNotifier.current()
        // The plan names each component's executable by absolute path (found by `swiftlet`).
        var byExecutableName: [String: String] = [:]
        for component in plan.components { byExecutableName[component.executableName] = plan.executables[component.name] }
        let executables = byExecutableName
        let supervisor = Supervisor(
            configuration: .init(profile: profile, runDirectory: plan.runDirectory, locateExecutable: { name in
                guard let path = executables[name] else { throw SupervisionError("no executable for \(name) in the plan") }
                return path
            }),
            probe: probe, notifier: notifier,
            output: JournalChildOutput.current(runDirectory: plan.runDirectory), hooks: hooks, logger: logger)
        control.attach(SupervisorControlHandler(supervisor: supervisor))
        let signals = SignalSources(signals: [SIGTERM, SIGINT]) { [logger] signal in
            logger.info("received signal \(signal); stopping")
            supervisor.requestStop()
        }
        defer { signals.cancel() }
        let reloader = Reloader(plan: plan, planPath: planPath, supervisor: supervisor, notifier: notifier, logger: logger)
        let hangups = SignalSources(signals: [SIGHUP]) { _ in Task { await reloader.reload() } }
        defer { hangups.cancel() }
        return await supervisor.run()
    }

    private func pem(_ path: String) throws(SupervisionError) -> String {
        guard let text = POSIXFile.readText(path) else { throw SupervisionError("cannot read \(path)") }
        return text
    }
}

/// Nothing to probe (an agent without node components yet).
struct NoProbe: HealthProbing {
    func status(host: String, port: Int, path: String, timeout: Duration) async throws -> Int { 503 }
}

func printError(_ message: String) {
    let line = "Error: \(message)\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation here).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
