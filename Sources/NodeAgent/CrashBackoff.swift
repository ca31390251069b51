/// The kubelet's restart backoff of one container (CrashLoopBackOff). As upstream's
/// `flowcontrol.Backoff`: the first exit restarts at once and arms `initial`; every further exit
/// waits the armed delay and doubles it, up to `maximum`; a run of at least `resetAfter` starts
/// over. Pure: the caller passes how long the container ran and acts on the returned delay.
public struct CrashBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var resetAfter: Duration
    /// The delay the next exit will wait; nil before the first exit.
    public private(set) var armed: Duration?

    public init(initial: Duration = .seconds(10), maximum: Duration = .seconds(300), resetAfter: Duration = .seconds(600)) {
        self.initial = initial
        self.maximum = maximum
        self.resetAfter = resetAfter
    }

    /// Records an exit after the container ran for `ranFor`; returns how long to wait (counted
    /// from the exit) before restarting it.
    public mutating func exited(ranFor: Duration) -> Duration {
        if ranFor >= resetAfter { armed = nil }
        let wait = armed ?? .zero
        armed = armed.map { min($0 * 2, maximum) } ?? initial
        return wait
    }
}
