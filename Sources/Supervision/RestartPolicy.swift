/// When to restart a failed component: capped exponential backoff with jitter, reset after a
/// stable period, and crash-loop detection. Pure: times and random numbers are passed in.
public struct RestartPolicy: Sendable, Equatable {
    /// Delay before the first restart.
    public var initialDelay: Duration
    /// Factor between consecutive delays.
    public var multiplier: Double
    /// Upper bound of a delay (before jitter).
    public var maxDelay: Duration
    /// Relative jitter: a delay d becomes a value in [d*(1-jitter), d*(1+jitter)].
    public var jitter: Double
    /// A component ready this long has its backoff reset.
    public var stableAfter: Duration
    /// This many restarts within `crashLoopWindow` is a crash loop.
    public var crashLoopRestarts: Int
    public var crashLoopWindow: Duration

    public init(
        initialDelay: Duration = .milliseconds(100), multiplier: Double = 2, maxDelay: Duration = .seconds(30),
        jitter: Double = 0.2, stableAfter: Duration = .seconds(60), crashLoopRestarts: Int = 5,
        crashLoopWindow: Duration = .seconds(120)
    ) {
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.stableAfter = stableAfter
        self.crashLoopRestarts = crashLoopRestarts
        self.crashLoopWindow = crashLoopWindow
    }

    /// The delay before restart number `attempt` (0-based) without jitter, capped.
    public func baseDelay(attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 0..<max(0, attempt) {
            delay = delay * multiplier
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    /// `baseDelay` with jitter; `unit` is a random value in [0, 1).
    public func delay(attempt: Int, unit: Double) -> Duration {
        let factor = 1 + jitter * (2 * min(max(unit, 0), 1) - 1)
        return baseDelay(attempt: attempt) * factor
    }
}

/// The restart history of one component, fed to `RestartPolicy`. Times are offsets on a monotonic
/// clock (the supervisor's start is zero).
public struct RestartTracker: Sendable, Equatable {
    /// Failures since the last reset; the next delay grows with it.
    public private(set) var consecutiveFailures = 0
    /// When restarts were scheduled, kept for the crash-loop window.
    public private(set) var restartTimes: [Duration] = []
    /// Since when the component has been ready (nil: not ready now).
    public private(set) var readySince: Duration?

    public init() {}

    public mutating func markReady(at now: Duration) {
        if readySince == nil { readySince = now }
    }

    public mutating func markNotReady() {
        readySince = nil
    }

    /// Records a failure at `now` and returns the delay before the restart, and whether the
    /// component is in a crash loop.
    public mutating func recordFailure(at now: Duration, policy: RestartPolicy, unit: Double) -> (delay: Duration, crashLoop: Bool) {
        if let readySince, now - readySince >= policy.stableAfter {
            // It ran well long enough: this failure starts a fresh sequence.
            consecutiveFailures = 0
        }
        readySince = nil
        let delay = policy.delay(attempt: consecutiveFailures, unit: unit)
        consecutiveFailures += 1
        restartTimes.append(now)
        restartTimes.removeAll { now - $0 > policy.crashLoopWindow }
        return (delay, isCrashLooping(at: now, policy: policy))
    }

    /// True when at least `crashLoopRestarts` restarts happened within the window before `now`.
    public func isCrashLooping(at now: Duration, policy: RestartPolicy) -> Bool {
        restartTimes.filter { now - $0 <= policy.crashLoopWindow }.count >= policy.crashLoopRestarts
    }

    /// Forgets the history (a component started again by hand).
    public mutating func reset() {
        self = RestartTracker()
    }
}

/// A small deterministic random generator (SplitMix64), so the state machine stays a value type
/// and tests can fix the jitter.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
