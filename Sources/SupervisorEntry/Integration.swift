#if canImport(Glibc)
import Glibc
#endif
import Supervision
import SupervisorControl
import Synchronization
import Systemd

/// systemd's sd_notify behind the supervisor's notifier seam.
struct SystemdServiceNotifier: ServiceNotifier {
    let systemd: SystemdNotifier

    func ready() { systemd.ready() }
    func status(_ text: String) { systemd.status(text) }
    func watchdog() { systemd.watchdog() }
    func stopping() { systemd.stopping() }
    func reloading() { systemd.reloading() }
    var watchdogInterval: Duration? { systemd.watchdogInterval }

    /// The notifier for this process: systemd's when started by it (NOTIFY_SOCKET set), else none.
    static func current() -> any ServiceNotifier {
        SystemdNotifier().map { SystemdServiceNotifier(systemd: $0) } ?? NoServiceNotifier()
    }
}

/// Each child's stdout and stderr as journald streams with identifier `swiftlet-<component>`;
/// stdout lines default to info, stderr lines to warning, and a `<N>` prefix sets a line's priority.
struct JournalChildOutput: ChildOutput {
    func descriptors(for component: String) throws -> ChildOutputDescriptors {
        let identifier = "swiftlet-\(component)"
        let out = try JournalStream.open(identifier: identifier, priority: LOG_INFO, levelPrefix: true)
        do {
            let err = try JournalStream.open(identifier: identifier, priority: LOG_WARNING, levelPrefix: true)
            return ChildOutputDescriptors(stdout: out, stderr: err, closeAfterSpawn: [out, err])
        } catch {
            Glibc.close(out)
            throw error
        }
    }

    /// journald when it runs here, else prefixed lines on stderr plus `<run-dir>/logs/<component>.log`.
    static func current(runDirectory: String) -> any ChildOutput {
        JournalStream.isAvailable ? JournalChildOutput() : PrefixedStderrOutput(logDirectory: runDirectory + "/logs")
    }
}

/// The control socket's view of the supervisor. Actions return once they took effect, so the
/// client can report `restarted apiserver (pid 123 -> 456)`.
struct SupervisorControlHandler: ControlHandler {
    let supervisor: Supervisor
    var settleTimeout: Duration = .seconds(30)

    func status() async -> [SupervisorControl.ComponentStatus] {
        let start = supervisor.startTime
        return await supervisor.status().map { s in
            SupervisorControl.ComponentStatus(
                name: s.name, state: s.state.rawValue, pid: s.pid,
                startedAt: s.startedAt.map { start + Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 },
                restarts: s.restarts, lastExit: s.lastExit.map(Self.describe), ready: s.ready, healthy: s.healthy)
        }
    }

    func restart(_ component: String) async throws {
        let before = try await current(component)
        try await act { try await supervisor.restart(component) }
        try await settle(component) { $0.pid != nil && $0.pid != before.pid }
    }

    func stop(_ component: String) async throws {
        try await act { try await supervisor.stop(component) }
        try await settle(component) { $0.state == .stopped && $0.pid == nil }
    }

    func start(_ component: String) async throws {
        try await act { try await supervisor.start(component) }
        try await settle(component) { $0.pid != nil }
    }

    private func act(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw ControlError("\(error)")
        }
    }

    private func current(_ component: String) async throws -> Supervision.ComponentStatus {
        guard let status = await supervisor.status().first(where: { $0.name == component }) else {
            throw ControlError.unknownComponent(component, known: await supervisor.status().map(\.name))
        }
        return status
    }

    /// Polls until the component reaches the wanted state (the supervisor acts asynchronously).
    private func settle(_ component: String, _ done: (Supervision.ComponentStatus) -> Bool) async throws {
        let deadline = ContinuousClock.now + settleTimeout
        while ContinuousClock.now < deadline {
            if done(try await current(component)) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ControlError("\(component) did not settle within \(settleTimeout); see `swiftlet status`")
    }

    static func describe(_ exit: ExitStatus) -> String {
        switch exit {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal): "signal \(signal)"
        }
    }
}

/// The control handler before the supervisor exists (the socket is bound first): answers that the
/// server is still starting.
final class DeferredControlHandler: ControlHandler {
    private let handler = Mutex<SupervisorControlHandler?>(nil)

    func attach(_ handler: SupervisorControlHandler) { self.handler.withLock { $0 = handler } }

    private func current() throws -> SupervisorControlHandler {
        guard let handler = handler.withLock({ $0 }) else { throw ControlError("swiftlet is still starting; try again") }
        return handler
    }

    func status() async -> [SupervisorControl.ComponentStatus] { (try? await current().status()) ?? [] }
    func restart(_ component: String) async throws { try await current().restart(component) }
    func stop(_ component: String) async throws { try await current().stop(component) }
    func start(_ component: String) async throws { try await current().start(component) }
}
