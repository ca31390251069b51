import Glibc
import Testing
@testable import Supervision

/// Drives the state machine by hand: every event and every time value comes from the test.
struct Harness {
    var machine: Orchestrator
    var now: Duration = .zero
    var log: [Orchestrator.Action] = []
    var pids: [String: Int32] = [:]
    var nextPID: Int32 = 100

    init(_ specs: [ComponentSpec], settings: Orchestrator.Settings = quickSettings) throws {
        machine = Orchestrator(profile: try Profile(components: specs), settings: settings, randomSeed: 1)
    }

    static var quickSettings: Orchestrator.Settings {
        var settings = Orchestrator.Settings()
        settings.restartPolicy.jitter = 0
        return settings
    }

    @discardableResult mutating func start() -> [Orchestrator.Action] {
        let actions = machine.start(now: now)
        log += actions
        return actions
    }

    @discardableResult mutating func send(_ event: Orchestrator.Event) -> [Orchestrator.Action] {
        let actions = machine.handle(event, now: now)
        log += actions
        return actions
    }

    /// Answers the spawn of `name` with a PID.
    @discardableResult mutating func started(_ name: String) -> [Orchestrator.Action] {
        nextPID += 1
        pids[name] = nextPID
        return send(.started(name, pid: nextPID))
    }

    /// Spawned and ready.
    @discardableResult mutating func up(_ name: String) -> [Orchestrator.Action] {
        started(name)
        return send(.readyProbe(name, ok: true))
    }

    /// The most recent timer of `kind` scheduled for `name`.
    func timer(_ name: String, _ kind: Orchestrator.TimerKind) -> (Orchestrator.TimerID, Duration)? {
        for action in log.reversed() {
            if case .scheduleTimer(let id, let after) = action, id.component == name, id.kind == kind { return (id, after) }
        }
        return nil
    }

    /// Advances the clock to the timer and fires it.
    @discardableResult mutating func fire(_ name: String, _ kind: Orchestrator.TimerKind) -> [Orchestrator.Action] {
        guard let (id, after) = timer(name, kind) else { return [] }
        now += after
        return send(.timer(id))
    }

    func state(_ name: String) -> ComponentState? { machine.statuses().first { $0.name == name }?.state }
}

func spec(_ name: String, after dependencies: [String] = [], critical: Bool = true) -> ComponentSpec {
    ComponentSpec(name: name, executableName: "swiftlet-\(name)", port: .fixed(1), dependencies: dependencies,
                  stopTimeout: .seconds(5), readyTimeout: .seconds(30), critical: critical)
}

func spawns(_ actions: [Orchestrator.Action]) -> [String] {
    actions.compactMap { if case .spawn(let name) = $0 { name } else { nil } }
}

func signals(_ actions: [Orchestrator.Action]) -> [String] {
    actions.compactMap { if case .signal(let name, let signal) = $0 { "\(name):\(signal)" } else { nil } }
}

@Suite struct OrchestratorStartTests {
    @Test func startsInDependencyOrderWaitingForReadiness() throws {
        var h = try Harness([spec("apiserver"), spec("scheduler", after: ["apiserver"]), spec("controllers", after: ["apiserver"]),
                             spec("kubelet", after: ["scheduler"])])
        #expect(spawns(h.start()) == ["apiserver"])
        #expect(h.started("apiserver").contains(.probeReady("apiserver")))
        // Not ready yet: poll again, start nothing else.
        let notReady = h.send(.readyProbe("apiserver", ok: false))
        #expect(spawns(notReady).isEmpty)
        #expect(h.timer("apiserver", .readyPoll)?.1 == .milliseconds(50))
        #expect(h.fire("apiserver", .readyPoll) == [.probeReady("apiserver")])
        #expect(spawns(h.send(.readyProbe("apiserver", ok: true))) == ["scheduler", "controllers"])
        #expect(spawns(h.up("scheduler")) == ["kubelet"])
        h.up("controllers")
        #expect(!h.log.contains(.notifyReady))
        let last = h.up("kubelet")
        #expect(last.contains(.notifyReady))
        #expect(last.contains(.publishStatus("4/4 components ready")))
        // Only once.
        h.send(.healthProbe("kubelet", ok: true))
        #expect(h.log.filter { $0 == .notifyReady }.count == 1)
    }

    @Test func statusTextFollowsTheStart() throws {
        var h = try Harness([spec("apiserver")])
        #expect(h.start().contains(.publishStatus("0/1 components ready; waiting for apiserver")))
        #expect(h.up("apiserver").contains(.publishStatus("1/1 components ready")))
        #expect(h.machine.isHealthy)
    }

    @Test func emptyProfileIsReadyAtOnceAndStopsAtOnce() throws {
        var h = try Harness([])
        #expect(h.start().contains(.notifyReady))
        #expect(h.send(.stopRequested).contains(.finished(exitCode: 0)))
    }

    @Test func readinessTimeoutRestartsWithBackoff() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.started("apiserver")
        #expect(h.timer("apiserver", .readyTimeout)?.1 == .seconds(30))
        #expect(signals(h.fire("apiserver", .readyTimeout)) == ["apiserver:\(SIGTERM)"])
        #expect(h.state("apiserver") == .restarting)
        let exit = h.send(.exited("apiserver", .signaled(SIGTERM)))
        #expect(h.timer("apiserver", .backoff)?.1 == .milliseconds(100))
        #expect(spawns(exit).isEmpty)
        #expect(spawns(h.fire("apiserver", .backoff)) == ["apiserver"])
        #expect(h.machine.statuses()[0].restarts == 1)
    }

    @Test func criticalComponentThatNeverStartsStopsTheSupervisor() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        for attempt in 1...3 {
            h.started("apiserver")
            let actions = h.send(.exited("apiserver", .exited(1)))
            if attempt < 3 {
                #expect(spawns(h.fire("apiserver", .backoff)) == ["apiserver"])
            } else {
                #expect(actions.contains(.finished(exitCode: 1)))
            }
        }
        #expect(h.machine.isFinished)
    }

    @Test func staleTimersAreIgnored() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.started("apiserver")
        let (oldTimeout, _) = try #require(h.timer("apiserver", .readyTimeout))
        h.send(.readyProbe("apiserver", ok: true))
        #expect(h.send(.timer(oldTimeout)).isEmpty)
        #expect(h.state("apiserver") == .ready)
    }
}
