import KubeAPI
import Synchronization
import struct FoundationEssentials.Date

/// Settings of a leader election on a `coordination.k8s.io/v1` Lease.
public struct LeaderElectionConfig: Sendable {
    public var leaseNamespace: String
    public var leaseName: String
    /// This candidate's identity (unique per process, e.g. hostname + random suffix).
    public var identity: String
    /// How long a lease is valid after its last observed change; others wait this long to take over.
    public var leaseDuration: Duration
    /// The leader gives up if it could not renew for this long (must be below `leaseDuration`).
    public var renewDeadline: Duration
    /// Time between acquire or renew attempts.
    public var retryPeriod: Duration
    /// Clear the holder on graceful stop so another candidate can take over at once.
    public var releaseOnCancel: Bool

    public init(leaseNamespace: String = "kube-system", leaseName: String, identity: String,
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10),
                retryPeriod: Duration = .seconds(2), releaseOnCancel: Bool = true) {
        self.leaseNamespace = leaseNamespace
        self.leaseName = leaseName
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.releaseOnCancel = releaseOnCancel
    }

    /// Problems that would make the election unsafe (empty when the config is usable).
    public var problems: [String] {
        var problems: [String] = []
        if identity.isEmpty { problems.append("identity must not be empty") }
        if leaseName.isEmpty { problems.append("lease name must not be empty") }
        if leaseDuration <= renewDeadline { problems.append("leaseDuration must be greater than renewDeadline") }
        if renewDeadline <= retryPeriod { problems.append("renewDeadline must be greater than retryPeriod") }
        if retryPeriod <= .zero { problems.append("retryPeriod must be positive") }
        return problems
    }
}

/// Leader election like client-go's `leaderelection` package, on a Lease:
/// - a candidate takes the lease when it has no holder, or when its record has not changed for
///   `leaseDuration` as observed on this process's monotonic clock (so clock skew between
///   machines does not matter);
/// - writes are optimistic (the lease's resourceVersion); a 409 means someone else won this round;
/// - the leader renews every `retryPeriod` and steps down if it could not renew within
///   `renewDeadline`, which is shorter than `leaseDuration`, so two candidates never lead at once;
/// - a graceful stop (task cancellation) clears the holder.
public final class LeaderElector: Sendable {
    struct Observation {
        var spec: JSON = .null
        var time: ContinuousClock.Instant?
        var leading = false
    }

    public let config: LeaderElectionConfig
    let client: any KubeAPIClient
    let now: @Sendable () -> Date
    let clock = ContinuousClock()
    let observed = Mutex(Observation())

    /// - Parameter now: wall clock for the lease's `acquireTime`/`renewTime` (injectable for tests).
    public init(client: any KubeAPIClient, config: LeaderElectionConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.config = config
        self.now = now
    }

    /// True while this candidate holds the lease.
    public var isLeader: Bool { observed.withLock { $0.leading } }

    /// The holder of the lease as last observed ("" when none).
    public var observedHolder: String {
        observed.withLock { $0.spec["holderIdentity"].stringValue ?? "" }
    }

    /// Campaigns until elected, then runs `onStartedLeading` while renewing the lease. Leadership
    /// ends when the lease cannot be renewed in time (the `onStartedLeading` task is cancelled),
    /// when `onStartedLeading` returns, or when the calling task is cancelled (the lease is then
    /// released). `onStoppedLeading` runs after leading ended; it is not called if this candidate
    /// never led. Throws `StatusError` (400) for an unusable configuration.
    public func run(onStartedLeading: @escaping @Sendable () async -> Void,
                    onStoppedLeading: @escaping @Sendable () -> Void = {}) async throws {
        if let problem = config.problems.first { throw StatusError.badRequest("leader election: \(problem)") }
        guard await acquire() else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await onStartedLeading() }
            group.addTask { await self.renewLoop() }
            await group.next()
            group.cancelAll()
        }
        observed.withLock { $0.leading = false }
        if config.releaseOnCancel {
            // An unstructured task: the caller's cancellation must not cancel the release request.
            await Task { await self.release() }.value
        }
        onStoppedLeading()
    }

    /// Tries `tryAcquireOrRenew` every `retryPeriod` (jittered) until it succeeds; false if cancelled.
    func acquire() async -> Bool {
        while !Task.isCancelled {
            if await tryAcquireOrRenew() { return true }
            let jitter = config.retryPeriod * Double.random(in: 0..<0.2)
            do { try await Task.sleep(for: config.retryPeriod + jitter) } catch { return false }
        }
        return false
    }

    /// Renews every `retryPeriod`; returns when a renewal did not succeed within `renewDeadline`
    /// or the task is cancelled.
    func renewLoop() async {
        var lastRenew = clock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: config.retryPeriod) } catch { return }
            let remaining = config.renewDeadline - (clock.now - lastRenew)
            let renewed = remaining > .zero ? await withRenewDeadline(remaining) { await self.tryAcquireOrRenew() } : nil
            if renewed == true {
                lastRenew = clock.now
            } else if clock.now - lastRenew >= config.renewDeadline {
                return
            } else if !observedHolder.isEmpty && observedHolder != config.identity {
                return  // someone else holds the lease now: stop at once rather than at the deadline
            }
        }
    }

    /// One attempt to create, take over or renew the lease; true when this candidate holds it afterwards.
    public func tryAcquireOrRenew() async -> Bool {
        let type = ResourceType.leases
        let ns = config.leaseNamespace
        let stamp = MicroTime.format(now())
        let lease: JSON
        do {
            lease = try await client.get(type, namespace: ns, name: config.leaseName, subresource: nil)
        } catch let error as StatusError where error.code == 404 {
            var spec = self.spec(holder: config.identity, acquired: stamp, renewed: stamp, transitions: 0)
            spec["leaseDurationSeconds"] = .int(wholeSeconds(config.leaseDuration))
            let object: JSON = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": .string(config.leaseName), "namespace": .string(ns)],
                "spec": spec,
            ]
            guard let created = try? await client.create(type, namespace: ns, object: object, subresource: nil) else {
                return false
            }
            observe(created["spec"], leading: true)
            return true
        } catch {
            return false
        }

        let old = lease["spec"]
        let holder = old["holderIdentity"].stringValue ?? ""
        let expiredOrMine: Bool = observed.withLock { o in
            if o.spec != old || o.time == nil {
                o.spec = old
                o.time = clock.now
            }
            if holder.isEmpty || holder == config.identity { return true }
            return clock.now - o.time! >= config.leaseDuration
        }
        guard expiredOrMine else {
            observed.withLock { $0.leading = false }
            return false
        }

        var updated = lease
        if holder == config.identity {
            var spec = old
            spec["renewTime"] = .string(stamp)
            spec["leaseDurationSeconds"] = .int(wholeSeconds(config.leaseDuration))
            if spec["acquireTime"].isNull { spec["acquireTime"] = .string(stamp) }
            updated["spec"] = spec
        } else {
            // A new holder: count the transition (a released lease counts too, as in client-go).
            let transitions = (old["leaseTransitions"].intValue ?? 0) + 1
            var spec = old.objectValue.map(JSON.object) ?? [:]
            for (key, value) in self.spec(holder: config.identity, acquired: stamp, renewed: stamp, transitions: transitions).objectValue ?? [:] {
                spec[key] = value
            }
            spec["leaseDurationSeconds"] = .int(wholeSeconds(config.leaseDuration))
            updated["spec"] = spec
        }
        // The PUT carries the resourceVersion we read: a concurrent writer makes it fail with 409.
        guard let written = try? await client.update(type, namespace: ns, object: updated, subresource: nil) else {
            return false
        }
        observe(written["spec"], leading: true)
        return true
    }

    /// Clears the holder if this candidate still holds the lease (best effort).
    public func release() async {
        let type = ResourceType.leases
        guard var lease = try? await client.get(type, namespace: config.leaseNamespace, name: config.leaseName, subresource: nil),
              lease["spec"]["holderIdentity"].stringValue == config.identity
        else { return }
        let stamp = MicroTime.format(now())
        var spec = lease["spec"]
        spec["holderIdentity"] = .null
        spec["leaseDurationSeconds"] = 1
        spec["renewTime"] = .string(stamp)
        spec["acquireTime"] = .string(stamp)
        lease["spec"] = spec
        if let written = try? await client.update(type, namespace: config.leaseNamespace, object: lease, subresource: nil) {
            observe(written["spec"], leading: false)
        }
    }

    private func spec(holder: String, acquired: String, renewed: String, transitions: Int64) -> JSON {
        ["holderIdentity": .string(holder), "acquireTime": .string(acquired), "renewTime": .string(renewed),
         "leaseTransitions": .int(transitions)]
    }

    private func observe(_ spec: JSON, leading: Bool) {
        observed.withLock { o in
            o.spec = spec
            o.time = clock.now
            o.leading = leading
        }
    }

    private func wholeSeconds(_ duration: Duration) -> Int64 {
        max(1, Int64(duration.fractionalSeconds.rounded(.up)))
    }
}

/// Runs `body`, giving up (nil) after `timeout`; the body's task is cancelled then.
func withRenewDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// `metav1.MicroTime` text: `2006-01-02T15:04:05.000000Z`.
public enum MicroTime {
    public static func format(_ date: Date) -> String {
        // Round to the nearest microsecond: a Double near 1.7e9 s carries ~0.2 µs of error, so
        // truncating would turn .000001 into .000000.
        let total = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (quotient, remainder) = total.quotientAndRemainder(dividingBy: 1_000_000)
        let whole = remainder < 0 ? quotient - 1 : quotient
        let micros = remainder < 0 ? remainder + 1_000_000 : remainder
        let seconds = String(Timestamp.format(Date(timeIntervalSince1970: Double(whole))).dropLast())
        let digits = String(micros)
        return seconds + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }
}
