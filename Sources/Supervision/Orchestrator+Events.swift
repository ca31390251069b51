#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Duration {
    /// Whole milliseconds, for log lines.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Orchestrator {
    /// Applies `event` at time `now` and returns what to do.
    public mutating func handle(_ event: Event, now: Duration) -> [Action] {
        guard !finished else { return [] }
        var actions: [Action] = []
        switch event {
        case .started(let name, let pid):
            guard let i = index(of: name), components[i].phase == .spawning else { break }
            components[i].pid = pid
            components[i].startedAt = now
            components[i].healthFailures = 0
            if shuttingDown || components[i].heldDown {
                beginStop(i, into: &actions)
            } else {
                components[i].phase = .starting
                actions.append(.probeReady(name))
                actions.append(.scheduleTimer(timer(i, .readyTimeout), after: components[i].spec.readyTimeout))
            }
        case .spawnFailed(let name, let message):
            guard let i = index(of: name), components[i].phase == .spawning else { break }
            actions.append(.log("cannot start \(name): \(message)"))
            components[i].phase = .stopped
            failed(i, now: now, into: &actions)
        case .readyProbe(let name, let ok):
            guard let i = index(of: name), components[i].phase == .starting else { break }
            if ok {
                components[i].phase = .ready
                components[i].everReady = true
                components[i].failuresBeforeReady = 0
                components[i].crashLoop = false
                components[i].tracker.markReady(at: now)
                components[i].generation += 1  // cancels the start-up timers
                actions.append(.scheduleTimer(timer(i, .healthProbe), after: settings.healthInterval))
                startEligible(now: now, into: &actions)
            } else {
                actions.append(.scheduleTimer(timer(i, .readyPoll), after: settings.readyPollInterval))
            }
        case .healthProbe(let name, let ok):
            guard let i = index(of: name), components[i].phase == .ready else { break }
            if ok {
                components[i].healthFailures = 0
            } else {
                components[i].healthFailures += 1
                actions.append(.log("\(name) failed health probe \(components[i].healthFailures) of \(settings.healthFailureThreshold)"))
            }
            if components[i].healthFailures >= settings.healthFailureThreshold {
                actions.append(.log("\(name) is unhealthy; restarting it"))
                components[i].failedWhileStopping = true
                beginStop(i, into: &actions)
            } else {
                actions.append(.scheduleTimer(timer(i, .healthProbe), after: settings.healthInterval))
            }
        case .exited(let name, let status):
            guard let i = index(of: name) else { break }
            exited(i, status: status, now: now, into: &actions)
        case .timer(let id):
            guard let i = index(of: id.component), components[i].generation == id.generation else { break }
            fired(id.kind, i, now: now, into: &actions)
        case .stopRequested:
            guard !shuttingDown else { break }
            shuttingDown = true
            stopNext(into: &actions)
        case .restartRequested(let name):
            guard !shuttingDown, let i = index(of: name) else { break }
            components[i].heldDown = false
            switch components[i].phase {
            case .spawning, .starting, .ready:
                components[i].restartAfterExit = true
                beginStop(i, into: &actions)
            case .stopping:
                components[i].restartAfterExit = true
            case .backoff, .stopped, .pending:
                components[i].restarts += 1
                spawn(i, into: &actions)
            }
        case .stopComponentRequested(let name):
            guard !shuttingDown, let i = index(of: name) else { break }
            components[i].heldDown = true
            components[i].restartAfterExit = false
            components[i].failedWhileStopping = false
            switch components[i].phase {
            case .starting, .ready:
                beginStop(i, into: &actions)
            case .pending, .backoff:
                components[i].phase = .stopped
                components[i].generation += 1
            case .spawning, .stopping, .stopped:
                break  // `.started` stops a spawning one; the others are on their way down
            }
        case .startComponentRequested(let name):
            guard !shuttingDown, let i = index(of: name) else { break }
            components[i].heldDown = false
            if components[i].phase == .stopped {
                components[i].tracker.reset()
                components[i].crashLoop = false
                spawn(i, into: &actions)
            }
        }
        finish(into: &actions)
        return actions
    }

    private mutating func fired(_ kind: TimerKind, _ i: Int, now: Duration, into actions: inout [Action]) {
        let name = components[i].spec.name
        switch (kind, components[i].phase) {
        case (.readyPoll, .starting):
            actions.append(.probeReady(name))
        case (.readyTimeout, .starting):
            actions.append(.log("\(name) not ready within \(components[i].spec.readyTimeout); restarting it"))
            components[i].failedWhileStopping = true
            beginStop(i, into: &actions)
        case (.healthProbe, .ready):
            actions.append(.probeHealth(name))
        case (.backoff, .backoff):
            spawn(i, into: &actions)
        case (.stopDeadline, .stopping):
            actions.append(.log("\(name) did not stop within \(components[i].spec.stopTimeout); killing it"))
            components[i].killed = true
            if shuttingDown { exitCode = 1 }
            actions.append(.signal(name, SIGKILL))
        default:
            break  // a timer that outlived its purpose
        }
    }

    private mutating func exited(_ i: Int, status: ExitStatus, now: Duration, into actions: inout [Action]) {
        let name = components[i].spec.name
        let phase = components[i].phase
        guard [.spawning, .starting, .ready, .stopping].contains(phase) else { return }
        let intended = phase == .stopping
        components[i].pid = nil
        components[i].startedAt = nil
        components[i].lastExit = status
        components[i].generation += 1
        components[i].tracker.markNotReady()
        let restartNow = components[i].restartAfterExit
        let failure = !intended || components[i].failedWhileStopping
        components[i].restartAfterExit = false
        components[i].failedWhileStopping = false
        components[i].phase = .stopped

        if shuttingDown {
            let clean = status == .exited(0) || status == .signaled(SIGTERM) || (components[i].killed && status == .signaled(SIGKILL))
            if !clean || !intended {
                actions.append(.log("\(name) stopped with \(status)"))
                exitCode = 1
            }
            stopNext(into: &actions)
            return
        }
        if !intended { actions.append(.log("\(name) exited unexpectedly (\(status))")) }
        if restartNow {
            components[i].restarts += 1
            spawn(i, into: &actions)
        } else if failure, !components[i].heldDown {
            failed(i, now: now, into: &actions)
        }
    }

    /// A failed start or run: restart after backoff, or give up on a critical component that never
    /// became ready.
    private mutating func failed(_ i: Int, now: Duration, into actions: inout [Action]) {
        let name = components[i].spec.name
        if !components[i].everReady {
            components[i].failuresBeforeReady += 1
            if components[i].spec.critical, components[i].failuresBeforeReady >= settings.maxStartAttempts {
                actions.append(.log("\(name) failed to start \(components[i].failuresBeforeReady) times; giving up"))
                exitCode = 1
                shuttingDown = true
                stopNext(into: &actions)
                return
            }
        }
        let (delay, crashLoop) = components[i].tracker.recordFailure(
            at: now, policy: settings.restartPolicy, unit: random.unit())
        components[i].crashLoop = crashLoop
        components[i].phase = .backoff
        components[i].restarts += 1
        let loop = crashLoop ? " (crash loop)" : ""
        actions.append(.log("restarting \(name) in \(delay.milliseconds) ms\(loop)"))
        actions.append(.scheduleTimer(timer(i, .backoff), after: delay))
    }

    /// SIGTERM to the component's group and a deadline for SIGKILL.
    mutating func beginStop(_ i: Int, into actions: inout [Action]) {
        guard components[i].pid != nil else { return }
        components[i].phase = .stopping
        components[i].generation += 1
        components[i].killed = false
        actions.append(.signal(components[i].spec.name, SIGTERM))
        actions.append(.scheduleTimer(timer(i, .stopDeadline), after: components[i].spec.stopTimeout))
    }

    mutating func spawn(_ i: Int, into actions: inout [Action]) {
        components[i].phase = .spawning
        components[i].generation += 1
        components[i].healthFailures = 0
        actions.append(.spawn(components[i].spec.name))
    }

    /// Spawns pending components whose dependencies are all ready, in profile order.
    mutating func startEligible(now: Duration, into actions: inout [Action]) {
        guard !shuttingDown else { return }
        for i in components.indices where components[i].phase == .pending && !components[i].heldDown {
            let ready = components[i].spec.dependencies.allSatisfy { dependency in
                components.first { $0.spec.name == dependency }?.everReady ?? true
            }
            if ready { spawn(i, into: &actions) }
        }
    }

    /// During shutdown: stops the last running component (reverse order), one at a time; cancels
    /// pending starts; finishes when nothing runs.
    mutating func stopNext(into actions: inout [Action]) {
        for i in components.indices.reversed() {
            switch components[i].phase {
            case .stopping, .spawning:
                return  // wait for it
            case .starting, .ready:
                beginStop(i, into: &actions)
                return
            case .pending, .backoff:
                components[i].phase = .stopped
                components[i].generation += 1
            case .stopped:
                continue
            }
        }
    }

    /// Emits the status when it changed, `.notifyReady` once, and `.finished` when shutdown is done.
    mutating func finish(into actions: inout [Action]) {
        let text = statusText
        if text != lastStatus {
            lastStatus = text
            actions.append(.publishStatus(text))
        }
        if !notifiedReady, !shuttingDown,
           components.allSatisfy({ !$0.spec.critical || $0.phase == .ready || $0.heldDown }) {
            notifiedReady = true
            actions.append(.notifyReady)
        }
        if shuttingDown, components.allSatisfy({ $0.phase == .stopped }) {
            finished = true
            actions.append(.finished(exitCode: exitCode))
        }
    }
}
