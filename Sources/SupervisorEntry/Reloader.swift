#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Supervision

/// SIGHUP: re-read the configuration by running the plan's reload command (`swiftlet server
/// ... --prepare-only`, which rewrites the component config files and the plan), then restart each
/// component whose config file changed. systemd sees `RELOADING=1` ... `READY=1`.
///
/// Changes that alter the set of components or their command lines need a full restart; they are
/// reported, not applied. Reloads run one at a time; a failed reload changes nothing.
actor Reloader {
    let planPath: String
    let supervisor: Supervisor
    let notifier: any ServiceNotifier
    let logger: Logger
    private var plan: SupervisorPlan
    private var running = false

    init(plan: SupervisorPlan, planPath: String, supervisor: Supervisor, notifier: any ServiceNotifier, logger: Logger) {
        self.plan = plan
        self.planPath = planPath
        self.supervisor = supervisor
        self.notifier = notifier
        self.logger = logger
    }

    func reload() async {
        guard !running else {
            logger.notice("reload already in progress; ignoring SIGHUP")
            return
        }
        guard !plan.reloadCommand.isEmpty else {
            logger.notice("SIGHUP: this supervisor has no reload command; nothing to reload")
            return
        }
        running = true
        defer { running = false }
        notifier.reloading()
        logger.notice("reloading configuration")
        let before = configContents(plan)
        let status: ExitStatus
        do {
            let child = try ChildProcess.spawn(
                executable: plan.reloadCommand[0], arguments: Array(plan.reloadCommand.dropFirst()),
                environment: ChildEnvironment.sanitized(currentEnvironment()), stdout: 2, stderr: 2)
            status = await child.waitForExit()
        } catch {
            logger.error("reload failed; configuration unchanged: \(error)")
            notifier.ready()
            return
        }
        guard status == .exited(0) else {
            logger.error("reload failed (\(status)); configuration unchanged")
            notifier.ready()
            return
        }
        let next: SupervisorPlan
        do {
            next = try SupervisorPlan.read(from: planPath)
        } catch {
            logger.error("reload failed; configuration unchanged: \(error)")
            notifier.ready()
            return
        }
        for change in SupervisorPlan.reloadChanges(from: plan, to: next, configBefore: before, configAfter: configContents(next)) {
            switch change {
            case .restart(let name):
                logger.notice("configuration of \(name) changed; restarting it")
                try? await supervisor.restart(name)
            case .needsFullRestart(let reason):
                logger.warning("\(reason); restart swiftlet to apply it")
            }
        }
        plan = next
        notifier.ready()
    }

    private func configContents(_ plan: SupervisorPlan) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for component in plan.components {
            if let path = component.configFile { result[component.name] = POSIXFile.read(path) ?? [] }
        }
        return result
    }
}
