import Synchronization

/// A token bucket as client-go's flowcontrol uses: `burst` tokens, refilled at `qps` per second.
/// A request takes a token; without one it reserves the next and is told how long to wait, so
/// waiting callers are served in order and the long-run rate never exceeds `qps`.
struct TokenBucket: Sendable {
    let qps: Double
    let burst: Int
    private(set) var tokens: Double
    private var last: ContinuousClock.Instant

    init(qps: Double, burst: Int, now: ContinuousClock.Instant) {
        self.qps = qps
        self.burst = max(1, burst)
        self.tokens = Double(max(1, burst))
        self.last = now
    }

    /// Takes a token and returns how long the caller must wait before using it (zero if one was free).
    mutating func reserve(now: ContinuousClock.Instant) -> Duration {
        guard qps > 0 else { return .zero }
        if now > last {
            let elapsed = last.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(Double(burst), tokens + seconds * qps)
            last = now
        }
        tokens -= 1
        guard tokens < 0 else { return .zero }
        // Tokens below zero are reservations already handed out; this one waits for its turn.
        return .nanoseconds(Int64((-tokens / qps * 1e9).rounded(.up)))
    }
}

/// The bucket shared by all requests of one client.
final class RateLimiter: Sendable {
    private let bucket: Mutex<TokenBucket>

    init(qps: Double, burst: Int) {
        bucket = Mutex(TokenBucket(qps: qps, burst: burst, now: .now))
    }

    /// Waits for a token; throws `CancellationError` if the caller is cancelled while waiting.
    func acquire() async throws {
        let wait = bucket.withLock { $0.reserve(now: .now) }
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
