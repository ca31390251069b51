/// Capped, jittered exponential backoff as a value type: `next()` returns the delay before the
/// next attempt and doubles the base; `reset()` after a success. Like client-go's reflector
/// backoff (800 ms initial, 30 s cap, jitter 1.0: each delay is drawn from [base, base * (1 + jitter))).
public struct ExponentialBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var factor: Double
    /// Fraction of the base added at random (0 disables jitter).
    public var jitter: Double
    /// The base of the next delay (before jitter).
    public private(set) var current: Duration
    /// Failures since the last `reset()`.
    public private(set) var failures: Int = 0

    public init(initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30),
                factor: Double = 2, jitter: Double = 1) {
        // Bad configuration degrades to something sane rather than trapping.
        let initial = initial > .zero ? initial : .milliseconds(1)
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.factor = factor >= 1 ? factor : 1
        self.jitter = max(jitter, 0)
        self.current = initial
    }

    /// The reflector's default: 800 ms doubling to 30 s, full jitter.
    public static let reflectorDefault = ExponentialBackoff()

    /// The delay before the next attempt; advances the backoff. `random` returns a value in [0, 1).
    public mutating func next(random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        let base = current
        failures += 1
        current = min(base * factor, maximum)
        // As in apimachinery's wait.ExponentialBackoff, jitter goes on top of the capped base, so delays
        // stay spread out even at the cap (at most `maximum * (1 + jitter)`).
        let r = min(max(random(), 0), 1)
        return base + base * (jitter * r)
    }

    public mutating func reset() {
        current = initial
        failures = 0
    }
}
