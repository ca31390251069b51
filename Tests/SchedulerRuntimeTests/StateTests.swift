import Foundation
import KubeAPI
import SchedulerCore
import Testing
@testable import SchedulerRuntime

@Suite struct PriorityResolverTests {
    static let classes = [priorityClass("high", value: 1000), priorityClass("default", value: 50, globalDefault: true),
                          priorityClass("huge", value: 5_000_000_000)]

    @Test(arguments: [
        (pod("a", priority: 7), Int64(7)),                                   // spec.priority wins
        (pod("b", priority: 7, priorityClassName: "high"), Int64(7)),
        (pod("c", priorityClassName: "high"), Int64(1000)),                  // resolved from the class
        (pod("d"), Int64(50)),                                               // global default
        (pod("e", priorityClassName: "missing"), Int64(50)),                 // unknown class: as none
        (pod("f", priorityClassName: "huge"), Int64(Int32.max)),             // clamped to int32
    ])
    func resolves(pod: JSON, expected: Int64) {
        #expect(PriorityResolver(classes: Self.classes).priority(of: pod) == expected)
    }

    @Test func withoutAnyClassPriorityIsZero() {
        #expect(PriorityResolver().priority(of: pod("x")) == 0)
    }

    @Test func malformedClassesAreIgnoredAndRemovalWorks() {
        var resolver = PriorityResolver(classes: [["metadata": ["name": "novalue"]], ["value": 3], .null])
        #expect(resolver.values.isEmpty)
        resolver.upsert(priorityClass("d", value: 9, globalDefault: true))
        #expect(resolver.priority(of: pod("x")) == 9)
        resolver.remove(named: "d")
        #expect(resolver.priority(of: pod("x")) == 0)
    }
}

@Suite struct SchedulerStateTests {
    let now = ContinuousClock().now

    @Test func assumedPodIsNotQueuedAgainByAnUpdateOfTheUnboundObject() {
        var state = SchedulerState()
        state.applyNode(node("n1", cpu: "1"), now: now)
        state.applyPod(pod("p", cpu: "1"), now: now)
        let decision = state.scheduleNext(now: now)
        guard case .bind(_, let target) = decision else {
            Issue.record("expected a binding")
            return
        }
        #expect(target == "n1")
        #expect(state.snapshot.pod(key: "default/p")?.nodeName == "n1")
        // A status update of the still-unbound pod arrives before the binding's update.
        #expect(state.applyPod(pod("p", cpu: "1"), now: now) == false)
        #expect(state.queue.location(of: "default/p") == .inFlight)
        #expect(state.snapshot.pod(key: "default/p")?.nodeName == "n1")
        state.bindSucceeded(key: "default/p")
        state.applyPod(pod("p", cpu: "1", nodeName: "n1"), now: now)
        #expect(state.assumed.isEmpty)
        #expect(state.queue.location(of: "default/p") == nil)
        #expect(state.snapshot.pod(key: "default/p")?.nodeName == "n1")
    }

    @Test func failedBindingFreesTheAssumedResources() {
        var state = SchedulerState()
        state.applyNode(node("n1", cpu: "1"), now: now)
        state.applyPod(pod("p", cpu: "1"), now: now)
        let decision = state.scheduleNext(now: now)
        #expect(decision != nil)
        state.bindFailed(key: "default/p", retry: true, now: now)
        #expect(state.snapshot.pod(key: "default/p") == nil)
        #expect(state.queue.location(of: "default/p") == .backoff)
    }

    @Test func nodeHeartbeatDoesNotReleaseParkedPodsButACapacityChangeDoes() {
        var state = SchedulerState()
        let small = node("n1", cpu: "1")
        state.applyNode(small, now: now)
        state.applyPod(pod("p", cpu: "2"), now: now)
        let decision = state.scheduleNext(now: now)
        guard case .unschedulable(_, let error) = decision else {
            Issue.record("expected unschedulable")
            return
        }
        #expect(error.message.hasPrefix("0/1 nodes are available: 1 Insufficient cpu."))
        var heartbeat = small
        heartbeat["status"]["conditions"] = [["type": "Ready", "status": "True", "lastHeartbeatTime": "2024-01-01T00:00:10Z"]]
        #expect(state.applyNode(heartbeat, old: small, now: now) == false)
        #expect(state.queue.location(of: "default/p") == .unschedulable)
        #expect(state.applyNode(node("n1", cpu: "2"), old: heartbeat, now: now) == true)
        #expect(state.queue.location(of: "default/p") != .unschedulable)
    }

    @Test(arguments: [
        pod("deleting"), pod("gated"), pod("other", schedulerName: "x"), pod("", cpu: "1"),
    ])
    func podsThatAreNotOursAreNotQueued(_ json: JSON) {
        var object = json
        if object[path: ["metadata", "name"]] == "deleting" { object["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z" }
        if object[path: ["metadata", "name"]] == "gated" { object["spec"]["schedulingGates"] = [["name": "wait"]] }
        var state = SchedulerState()
        #expect(state.applyPod(object, now: now) == false)
        #expect(state.queue.count.active == 0)
    }

    @Test func malformedObjectsAreIgnored() {
        var state = SchedulerState()
        #expect(state.applyPod(.null, now: now) == false)
        #expect(state.applyPod(["metadata": 5], now: now) == false)
        #expect(state.applyNode(.string("x"), now: now) == false)
        state.removeNode(.null)
        state.removeNamespace(.null)
        state.removePriorityClass(.null)
        #expect(state.removePod(.null, now: now) == false)
        #expect(state.snapshot.nodeCount == 0)
    }
}
