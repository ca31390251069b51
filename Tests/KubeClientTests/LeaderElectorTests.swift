import Foundation
import KubeAPI
import Synchronization
import Testing
@testable import KubeClient

/// A settable wall clock for the lease timestamps.
private final class WallClock: Sendable {
    let date = Mutex(Date(timeIntervalSince1970: 1_700_000_000.25))
    func advance(_ seconds: Double) { date.withLock { $0 += seconds } }
    var now: @Sendable () -> Date { { self.date.withLock { $0 } } }
}

/// Who leads, at most how many at once, and in which order they started.
private final class Leadership: Sendable {
    let state = Mutex((current: 0, maximum: 0, starts: [String]()))
}

private func elector(_ api: FakeAPIClient, _ identity: String, lease: Duration = .seconds(2),
                     clock: WallClock = WallClock()) -> LeaderElector {
    LeaderElector(client: api, config: LeaderElectionConfig(
        leaseNamespace: "kube-system", leaseName: "swiftlet-controllers", identity: identity,
        leaseDuration: lease, renewDeadline: lease / 3, retryPeriod: lease / 12), now: clock.now)
}

private func lease(_ api: FakeAPIClient) async throws -> JSON {
    try await api.get(.leases, namespace: "kube-system", name: "swiftlet-controllers", subresource: nil)
}

@Suite struct LeaderElectorTests {
    @Test func acquiresByCreatingTheLease() async throws {
        let api = FakeAPIClient()
        let a = LeaderElector(client: api, config: LeaderElectionConfig(leaseName: "swiftlet-controllers", identity: "a"),
                              now: WallClock().now)
        #expect(await a.tryAcquireOrRenew())
        #expect(a.isLeader)
        let spec = try await lease(api)["spec"]
        #expect(spec["holderIdentity"] == "a")
        #expect(spec["leaseDurationSeconds"] == 15)
        #expect(spec["leaseTransitions"] == 0)
        #expect(spec["acquireTime"] == "2023-11-14T22:13:20.250000Z")
        #expect(spec["renewTime"] == spec["acquireTime"])
    }

    @Test func renewKeepsAcquireTimeAndPreservesUnknownFields() async throws {
        let api = FakeAPIClient()
        let clock = WallClock()
        let a = elector(api, "a", clock: clock)
        #expect(await a.tryAcquireOrRenew())
        var object = try await lease(api)
        object["metadata"]["labels"] = ["team": "infra"]
        object["spec"]["preferredHolder"] = "a"
        _ = try await api.update(.leases, namespace: "kube-system", object: object, subresource: nil)
        clock.advance(1.5)
        #expect(await a.tryAcquireOrRenew())
        let renewed = try await lease(api)
        #expect(renewed["spec"]["acquireTime"] == "2023-11-14T22:13:20.250000Z")
        #expect(renewed["spec"]["renewTime"] == "2023-11-14T22:13:21.750000Z")
        #expect(renewed["spec"]["leaseTransitions"] == 0)
        #expect(renewed["metadata"]["labels"]["team"] == "infra")
        #expect(renewed["spec"]["preferredHolder"] == "a")
    }

    @Test func takesOverOnlyAfterTheLeaseExpires() async throws {
        let api = FakeAPIClient()
        // Margins are wide: the suite shares two cores with server-backed tests.
        let a = elector(api, "a", lease: .seconds(4))
        let b = elector(api, "b", lease: .seconds(4))
        #expect(await a.tryAcquireOrRenew())
        let observed = ContinuousClock.now
        #expect(await b.tryAcquireOrRenew() == false)  // first observation starts b's timer
        #expect(b.observedHolder == "a")
        try await Task.sleep(for: .milliseconds(100))
        let early = await b.tryAcquireOrRenew()
        // Only meaningful while the lease cannot have expired yet on b's clock (a loaded CI
        // machine can stall this task for seconds).
        if ContinuousClock.now - observed < .seconds(3) { #expect(early == false) }
        try await Task.sleep(for: .milliseconds(4100))
        #expect(await b.tryAcquireOrRenew())
        let spec = try await lease(api)["spec"]
        #expect(spec["holderIdentity"] == "b")
        #expect(spec["leaseTransitions"] == 1)
        // The old leader sees the new holder and does not get it back.
        #expect(await a.tryAcquireOrRenew() == false)
        #expect(!a.isLeader)
    }

    @Test func conflictingWriteLosesTheRound() async throws {
        let api = FakeAPIClient()
        let a = elector(api, "a")
        #expect(await a.tryAcquireOrRenew())
        api.failUpdates { _ in StatusError.conflict("leases", group: "coordination.k8s.io", name: "swiftlet-controllers") }
        #expect(await a.tryAcquireOrRenew() == false)
        api.failUpdates(nil)
        #expect(await a.tryAcquireOrRenew())
    }

    @Test func staleResourceVersionIsRejected() async throws {
        let api = FakeAPIClient()
        let a = elector(api, "a")
        #expect(await a.tryAcquireOrRenew())
        let stale = try await lease(api)
        #expect(await a.tryAcquireOrRenew())
        await #expect(throws: StatusError.self) {
            _ = try await api.update(.leases, namespace: "kube-system", object: stale, subresource: nil)
        }
    }

    @Test func twoElectorsNeverLeadAtOnceAndStopReleasesTheLease() async throws {
        let api = FakeAPIClient()
        let leaders = Leadership()
        let stopped = Recorder()
        func candidate(_ name: String) -> Task<Void, any Error> {
            // A 5 s lease: with the 2 s one, a leader starved of CPU for two seconds by the
            // parallel test run lost its lease before it could notice (as any lease holder would).
            let e = elector(api, name, lease: .seconds(5))
            return Task {
                try await e.run(onStartedLeading: {
                    leaders.state.withLock { $0.current += 1; $0.maximum = max($0.maximum, $0.current); $0.starts.append(name) }
                    try? await Task.sleep(for: .seconds(60))  // "run controllers" until leadership ends
                    leaders.state.withLock { $0.current -= 1 }
                }, onStoppedLeading: { stopped.append(name) })
            }
        }
        let a = candidate("a"), b = candidate("b")
        #expect(await eventually { leaders.state.withLock { $0.current } == 1 })
        try await Task.sleep(for: .milliseconds(1500))  // several renew periods with both campaigning
        #expect(leaders.state.withLock { $0.maximum } == 1)
        let first = try #require(leaders.state.withLock { $0.starts.first })
        let (leaderTask, otherTask) = first == "a" ? (a, b) : (b, a)

        // A graceful stop releases the lease, so the other takes over without waiting for expiry.
        leaderTask.cancel()
        try await leaderTask.value
        #expect(stopped.all == [first])
        #expect(await eventually(.seconds(5)) { leaders.state.withLock { $0.starts.count } == 2 })
        #expect(leaders.state.withLock { $0.maximum } == 1)
        #expect(try await lease(api)["spec"]["leaseTransitions"] == 1)

        otherTask.cancel()
        try await otherTask.value
        let spec = try await lease(api)["spec"]
        #expect(spec["holderIdentity"] == .null)
        #expect(spec["leaseTransitions"] == 1)
        #expect(stopped.all.count == 2)
    }

    @Test func leaderThatCannotRenewStepsDownBeforeAnotherTakesOver() async throws {
        let api = FakeAPIClient()
        let events = Recorder()
        let a = elector(api, "a"), b = elector(api, "b")
        let taskA = Task {
            try await a.run(onStartedLeading: {
                events.append("a starts")
                try? await Task.sleep(for: .seconds(60))
                events.append("a stops")
            })
        }
        #expect(await eventually { a.isLeader })
        let taskB = Task {
            try await b.run(onStartedLeading: {
                events.append("b starts")
                try? await Task.sleep(for: .seconds(60))
            })
        }
        // Partition a: its renewals (and its release) fail from now on, so b must wait for expiry.
        let partitioned = ContinuousClock.now
        api.failUpdates { lease in
            lease["spec"]["holderIdentity"] == "b" ? nil : TransportError()
        }
        #expect(await eventually { events.all.count == 3 })
        #expect(events.all == ["a starts", "a stops", "b starts"])
        #expect(try await lease(api)["spec"]["holderIdentity"] == "b")
        #expect(try await lease(api)["spec"]["leaseTransitions"] == 1)
        #expect(ContinuousClock.now - partitioned >= .milliseconds(1800))  // not before the lease expired (less one retry period)
        taskA.cancel()
        taskB.cancel()
        _ = try await taskA.value
        _ = try await taskB.value
    }

    @Test(arguments: [
        LeaderElectionConfig(leaseName: "l", identity: ""),
        LeaderElectionConfig(leaseName: "", identity: "a"),
        LeaderElectionConfig(leaseName: "l", identity: "a", leaseDuration: .seconds(5), renewDeadline: .seconds(10)),
        LeaderElectionConfig(leaseName: "l", identity: "a", renewDeadline: .seconds(2), retryPeriod: .seconds(2)),
    ])
    func unusableConfigurationsAreRejected(config: LeaderElectionConfig) async {
        let api = FakeAPIClient()
        #expect(!config.problems.isEmpty)
        await #expect(throws: StatusError.self) {
            try await LeaderElector(client: api, config: config).run(onStartedLeading: {})
        }
        #expect(api.revision == 100)  // nothing written
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000000Z"),
        (1_700_000_000.000001, "2023-11-14T22:13:20.000001Z"),
        (1_700_000_000.5, "2023-11-14T22:13:20.500000Z"),
        (-0.5, "1969-12-31T23:59:59.500000Z"),
    ])
    func microTimeFormat(seconds: Double, text: String) {
        #expect(MicroTime.format(Date(timeIntervalSince1970: seconds)) == text)
    }
}
