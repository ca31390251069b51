extension Orchestrator {
    /// Every component's status; `now` is unused today but keeps the signature clock-driven.
    public func statuses() -> [ComponentStatus] {
        components.map { component in
            ComponentStatus(
                name: component.spec.name, state: state(of: component), pid: component.pid,
                startedAt: component.startedAt, restarts: component.restarts, lastExit: component.lastExit,
                ready: component.phase == .ready, healthy: component.phase == .ready && component.healthFailures == 0)
        }
    }

    func state(of component: Component) -> ComponentState {
        switch component.phase {
        case .pending, .spawning, .starting:
            return component.restarts > 0 && !component.everReady ? (component.crashLoop ? .crashLoop : .restarting) : .starting
        case .ready:
            return component.healthFailures > 0 ? .unhealthy : .ready
        case .backoff:
            return component.crashLoop ? .crashLoop : .restarting
        case .stopping:
            return component.restartAfterExit || component.failedWhileStopping ? .restarting : .stopping
        case .stopped:
            return .stopped
        }
    }

    /// The one-line summary for systemd's `STATUS=`, e.g. `1/1 components ready`,
    /// `0/1 components ready; waiting for apiserver`, `apiserver restarting (crash loop)`.
    public var statusText: String {
        if shuttingDown { return "stopping" }
        let ready = components.filter { $0.phase == .ready }.count
        var notes: [String] = []
        var waiting: [String] = []
        for component in components {
            let name = component.spec.name
            switch state(of: component) {
            case .ready: break
            case .starting: waiting.append(name)
            case .unhealthy: notes.append("\(name) unhealthy")
            case .restarting: notes.append("\(name) restarting")
            case .crashLoop: notes.append("\(name) restarting (crash loop)")
            case .stopping: notes.append("\(name) stopping")
            case .stopped: notes.append("\(name) stopped")
            }
        }
        if !notes.isEmpty, ready == 0, waiting.isEmpty { return notes.joined(separator: "; ") }
        var text = "\(ready)/\(components.count) components ready"
        if !waiting.isEmpty { text += "; waiting for " + waiting.joined(separator: ", ") }
        if !notes.isEmpty { text += "; " + notes.joined(separator: "; ") }
        return text
    }
}
