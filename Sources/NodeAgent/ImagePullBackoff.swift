import FoundationEssentials
import Glibc

/// The kubelet's backoff between failed pulls of one image for one pod (upstream's
/// `flowcontrol.Backoff` keyed by pod UID and image): a failed pull arms `initial` (10 s), each
/// further failure doubles it up to `maximum` (300 s); while it runs the container waits in
/// `ImagePullBackOff` instead of pulling. A failure after more than twice `maximum` of quiet
/// starts over. Pure: the caller passes the time.
public struct ImagePullBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    /// The delay armed by the last failure; nil before any.
    public private(set) var delay: Duration?
    /// When the last pull failed.
    public private(set) var failedAt: Date?
    /// The last pull's error, shown in the `ImagePullBackOff` message.
    public private(set) var lastError = ""

    public init(initial: Duration = .seconds(10), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Records a failed pull at `now`.
    public mutating func failed(at now: Date, error: String) {
        if let delay, let failedAt, now.timeIntervalSince(failedAt) <= Self.seconds(maximum * 2) {
            self.delay = min(delay * 2, maximum)
        } else {
            delay = initial
        }
        failedAt = now
        lastError = error
    }

    /// When the next pull may start; nil when nothing failed.
    public var retryAt: Date? {
        guard let delay, let failedAt else { return nil }
        return failedAt.addingTimeInterval(Self.seconds(delay))
    }

    /// Whether a pull at `now` must wait.
    public func inBackoff(at now: Date) -> Bool {
        guard let retryAt else { return false }
        return now < retryAt
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
