#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Supervisor {
    /// Bookkeeping before the state machine sees an event.
    func prepare(for event: Orchestrator.Event) {
        switch event {
        case .exited(let name, let status):
            guard let child = children.removeValue(forKey: name) else { return }
            // Anything the component left in its group goes with it.
            child.signalGroup(SIGKILL)
            pidFile(name).remove()
            if case .portFile(let path) = configuration.profile[name]?.port { unlink(path) }
            ports[name] = nil
            logger.info("\(name) exited (\(status))", metadata: ["pid": "\(child.pid)"])
        case .timer(let id):
            timers[id] = nil
        default:
            break
        }
    }

    func perform(_ actions: [Orchestrator.Action]) {
        for action in actions {
            switch action {
            case .spawn(let name):
                spawn(name)
            case .probeReady(let name):
                probe(name, ready: true)
            case .probeHealth(let name):
                probe(name, ready: false)
            case .signal(let name, let signal):
                children[name]?.signalGroup(signal)
            case .scheduleTimer(let id, let delay):
                let sink = self
                timers[id] = Task {
                    guard (try? await Task.sleep(for: delay)) != nil else { return }
                    sink.yield(.timer(id))
                }
            case .publishStatus(let text):
                logger.info("status: \(text)")
                notifier.status(text)
            case .log(let text):
                logger.warning("\(text)")
            case .notifyReady:
                notifier.ready()
                hooks.ready(ports)
            case .finished(let code):
                notifier.stopping()
                exitCode = code
            }
        }
        if machine.isFinished, exitCode == nil { exitCode = 1 }
    }

    private func spawn(_ name: String) {
        guard let spec = configuration.profile[name] else { return }
        do {
            let executable = try configuration.locateExecutable(spec.executableName)
            if case .portFile(let path) = spec.port { unlink(path) }
            var environment = ChildEnvironment.sanitized(configuration.environment)
            environment["SWIFTLET_COMPONENT"] = name
            environment.merge(spec.environment) { _, new in new }
            let descriptors = try output.descriptors(for: name)
            defer { descriptors.closeAfterSpawn.forEach { close($0) } }
            var arguments = spec.arguments
            if let option = spec.portArgument, let port = pinnedPorts[name] { arguments += [option, String(port)] }
            let child = try ChildProcess.spawn(
                executable: executable, arguments: arguments, environment: environment,
                stdout: descriptors.stdout, stderr: descriptors.stderr)
            children[name] = child
            do {
                try pidFile(name).write(child.pid)
            } catch {
                logger.warning("cannot write PID file \(pidFile(name).path): \(error)")
            }
            logger.info("started \(spec.executableName)", metadata: ["pid": "\(child.pid)"])
            if case .fixed(let port) = spec.port { ports[name] = port }
            yield(.started(name, pid: child.pid))
            let supervisor = self
            Task { supervisor.yield(.exited(name, await child.waitForExit())) }
        } catch {
            yield(.spawnFailed(name, message: "\(error)"))
        }
    }

    /// Probes `/readyz` (or `/healthz`) in a task of its own; a port-file component that has not
    /// reported its port yet is simply not ready.
    private func probe(_ name: String, ready: Bool) {
        guard let spec = configuration.profile[name] else { return }
        let report: @Sendable (Bool) -> Void = { [self] ok in
            yield(ready ? .readyProbe(name, ok: ok) : .healthProbe(name, ok: ok))
        }
        if case .unixSocket(let path) = spec.port {
            let timeout = configuration.probeTimeout
            Task { report(await UnixSocketProbe.accepts(path, timeout: timeout)) }
            return
        }
        guard let port = learnPort(spec) else {
            report(false)
            return
        }
        let probe = self.probe
        let host = configuration.probeHost
        let timeout = configuration.probeTimeout
        let path = ready ? spec.readinessPath : spec.healthPath
        let logger = self.logger
        Task {
            do {
                let status = try await probe.status(host: host, port: port, path: path, timeout: timeout)
                if status != 200 { logger.debug("\(name) \(path) answered \(status)") }
                report(status == 200)
            } catch {
                logger.debug("\(name) \(path): \(error)")
                report(false)
            }
        }
    }

    private func learnPort(_ spec: ComponentSpec) -> Int? {
        if let port = ports[spec.name] { return port }
        guard case .portFile(let path) = spec.port,
              let text = POSIXFile.readText(path), let port = Int(text.trimmedWhitespace), (1...65535).contains(port)
        else { return nil }
        do {
            try hooks.portLearned(spec.name, port)
        } catch {
            logger.warning("\(spec.name) reported port \(port), but: \(error)")
            return nil
        }
        ports[spec.name] = port
        pinnedPorts[spec.name] = port
        return port
    }
}
