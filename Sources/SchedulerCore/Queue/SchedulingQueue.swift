import FoundationEssentials

/// A cluster change that may make parked pods schedulable (upstream's cluster events).
public enum ClusterEvent: String, Sendable, Hashable {
    case nodeAdded, nodeUpdated, podDeleted, assignedPodUpdated, namespaceChanged
}

/// The scheduler's queue of pending pods, as upstream's `PriorityQueue`: an active queue ordered
/// by priority (higher first) then creation time, a backoff queue for pods that failed recently,
/// and an unschedulable pool of pods that wait for a cluster change.
///
/// A value type with an injected clock: every operation takes `now`, so tests drive time.
///
/// Life of a pod: `add` -> active -> `pop` (in flight) -> `done` (bound), or
/// `markUnschedulable` (no node fits: pool, or backoff when a cluster event arrived meanwhile),
/// or `markFailed` (an error such as a failed binding: backoff). `moveAllToActiveOrBackoff`
/// releases the pool on cluster events; pods also leave it after `maxUnschedulableDuration`.
public struct SchedulingQueue: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// Where a pod is.
    public enum Location: Sendable, Hashable { case active, backoff, unschedulable, inFlight }

    struct Entry: Sendable {
        /// The pod, boxed: `entries` keeps its capacity after a burst of pending pods (Swift
        /// dictionaries do not shrink), and an inline `PodInfo` made each bucket ~380 bytes
        /// (6 MB of buckets after 10,000 pods were created at once, BENCHMARKS.md).
        private var record: PodRecord
        var pod: PodInfo {
            get { record.info }
            set { record = PodRecord(newValue) }
        }
        var location: Location
        /// Scheduling attempts so far (counted at `pop`).
        var attempts = 0
        /// When the pod last came back from a failed attempt.
        var failedAt: Instant?
        var unschedulableSince: Instant?
        /// The scheduling cycle in which it was last popped.
        var cycle = 0
        /// Bumped on every move, so stale heap items are recognized.
        var generation = 0

        init(pod: PodInfo, location: Location) {
            self.record = PodRecord(pod)
            self.location = location
        }
    }

    public var initialBackoff: Duration = .seconds(1)
    public var maxBackoff: Duration = .seconds(10)
    /// Upstream's `podMaxInUnschedulablePodsDuration`.
    public var maxUnschedulableDuration: Duration = .seconds(300)

    private var entries: [String: Entry] = [:]
    /// Keys in the backoff queue or the pool, so time-based flushing does not scan every pod.
    private var waiting: Set<String> = []
    private var heap = ActiveHeap()
    private var sequence: UInt64 = 0
    private var schedulingCycle = 0
    /// The cycle in which the last cluster event arrived; pods popped before it that turn out
    /// unschedulable retry instead of parking, as the event may have been what they needed.
    private var moveRequestCycle = -1

    public init() {}

    /// Where the pod with this key is, if queued or in flight.
    public func location(of key: String) -> Location? { entries[key]?.location }

    /// Number of pods in each place.
    public var count: (active: Int, backoff: Int, unschedulable: Int, inFlight: Int) {
        var result = (active: 0, backoff: 0, unschedulable: 0, inFlight: 0)
        for entry in entries.values {
            switch entry.location {
            case .active: result.active += 1
            case .backoff: result.backoff += 1
            case .unschedulable: result.unschedulable += 1
            case .inFlight: result.inFlight += 1
            }
        }
        return result
    }

    /// Adds a new pending pod to the active queue (an update if already known).
    public mutating func add(_ pod: PodInfo, now: Instant) {
        if entries[pod.key] != nil { return update(pod, now: now) }
        entries[pod.key] = Entry(pod: pod, location: .active)
        push(pod.key)
    }

    /// A pending pod changed. Parked pods get another try (the change may be what they needed);
    /// pods in flight keep the newer object for their next attempt.
    public mutating func update(_ pod: PodInfo, now: Instant) {
        guard var entry = entries[pod.key] else { return add(pod, now: now) }
        let changed = entry.pod != pod
        entry.pod = pod
        entries[pod.key] = entry
        if entry.location == .active { push(pod.key) }  // priority may have changed
        if entry.location == .unschedulable && changed { release(pod.key, now: now) }
    }

    /// Forgets a pod (deleted, or bound by someone else).
    public mutating func delete(key: String) {
        entries[key] = nil
        waiting.remove(key)
    }

    /// The pod that was scheduled successfully is forgotten.
    public mutating func done(key: String) {
        entries[key] = nil
        waiting.remove(key)
    }

    /// Takes the next pod to schedule, after moving pods whose backoff ended (and pods parked for
    /// longer than `maxUnschedulableDuration`) to the active queue. Nil when nothing is ready.
    public mutating func pop(now: Instant) -> PodInfo? {
        flush(now: now)
        while let item = heap.popMin() {
            guard var entry = entries[item.key], entry.location == .active, entry.generation == item.generation else { continue }
            schedulingCycle += 1
            entry.location = .inFlight
            entry.attempts += 1
            entry.cycle = schedulingCycle
            entries[item.key] = entry
            return entry.pod
        }
        return nil
    }

    /// No node fits the popped pod: park it until a cluster event (or back off when an event
    /// arrived while it was being scheduled).
    public mutating func markUnschedulable(key: String, now: Instant) {
        guard var entry = entries[key] else { return }
        entry.failedAt = now
        if moveRequestCycle >= entry.cycle {
            entry.location = .backoff
        } else {
            entry.location = .unschedulable
            entry.unschedulableSince = now
        }
        entry.generation += 1
        entries[key] = entry
        waiting.insert(key)
    }

    /// Scheduling or binding failed for another reason: retry after the backoff.
    public mutating func markFailed(key: String, now: Instant) {
        guard var entry = entries[key] else { return }
        entry.failedAt = now
        entry.location = .backoff
        entry.generation += 1
        entries[key] = entry
        waiting.insert(key)
    }

    /// A cluster event: every parked pod moves to the active queue, or to the backoff queue when
    /// its backoff has not ended.
    public mutating func moveAllToActiveOrBackoff(event: ClusterEvent, now: Instant) {
        moveRequestCycle = schedulingCycle
        for key in waiting where entries[key]?.location == .unschedulable {
            release(key, now: now)
        }
    }

    /// The backoff after `attempts` attempts: 1 s doubling per attempt, at most 10 s.
    public func backoffDuration(attempts: Int) -> Duration {
        var duration = initialBackoff
        var n = 1
        while n < attempts && duration < maxBackoff {
            duration = duration * 2
            n += 1
        }
        return min(duration, maxBackoff)
    }

    /// When the next pod becomes ready by itself (backoff ends or the pool's time limit), so the
    /// driver knows how long it may sleep; nil when nothing is waiting on time.
    public func nextWakeup() -> Instant? {
        var earliest: Instant?
        for key in waiting {
            guard let entry = entries[key] else { continue }
            let at: Instant?
            switch entry.location {
            case .backoff: at = backoffExpiry(entry)
            case .unschedulable: at = entry.unschedulableSince.map { $0 + maxUnschedulableDuration }
            default: at = nil
            }
            if let at, earliest.map({ at < $0 }) ?? true { earliest = at }
        }
        return earliest
    }

    // MARK: - Internals

    private func backoffExpiry(_ entry: Entry) -> Instant? {
        entry.failedAt.map { $0 + backoffDuration(attempts: entry.attempts) }
    }

    private mutating func release(_ key: String, now: Instant) {
        guard var entry = entries[key] else { return }
        entry.unschedulableSince = nil
        if let expiry = backoffExpiry(entry), expiry > now {
            entry.location = .backoff
            entry.generation += 1
            entries[key] = entry
        } else {
            entries[key] = entry
            activate(key)
        }
    }

    private mutating func activate(_ key: String) {
        guard var entry = entries[key] else { return }
        entry.location = .active
        entries[key] = entry
        waiting.remove(key)
        push(key)
    }

    private mutating func push(_ key: String) {
        guard var entry = entries[key] else { return }
        entry.generation += 1
        entries[key] = entry
        sequence += 1
        heap.insert(ActiveHeap.Item(priority: entry.pod.priority,
                                    created: entry.pod.creationTimestamp ?? .distantFuture,
                                    sequence: sequence, key: key, generation: entry.generation))
    }

    private mutating func flush(now: Instant) {
        var ready: [String] = []
        for key in waiting {
            guard let entry = entries[key] else { continue }
            switch entry.location {
            case .backoff:
                if let expiry = backoffExpiry(entry), expiry > now { continue }
                ready.append(key)
            case .unschedulable:
                if let since = entry.unschedulableSince, since + maxUnschedulableDuration <= now { ready.append(key) }
            default: continue
            }
        }
        for key in ready {
            if entries[key]?.location == .unschedulable { release(key, now: now) } else { activate(key) }
        }
    }
}
