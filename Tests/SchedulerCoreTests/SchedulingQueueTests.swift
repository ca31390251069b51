import KubeAPI
import Testing
@testable import SchedulerCore

struct SchedulingQueueTests {
    let t0 = ContinuousClock.now

    @Test func ordersByPriorityThenCreationTime() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("low-old", priority: 0, created: "2024-01-01T00:00:00Z"), now: t0)
        queue.add(Fixture.podInfo("high-new", priority: 1000, created: "2024-01-03T00:00:00Z"), now: t0)
        queue.add(Fixture.podInfo("low-new", priority: 0, created: "2024-01-02T00:00:00Z"), now: t0)
        queue.add(Fixture.podInfo("high-old", priority: 1000, created: "2024-01-01T00:00:00Z"), now: t0)
        let order = (0..<4).compactMap { _ in queue.pop(now: t0)?.name }
        #expect(order == ["high-old", "high-new", "low-old", "low-new"])
        #expect(queue.pop(now: t0) == nil)
    }

    @Test func priorityUpdateReorders() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("a", created: "2024-01-01T00:00:00Z"), now: t0)
        queue.add(Fixture.podInfo("b", created: "2024-01-02T00:00:00Z"), now: t0)
        queue.update(Fixture.podInfo("b", priority: 5, created: "2024-01-02T00:00:00Z"), now: t0)
        #expect(queue.pop(now: t0)?.name == "b")
        #expect(queue.pop(now: t0)?.name == "a")
        #expect(queue.pop(now: t0) == nil)
    }

    @Test(arguments: [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (12, 10)])
    func backoffDoublesToTenSeconds(attempts: Int, seconds: Int) {
        #expect(SchedulingQueue().backoffDuration(attempts: attempts) == .seconds(seconds))
    }

    @Test func failedPodWaitsForBackoff() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("p"), now: t0)
        _ = queue.pop(now: t0)
        queue.markFailed(key: "default/p", now: t0)
        #expect(queue.location(of: "default/p") == .backoff)
        #expect(queue.nextWakeup() == t0 + .seconds(1))
        #expect(queue.pop(now: t0 + .milliseconds(999)) == nil)
        #expect(queue.pop(now: t0 + .seconds(1))?.name == "p")
        // Second failure: 2 s.
        queue.markFailed(key: "default/p", now: t0 + .seconds(1))
        #expect(queue.pop(now: t0 + .milliseconds(2999)) == nil)
        #expect(queue.pop(now: t0 + .seconds(3))?.name == "p")
    }

    @Test func unschedulableWaitsForAnEvent() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("p"), now: t0)
        _ = queue.pop(now: t0)
        queue.markUnschedulable(key: "default/p", now: t0)
        #expect(queue.location(of: "default/p") == .unschedulable)
        #expect(queue.pop(now: t0 + .seconds(60)) == nil)
        queue.moveAllToActiveOrBackoff(event: .nodeAdded, now: t0 + .seconds(60))
        #expect(queue.location(of: "default/p") == .active)
        #expect(queue.pop(now: t0 + .seconds(60))?.name == "p")
    }

    @Test func eventDuringBackoffGoesToBackoffQueue() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("p"), now: t0)
        _ = queue.pop(now: t0)
        queue.markUnschedulable(key: "default/p", now: t0)
        queue.moveAllToActiveOrBackoff(event: .podDeleted, now: t0 + .milliseconds(500))
        #expect(queue.location(of: "default/p") == .backoff)
        #expect(queue.pop(now: t0 + .milliseconds(600)) == nil)
        #expect(queue.pop(now: t0 + .seconds(1))?.name == "p")
    }

    @Test func unschedulableFlushedAfterFiveMinutes() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("p"), now: t0)
        _ = queue.pop(now: t0)
        queue.markUnschedulable(key: "default/p", now: t0)
        #expect(queue.nextWakeup() == t0 + .seconds(300))
        #expect(queue.pop(now: t0 + .seconds(299)) == nil)
        #expect(queue.pop(now: t0 + .seconds(300))?.name == "p")
    }

    @Test func eventWhileInFlightSkipsThePool() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("p"), now: t0)
        _ = queue.pop(now: t0)
        // A node was added while the pod was being scheduled against an older snapshot.
        queue.moveAllToActiveOrBackoff(event: .nodeAdded, now: t0)
        queue.markUnschedulable(key: "default/p", now: t0)
        #expect(queue.location(of: "default/p") == .backoff)
    }

    @Test func updateOfParkedPodRetriesIt() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("p"), now: t0)
        _ = queue.pop(now: t0)
        queue.markUnschedulable(key: "default/p", now: t0)
        queue.update(Fixture.podInfo("p", labels: ["fixed": "yes"]), now: t0 + .seconds(30))
        #expect(queue.pop(now: t0 + .seconds(30))?.labels == ["fixed": "yes"])
    }

    @Test func deleteAndDoneForget() {
        var queue = SchedulingQueue()
        queue.add(Fixture.podInfo("a"), now: t0)
        queue.add(Fixture.podInfo("b"), now: t0)
        queue.delete(key: "default/a")
        let popped = queue.pop(now: t0)
        #expect(popped?.name == "b")
        queue.done(key: "default/b")
        #expect(queue.location(of: "default/b") == nil)
        #expect(queue.pop(now: t0) == nil)
        #expect(queue.count.active == 0 && queue.count.inFlight == 0)
    }

    @Test func markingUnknownKeysIsHarmless() {
        var queue = SchedulingQueue()
        queue.markFailed(key: "nope/x", now: t0)
        queue.markUnschedulable(key: "nope/x", now: t0)
        #expect(queue.location(of: "nope/x") == nil)
        #expect(queue.nextWakeup() == nil)
    }
}
