#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// Runs an `Orchestrator` with real processes, probes and timers.
///
/// Everything that happens concurrently (a child's exit, a probe's answer, a timer, a request from
/// the control socket or a signal) arrives as an event on one stream and is decided by the state
/// machine in one place; this actor only carries out the actions. The control socket calls
/// `status()`, `restart(_:)`, `stop(_:)` and `start(_:)` while `run()` is in progress.
public actor Supervisor {
    public struct Configuration: Sendable {
        public var profile: Profile
        /// Where PID files go (`<run-dir>/<name>.pid`).
        public var runDirectory: String
        public var settings: Orchestrator.Settings
        /// The environment children start from (sanitized, then marked).
        public var environment: [String: String]
        /// Host the health endpoints are probed on.
        public var probeHost: String
        public var probeTimeout: Duration
        /// Finds a component's executable by name.
        public var locateExecutable: @Sendable (String) throws -> String
        /// Seed of the restart jitter.
        public var randomSeed: UInt64

        public init(
            profile: Profile, runDirectory: String, settings: Orchestrator.Settings = .init(),
            environment: [String: String] = currentEnvironment(), probeHost: String = "127.0.0.1",
            probeTimeout: Duration = .seconds(2),
            locateExecutable: @escaping @Sendable (String) throws -> String = { name in
                try ExecutableLocator.locate(name, selfExecutable: ExecutableLocator.currentExecutable())
            },
            randomSeed: UInt64 = UInt64.random(in: 0...UInt64.max)
        ) {
            self.profile = profile
            self.runDirectory = runDirectory
            self.settings = settings
            self.environment = environment
            self.probeHost = probeHost
            self.probeTimeout = probeTimeout
            self.locateExecutable = locateExecutable
            self.randomSeed = randomSeed
        }
    }

    /// Callbacks for the command that runs the supervisor.
    public struct Hooks: Sendable {
        /// A component reported its port through its port file (called on every start).
        public var portLearned: @Sendable (_ component: String, _ port: Int) throws -> Void
        /// Every critical component is ready (once), with the ports known so far.
        public var ready: @Sendable (_ ports: [String: Int]) -> Void

        public init(portLearned: @escaping @Sendable (String, Int) throws -> Void = { _, _ in },
                    ready: @escaping @Sendable ([String: Int]) -> Void = { _ in }) {
            self.portLearned = portLearned
            self.ready = ready
        }
    }

    enum Input: Sendable {
        case event(Orchestrator.Event)
        case watchdogTick
    }

    let configuration: Configuration
    let probe: any HealthProbing
    let notifier: any ServiceNotifier
    let output: any ChildOutput
    let hooks: Hooks
    let logger: Logger
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant
    /// Wall-clock time of the supervisor's start (seconds since the epoch); `ComponentStatus.startedAt`
    /// counts from here.
    public nonisolated let startTime = wallClockSeconds()

    var machine: Orchestrator
    var children: [String: ChildProcess] = [:]
    var ports: [String: Int] = [:]
    /// Ports port-file components reported once; restarts are asked to bind them again.
    var pinnedPorts: [String: Int] = [:]
    var timers: [Orchestrator.TimerID: Task<Void, Never>] = [:]
    var exitCode: Int32?
    private let inputs: AsyncStream<Input>
    private let sink: AsyncStream<Input>.Continuation

    public init(configuration: Configuration, probe: any HealthProbing, notifier: any ServiceNotifier = NoServiceNotifier(),
                output: any ChildOutput = PrefixedStderrOutput(), hooks: Hooks = Hooks(),
                logger: Logger = Logger(label: "swiftlet.supervisor")) {
        self.configuration = configuration
        self.probe = probe
        self.notifier = notifier
        self.output = output
        self.hooks = hooks
        self.logger = logger
        self.origin = clock.now
        self.machine = Orchestrator(profile: configuration.profile, settings: configuration.settings,
                                    randomSeed: configuration.randomSeed)
        (inputs, sink) = AsyncStream<Input>.makeStream()
    }

    /// Cleans up stale processes, starts the profile and supervises it until `requestStop()` and
    /// every child has been reaped. Returns the exit code: 0, or 1 when a child had to be killed,
    /// stopped badly or could never start.
    public func run() async -> Int32 {
        await cleanUpStaleProcesses()
        let watchdog = startWatchdog()
        defer { watchdog?.cancel() }
        perform(machine.start(now: elapsed))
        if let exitCode { return finish(exitCode) }
        for await input in inputs {
            switch input {
            case .event(let event):
                prepare(for: event)
                perform(machine.handle(event, now: elapsed))
            case .watchdogTick:
                if machine.isHealthy { notifier.watchdog() }
            }
            if let exitCode { return finish(exitCode) }
        }
        return finish(1)
    }

    /// Stops every component in reverse order; `run()` returns when all are reaped.
    public nonisolated func requestStop() {
        sink.yield(.event(.stopRequested))
    }

    /// Every component's status, in profile order.
    public func status() -> [ComponentStatus] { machine.statuses() }

    /// The port a component's endpoints listen on, once known.
    public func port(of component: String) -> Int? { ports[component] }

    /// Restarts one component (SIGTERM, then start again at once); starts it if it is stopped.
    public func restart(_ component: String) throws {
        try request(.restartRequested(component), component)
    }

    /// Stops one component; it stays down (and out of health checks) until `start(_:)`.
    public func stop(_ component: String) throws {
        try request(.stopComponentRequested(component), component)
    }

    /// Starts a component stopped with `stop(_:)`; does nothing for a running one.
    public func start(_ component: String) throws {
        try request(.startComponentRequested(component), component)
    }

    private func request(_ event: Orchestrator.Event, _ component: String) throws {
        guard machine.contains(component) else {
            throw SupervisionError.unknownComponent(component, known: configuration.profile.names)
        }
        sink.yield(.event(event))
    }

    var elapsed: Duration { clock.now - origin }

    func pidFile(_ component: String) -> PIDFile {
        PIDFile(path: configuration.runDirectory + "/\(component).pid")
    }

    private func finish(_ code: Int32) -> Int32 {
        timers.values.forEach { $0.cancel() }
        timers.removeAll()
        sink.finish()
        return code
    }

    private func cleanUpStaleProcesses() async {
        let cleanup = StaleProcessCleanup()
        for spec in configuration.profile.components.reversed() {
            let outcome = await cleanup.clean(pidFile: pidFile(spec.name), executableName: spec.executableName,
                                              stopTimeout: spec.stopTimeout)
            switch outcome {
            case .noPIDFile: break
            case .removedStaleFile(let pid):
                logger.info("removed stale PID file of \(spec.name)", metadata: ["pid": "\(pid.map(String.init) ?? "?")"])
            case .stopped(let pid, let killed):
                logger.warning("stopped \(spec.name) left over from an earlier run\(killed ? " (killed)" : "")",
                               metadata: ["pid": "\(pid)"])
            }
        }
    }

    private func startWatchdog() -> Task<Void, Never>? {
        guard let interval = notifier.watchdogInterval, interval > .zero else { return nil }
        let sink = self.sink
        return Task {
            while (try? await Task.sleep(for: interval)) != nil {
                sink.yield(.watchdogTick)
            }
        }
    }

    nonisolated func yield(_ event: Orchestrator.Event) {
        sink.yield(.event(event))
    }
}
