/// The supervisor's decisions as a pure state machine: events in, actions out, time passed in.
///
/// ```
///  pending ──deps ready──▶ spawning ──started──▶ starting ──/readyz 200──▶ ready ◀─┐
///     ▲                       │                    │ ready timeout / exit     │    │ /healthz ok
///     │                       │ spawn failed       ▼                          ▼    │
///     └──────── timer ◀── backoff ◀──────────── (stopping) ◀── N failed probes / exit
///  stop request: SIGTERM ─▶ stopping ─(stop timeout: SIGKILL)─▶ exit ─▶ stopped
/// ```
/// Components start in profile order as soon as their dependencies are ready; a failed one is
/// restarted after a `RestartPolicy` delay. Dependents of a restarting component keep running
/// (they reconnect by themselves). Stop goes in reverse order, one component at a time.
/// All times are offsets on a monotonic clock; the supervisor turns `.scheduleTimer` into real
/// timers and feeds every outcome back as an `Event`.
public struct Orchestrator: Sendable {
    /// Tunables with the defaults.
    public struct Settings: Sendable, Equatable {
        public var healthInterval: Duration = .seconds(10)
        /// Consecutive failed health probes before a restart.
        public var healthFailureThreshold = 3
        /// Pause between readiness probes while a component starts.
        public var readyPollInterval: Duration = .milliseconds(50)
        public var restartPolicy = RestartPolicy()
        /// A critical component that fails this many times before it was ever ready stops the
        /// supervisor with exit code 1 (a start that cannot succeed, as before restarts existed).
        public var maxStartAttempts = 3

        public init() {}
    }

    public enum TimerKind: Sendable, Hashable {
        case readyPoll, readyTimeout, healthProbe, backoff, stopDeadline
    }

    /// A timer belongs to one run (generation) of a component, so a stale one is ignored.
    public struct TimerID: Sendable, Hashable {
        public var component: String
        public var kind: TimerKind
        public var generation: Int
    }

    public enum Event: Sendable, Equatable {
        case started(String, pid: Int32)
        case spawnFailed(String, message: String)
        case readyProbe(String, ok: Bool)
        case healthProbe(String, ok: Bool)
        case exited(String, ExitStatus)
        case timer(TimerID)
        case stopRequested
        case restartRequested(String)
        case stopComponentRequested(String)
        case startComponentRequested(String)
    }

    public enum Action: Sendable, Equatable {
        case spawn(String)
        case probeReady(String)
        case probeHealth(String)
        case signal(String, Int32)
        case scheduleTimer(TimerID, after: Duration)
        case publishStatus(String)
        /// A line for the log (warning level).
        case log(String)
        case notifyReady
        case finished(exitCode: Int32)
    }

    enum Phase: Equatable {
        case pending, spawning, starting, ready, backoff, stopping, stopped
    }

    struct Component {
        let spec: ComponentSpec
        var phase: Phase = .pending
        var generation = 0
        var pid: Int32?
        var startedAt: Duration?
        var restarts = 0
        var lastExit: ExitStatus?
        var healthFailures = 0
        var everReady = false
        var failuresBeforeReady = 0
        var tracker = RestartTracker()
        var crashLoop = false
        /// After the current process exits: true restarts it at once (a restart request).
        var restartAfterExit = false
        /// After the current process exits: true schedules a backoff restart (a failure).
        var failedWhileStopping = false
        /// Stopped on request: stays down, not counted against health.
        var heldDown = false
        var killed = false
    }

    public let settings: Settings
    var components: [Component]
    var random: SplitMix64
    var shuttingDown = false
    var exitCode: Int32 = 0
    var notifiedReady = false
    var finished = false
    var lastStatus: String?

    public init(profile: Profile, settings: Settings = Settings(), randomSeed: UInt64 = 0x5157_4946_544C_4554) {
        self.settings = settings
        self.components = profile.components.map { Component(spec: $0) }
        self.random = SplitMix64(seed: randomSeed)
    }

    /// True once `.finished` was returned.
    public var isFinished: Bool { finished }

    /// True when every critical component not held down on request is ready and healthy (the
    /// watchdog condition).
    public var isHealthy: Bool {
        !shuttingDown && components.allSatisfy { component in
            !component.spec.critical || component.heldDown || (component.phase == .ready && component.healthFailures == 0)
        }
    }

    /// The actions that begin supervision.
    public mutating func start(now: Duration) -> [Action] {
        var actions: [Action] = []
        startEligible(now: now, into: &actions)
        finish(into: &actions)
        return actions
    }

    /// Whether `name` is a component of the profile.
    public func contains(_ name: String) -> Bool { index(of: name) != nil }

    func index(of name: String) -> Int? { components.firstIndex { $0.spec.name == name } }

    func timer(_ index: Int, _ kind: TimerKind) -> TimerID {
        TimerID(component: components[index].spec.name, kind: kind, generation: components[index].generation)
    }
}
