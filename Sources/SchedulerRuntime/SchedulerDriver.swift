import ComponentKit
import FoundationEssentials
import KubeAPI
import KubeClient
import Logging
import SchedulerCore
import Synchronization

/// Tunables of the driver (defaults are upstream's).
public struct SchedulerOptions: Sendable {
    /// Pods whose `spec.schedulerName` is this are ours.
    public var schedulerName = "default-scheduler"
    /// Backoff of a pod after a failed attempt: doubles per attempt from `initialBackoff` up to `maxBackoff`.
    public var initialBackoff: Duration = .seconds(1)
    public var maxBackoff: Duration = .seconds(10)
    /// Unschedulable pods are retried after this long even without a cluster event.
    public var maxUnschedulableDuration: Duration = .seconds(300)
    /// Bindings (and their events) in flight at once; the next decisions do not wait for them.
    public var maxConcurrentBindings = 16
    /// Upstream's `percentageOfNodesToScore` (nil: adaptive).
    public var percentageOfNodesToScore: Int?

    public init() {}
}

/// The scheduler process's engine: informers on pods, nodes, namespaces and priority classes feed a
/// `SchedulerState`; one loop pops pods, decides with `Scheduler`, and performs the writes
/// (binding, events, the PodScheduled condition).
///
/// Use: `startInformers()` (returns once caches synced), then `runSchedulingLoop()` while leading.
public final class SchedulerDriver: Sendable {
    public let client: any KubeAPIClient
    public let options: SchedulerOptions
    let factory: SharedInformerFactory
    let recorder: EventRecorder
    let logger: Logger
    let state: Mutex<SchedulerState>
    let wakeup = Wakeup()
    /// Writes in flight, and the signal that one finished.
    let inFlight = Mutex(0)
    let slotFreed = Wakeup()
    let clock = ContinuousClock()
    /// Wall clock for condition timestamps (injectable for tests).
    let now: @Sendable () -> Date

    public init(client: any KubeAPIClient, options: SchedulerOptions = SchedulerOptions(), logger: Logger,
                informerBackoff: ExponentialBackoff = .reflectorDefault, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.options = options
        self.logger = logger
        self.now = now
        self.factory = SharedInformerFactory(client: client, backoff: informerBackoff)
        self.recorder = EventRecorder(client: client, component: options.schedulerName, logger: logger)
        var initial = SchedulerState(schedulerName: options.schedulerName,
                                     scheduler: Scheduler(percentageOfNodesToScore: options.percentageOfNodesToScore))
        initial.queue.initialBackoff = options.initialBackoff
        initial.queue.maxBackoff = options.maxBackoff
        initial.queue.maxUnschedulableDuration = options.maxUnschedulableDuration
        self.state = Mutex(initial)
    }

    /// Reads the state under its lock (for tests and status reporting).
    public func withState<T>(_ body: (SchedulerState) -> T) -> T {
        state.withLock { body($0) }
    }

    // MARK: Informers

    /// Registers the handlers and starts the informers: priority classes first (so queued pods get
    /// their class's priority), then nodes and namespaces, then pods. Returns true once every cache
    /// has synced, false if cancelled first. Call once.
    public func startInformers() async -> Bool {
        let classes = factory.informer(for: .priorityClasses)
        classes.addEventHandler(ResourceEventHandler(
            onAdd: { [self] object in state.withLock { $0.applyPriorityClass(object) } },
            onUpdate: { [self] _, object in state.withLock { $0.applyPriorityClass(object) } },
            onDelete: { [self] object in state.withLock { $0.removePriorityClass(object) } }))
        classes.start()
        guard await classes.waitForSync() else { return false }

        let nodes = factory.informer(for: .nodes)
        nodes.cache.setTransform(CacheProjections.node)
        nodes.addEventHandler(ResourceEventHandler(
            onAdd: { [self] object in update { $0.applyNode(object, now: $1) } },
            onUpdate: { [self] old, object in update { $0.applyNode(object, old: old, now: $1) } },
            onDelete: { [self] object in state.withLock { $0.removeNode(object) } }))
        let namespaces = factory.informer(for: .namespaces)
        namespaces.addEventHandler(ResourceEventHandler(
            onAdd: { [self] object in update { $0.applyNamespace(object, now: $1) } },
            onUpdate: { [self] old, object in update { $0.applyNamespace(object, old: old, now: $1) } },
            onDelete: { [self] object in state.withLock { $0.removeNamespace(object) } }))
        nodes.start()
        namespaces.start()
        guard await nodes.waitForSync(), await namespaces.waitForSync() else { return false }

        let pods = factory.informer(for: .pods)
        pods.cache.setTransform(CacheProjections.pod)
        // Pods as compact text: the cache only serves the writes after a decision (BENCHMARKS.md).
        pods.cache.setStorage(.text)
        pods.addEventHandler(ResourceEventHandler(
            onAdd: { [self] object in update { $0.applyPod(object, now: $1) } },
            onUpdate: { [self] old, object in update { $0.applyPod(object, old: old, now: $1) } },
            onDelete: { [self] object in update { $0.removePod(object, now: $1) } }))
        pods.start()
        return await factory.waitForCacheSync()
    }

    /// Stops every informer.
    public func stopInformers() {
        factory.shutdown()
    }

    /// Applies an event under the lock and wakes the loop when it may have work.
    private func update(_ body: (inout SchedulerState, SchedulerState.Instant) -> Bool) {
        let now = clock.now
        if state.withLock({ body(&$0, now) }) { wakeup.signal() }
    }

    /// The latest informer copy of a pod (nil when it is gone).
    func cachedPod(key: String) -> JSON? {
        factory.informer(for: .pods).cache.get(key: key)
    }

    // MARK: The scheduling loop

    /// Schedules pods until the task is cancelled. Decisions are made one at a time under the
    /// state's lock; their writes run concurrently (at most `maxConcurrentBindings`), so the next
    /// decision does not wait for the API server. Returns after the writes in flight finished.
    public func runSchedulingLoop() async {
        let cap = max(1, options.maxConcurrentBindings)
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                while inFlight.withLock({ $0 }) >= cap && !Task.isCancelled {
                    await slotFreed.wait(until: nil)
                }
                let decision = state.withLock { $0.scheduleNext(now: clock.now) }
                guard let decision else {
                    let next = state.withLock { $0.queue.nextWakeup() }
                    await wakeup.wait(until: next)
                    continue
                }
                inFlight.withLock { $0 += 1 }
                group.addTask { [self] in
                    defer {
                        inFlight.withLock { $0 -= 1 }
                        slotFreed.signal()
                    }
                    switch decision {
                    case .bind(let pod, let node): await bind(pod, to: node)
                    case .unschedulable(let pod, let error): await reportUnschedulable(pod, error)
                    }
                }
            }
        }
    }
}
