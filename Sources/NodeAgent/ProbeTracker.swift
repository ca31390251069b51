import FoundationEssentials
import Glibc

/// What a probe reports for its container (upstream's `results.Result`).
public enum ProbeResult: String, Sendable, Equatable {
    case unknown, success, failure
}

/// The timing and threshold logic of one probe worker (upstream's `worker.doProbe`), for one
/// container instance (a restarted container gets a fresh tracker). Pure: the caller passes the
/// time and the container's state, runs the probe when told to and records its outcome.
///
/// ```
/// step(now) ─► .skip   (initial delay not over, waiting for the startup probe, or on hold)
///          ├► .stop    (a startup probe whose container has started: its work is done)
///          └► .probe ─► record(outcome) ─► result changes after `successThreshold`
///                                            successes or `failureThreshold` failures in a row
/// ```
/// A liveness or startup probe that reaches its failure threshold holds (stops probing): the
/// container is about to be killed, and its replacement has a tracker of its own.
public struct ProbeTracker: Sendable, Equatable {
    public enum Step: Sendable, Equatable { case skip, probe, stop }

    public let kind: ProbeKind
    public let spec: ProbeSpec
    /// The result the pod sees: readiness starts as failure (not ready until it succeeds),
    /// liveness as success, startup as unknown.
    public private(set) var result: ProbeResult
    public private(set) var onHold = false
    private var lastOutcome: ProbeResult = .unknown
    private var run: Int64 = 0

    public init(kind: ProbeKind, spec: ProbeSpec) {
        self.kind = kind
        self.spec = spec
        switch kind {
        case .readiness: result = .failure
        case .liveness: result = .success
        case .startup: result = .unknown
        }
    }

    /// What to do at `now` for a container running since `runningSince`; `started` says
    /// whether its startup probe (if any) has succeeded.
    public func step(now: Date, runningSince: Date, started: Bool) -> Step {
        if onHold { return .skip }
        if kind == .startup && started { return .stop }
        if now.timeIntervalSince(runningSince) < Double(spec.initialDelaySeconds) { return .skip }
        if kind != .startup && !started { return .skip }
        return .probe
    }

    /// Records one probe's outcome (`.unknown` for a probe that could not run, which is
    /// thrown away as upstream does); returns true when `result` changed.
    public mutating func record(_ outcome: ProbeResult) -> Bool {
        guard outcome != .unknown else { return false }
        if outcome == lastOutcome {
            run += 1
        } else {
            lastOutcome = outcome
            run = 1
        }
        if (outcome == .failure && run < spec.failureThreshold) || (outcome == .success && run < spec.successThreshold) {
            return false
        }
        let changed = result != outcome
        result = outcome
        if outcome == .failure && kind != .readiness {
            onHold = true
            run = 0
        }
        return changed
    }
}

/// client-go's event spam filter for the probe events of one object: a token bucket of
/// `burst` events refilled by one every `refill` (25 and 5 minutes upstream), so a probe
/// failing every second does not write an event every second. Pure.
public struct EventSpamFilter: Sendable {
    public var burst: Double
    public var refill: Duration
    private var buckets: [String: (tokens: Double, at: Date)] = [:]

    public init(burst: Int = 25, refill: Duration = .seconds(300)) {
        self.burst = Double(burst)
        self.refill = refill
    }

    /// Whether an event about `key` may be written at `now` (and takes its token if so).
    public mutating func allow(_ key: String, now: Date) -> Bool {
        let perSecond = 1 / max(0.001, Double(refill.components.seconds) + Double(refill.components.attoseconds) * 1e-18)
        var bucket = buckets[key] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * perSecond)
        bucket.at = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        return allowed
    }

    /// Forgets the buckets whose key starts with `prefix` (a pod that is gone).
    public mutating func forget(prefix: String) {
        buckets = buckets.filter { !$0.key.hasPrefix(prefix) }
    }
}
