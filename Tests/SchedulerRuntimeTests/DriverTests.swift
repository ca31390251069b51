import Foundation
import KubeAPI
import SchedulerCore
import Testing
@testable import SchedulerRuntime

@Suite struct DriverTests {
    @Test func bindsPodsToTheNodeThatFitsAndRecordsScheduled() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("small", cpu: "1"))
        api.put(.nodes, node("big", cpu: "4"))
        for name in ["p1", "p2", "p3"] { api.put(.pods, pod(name, cpu: "1200m")) }
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }

        #expect(await eventually { api.objects(.pods).allSatisfy { $0.nodeName != nil } })
        #expect(api.objects(.pods).map(\.nodeName) == ["big", "big", "big"])
        #expect(await eventually { api.events(reason: "Scheduled").count == 3 })
        #expect(api.events(reason: "Scheduled").contains("default/p1: Successfully assigned default/p1 to big"))
        #expect(api.events(reason: "FailedScheduling").isEmpty)
    }

    @Test func unschedulablePodGetsEventAndConditionThenBindsWhenANodeFits() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("small", cpu: "1"))
        api.put(.pods, pod("web", cpu: "2"))
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }

        #expect(await eventually { !api.events(reason: "FailedScheduling").isEmpty })
        let event = try #require(api.events(reason: "FailedScheduling").first)
        #expect(event.hasPrefix("default/web: 0/1 nodes are available: 1 Insufficient cpu."))
        #expect(await eventually {
            api.object(.pods, namespace: "default", name: "web")?[path: ["status", "conditions"]].arrayValue?.first?["reason"] == "Unschedulable"
        })
        let condition = try #require(api.object(.pods, namespace: "default", name: "web")?[path: ["status", "conditions"]].arrayValue?.first)
        #expect(condition["type"] == "PodScheduled")
        #expect(condition["status"] == "False")
        #expect(condition["message"].stringValue?.hasPrefix("0/1 nodes are available") == true)
        #expect(api.bindings.isEmpty)

        api.put(.nodes, node("big", cpu: "4"))
        #expect(await eventually { api.bindings == ["default/web -> big"] })
    }

    @Test func noNodesAtAllReportsUpstreamMessage() async throws {
        let api = InMemoryAPI()
        api.put(.pods, pod("lonely"))
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { api.events(reason: "FailedScheduling") == ["default/lonely: no nodes available to schedule pods"] })
    }

    @Test func higherPriorityPodsAreScheduledFirst() async throws {
        let api = InMemoryAPI()
        api.put(.priorityClasses, priorityClass("high", value: 1000))
        api.put(.priorityClasses, priorityClass("usual", value: 700, globalDefault: true))
        api.put(.nodes, node("n1", cpu: "8"))
        // Created in this order; scheduled by priority: high (class), usual (global default), 500, 1.
        api.put(.pods, pod("low", priority: 1))
        api.put(.pods, pod("mid", priority: 500))
        api.put(.pods, pod("default-class"))
        api.put(.pods, pod("top", priorityClassName: "high"))
        var options = testOptions
        options.maxConcurrentBindings = 1
        let (driver, _) = await startDriver(api, loop: false, options: options)
        let loop = Task { await driver.runSchedulingLoop() }
        defer { loop.cancel() }
        #expect(await eventually { api.bindings.count == 4 })
        #expect(api.bindings == ["default/top -> n1", "default/default-class -> n1", "default/mid -> n1", "default/low -> n1"])
    }

    @Test func whenOnlyOneFitsTheHigherPriorityPodGetsTheNode() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1", cpu: "1"))
        api.put(.pods, pod("first-but-low", cpu: "1", priority: 0))
        api.put(.pods, pod("later-but-high", cpu: "1", priority: 100))
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { api.bindings == ["default/later-but-high -> n1"] })
        #expect(await eventually { api.events(reason: "FailedScheduling").first?.hasPrefix("default/first-but-low: 0/1 nodes") == true })
    }

    @Test func podDeletedWhileQueuedIsDropped() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1"))
        let (driver, _) = await startDriver(api, loop: false)
        api.put(.pods, pod("gone"))
        #expect(await eventually { driver.withState { $0.queue.location(of: "default/gone") } == .active })
        api.remove(.pods, namespace: "default", name: "gone")
        #expect(await eventually { driver.withState { $0.queue.location(of: "default/gone") } == nil })
        api.put(.pods, pod("kept"))
        let loop = Task { await driver.runSchedulingLoop() }
        defer { loop.cancel() }
        #expect(await eventually { api.bindings == ["default/kept -> n1"] })
        try await Task.sleep(for: .milliseconds(50))
        #expect(api.bindings == ["default/kept -> n1"])
        #expect(api.events(reason: "FailedScheduling").isEmpty)
    }

    @Test func podsOfOtherSchedulersAndBoundPodsAreLeftAlone() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1"))
        api.put(.pods, pod("custom", schedulerName: "my-scheduler"))
        api.put(.pods, pod("preset", nodeName: "n1"))
        api.put(.pods, pod("mine"))
        let (driver, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { api.bindings == ["default/mine -> n1"] })
        try await Task.sleep(for: .milliseconds(50))
        #expect(api.bindings == ["default/mine -> n1"])
        #expect(driver.withState { $0.snapshot.pod(key: "default/preset")?.nodeName } == "n1")
    }

    @Test(arguments: [409, 404])
    func bindingRejectedForgetsThePodWithoutRetrying(code: Int) async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1", cpu: "1"))
        let error: StatusError = code == 409 ? .conflict("pods", group: "", name: "p") : .notFound("pods", group: "", name: "p")
        api.failBinding(of: "default/p", with: [error])
        api.put(.pods, pod("p", cpu: "1"))
        let (driver, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { driver.withState { $0.queue.location(of: "default/p") == nil && $0.assumed.isEmpty } })
        // The assumption is gone: the node's cpu is free for the next pod.
        #expect(driver.withState { $0.snapshot.pod(key: "default/p") } == nil)
        api.put(.pods, pod("q", cpu: "1"))
        #expect(await eventually { api.bindings == ["default/q -> n1"] })
    }

    @Test func bindingRaceWithAnotherBinderKeepsTheServersAnswer() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1"))
        api.put(.nodes, node("other"))
        // Someone else binds the pod just before our binding arrives: the server answers 409.
        api.onBinding { key in
            guard key == "default/raced", var current = api.object(.pods, namespace: "default", name: "raced"),
                  current.nodeName == nil else { return }
            current["spec"]["nodeName"] = "other"
            api.put(.pods, current)
        }
        api.put(.pods, pod("raced"))
        let (driver, loop) = await startDriver(api)
        defer { loop?.cancel() }
        // The scheduler may itself have picked "other": wait until the 409 was handled (the pod
        // is out of the in-flight set) and the informer's bound object is what the snapshot holds.
        #expect(await eventually {
            driver.withState { !$0.assumed.contains("default/raced") && $0.snapshot.pod(key: "default/raced")?.nodeName == "other" }
        })
        #expect(api.bindings.isEmpty)
        #expect(api.events(reason: "Scheduled").isEmpty)
    }

    @Test func transientBindingErrorIsRetriedAfterBackoff() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1"))
        api.failBinding(of: "default/p", with: [StatusError.internalError("etcd hiccup")])
        api.put(.pods, pod("p"))
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { api.bindings == ["default/p -> n1"] })
    }

    @Test func completedPodFreesItsNodeForAParkedPod() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1", cpu: "1"))
        var running = pod("job", cpu: "1", nodeName: "n1")
        running["status"]["phase"] = "Running"
        api.put(.pods, running)
        api.put(.pods, pod("waiting", cpu: "1"))
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { !api.events(reason: "FailedScheduling").isEmpty })
        var done = try #require(api.object(.pods, namespace: "default", name: "job"))
        done["status"]["phase"] = "Succeeded"
        api.put(.pods, done)
        #expect(await eventually { api.bindings == ["default/waiting -> n1"] })
    }

    @Test func deletedPodFreesItsNodeForAParkedPod() async throws {
        let api = InMemoryAPI()
        api.put(.nodes, node("n1", cpu: "1"))
        api.put(.pods, pod("old", cpu: "1", nodeName: "n1"))
        api.put(.pods, pod("new", cpu: "1"))
        let (_, loop) = await startDriver(api)
        defer { loop?.cancel() }
        #expect(await eventually { !api.events(reason: "FailedScheduling").isEmpty })
        api.remove(.pods, namespace: "default", name: "old")
        #expect(await eventually { api.bindings == ["default/new -> n1"] })
    }
}
