import Foundation
import KubeAPI
import NodeAgent
import Testing

@Suite struct PodStatusComposerTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static let later = start.addingTimeInterval(5)

    static func pod(restartPolicy: String, initContainers: Bool = false) -> JSON {
        var pod: JSON = ["metadata": ["name": "p", "namespace": "default", "uid": "u"],
                         "spec": ["restartPolicy": .string(restartPolicy), "containers": [["name": "a", "image": "busybox:test"]]],
                         "status": ["phase": "Pending", "conditions": [["type": "PodScheduled", "status": "True", "lastTransitionTime": "2023-01-01T00:00:00Z"]]]]
        if initContainers { pod["spec"]["initContainers"] = [["name": "setup", "image": "busybox:test"]] }
        return pod
    }

    static func exited(_ code: Int32, id: String = "c1") -> ContainerObservation.State {
        .terminated(TerminatedState(exitCode: code, reason: code == 0 ? "Completed" : "Error", startedAt: start, finishedAt: later, containerID: "containerd://\(id)"))
    }

    static func observation(_ state: ContainerObservation.State, last: TerminatedState? = nil, initState: ContainerObservation.State? = nil) -> PodObservation {
        PodObservation(sandboxReady: true, podIP: "10.42.0.5", hostIP: "192.0.2.1", startTime: start,
                       initContainers: initState.map { [ContainerObservation(name: "setup", state: $0, image: "busybox:test")] } ?? [],
                       containers: [ContainerObservation(name: "a", state: state, lastTerminated: last, restartCount: last == nil ? 0 : 1,
                                                         image: "docker.io/library/busybox:test", imageID: "sha256:abc")])
    }

    @Test(arguments: [
        ("Always", ContainerObservation.State.waiting(reason: "ContainerCreating", message: nil), nil, "Pending"),
        ("Always", .running(containerID: "containerd://c1", startedAt: start), nil, "Running"),
        ("Never", exited(0), nil, "Succeeded"),
        ("Never", exited(3), nil, "Failed"),
        ("OnFailure", exited(3), nil, "Running"),
        ("OnFailure", exited(0), nil, "Succeeded"),
        ("Always", exited(0), nil, "Running"),
        ("Always", .waiting(reason: "CrashLoopBackOff", message: nil),
         TerminatedState(exitCode: 1, reason: "Error", containerID: "containerd://c0"), "Running"),
    ] as [(String, ContainerObservation.State, TerminatedState?, String)])
    func phases(policy: String, state: ContainerObservation.State, last: TerminatedState?, phase: String) {
        #expect(PodStatusComposer.phase(restartPolicy: policy, observation: Self.observation(state, last: last)) == phase)
    }

    @Test func initContainersGateThePhase() {
        let running = ContainerObservation.State.running(containerID: "containerd://i1", startedAt: Self.start)
        #expect(PodStatusComposer.phase(restartPolicy: "Always", observation: Self.observation(.waiting(reason: "PodInitializing", message: nil), initState: running)) == "Pending")
        #expect(PodStatusComposer.phase(restartPolicy: "Never", observation: Self.observation(.waiting(reason: "PodInitializing", message: nil), initState: Self.exited(1))) == "Failed")
        #expect(PodStatusComposer.phase(restartPolicy: "Always", observation: Self.observation(.running(containerID: "containerd://c", startedAt: Self.start), initState: Self.exited(0))) == "Running")
    }

    @Test func runningStatus() throws {
        let pod = Self.pod(restartPolicy: "Always")
        let status = PodStatusComposer.status(pod: pod, observation: Self.observation(.running(containerID: "containerd://c1", startedAt: Self.start)), now: Self.later)
        #expect(status["phase"] == "Running")
        #expect(status["podIP"] == "10.42.0.5")
        #expect(status["podIPs"] == [["ip": "10.42.0.5"]])
        #expect(status["hostIP"] == "192.0.2.1")
        #expect(status["startTime"] == .string(Timestamp.format(Self.start)))
        #expect(status["qosClass"] == "BestEffort")
        let conditions = Dictionary(uniqueKeysWithValues: (status["conditions"].arrayValue ?? []).map { ($0["type"].stringValue ?? "", $0) })
        #expect(Set(conditions.keys) == ["PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"])
        #expect(conditions.values.allSatisfy { $0["status"] == "True" })
        // PodScheduled is the scheduler's: kept as it was.
        #expect(conditions["PodScheduled"]?["lastTransitionTime"] == "2023-01-01T00:00:00Z")
        let container = status["containerStatuses"][0]
        #expect(container["name"] == "a")
        #expect(container["ready"] == true)
        #expect(container["started"] == true)
        #expect(container["restartCount"] == 0)
        #expect(container["containerID"] == "containerd://c1")
        #expect(container["image"] == "docker.io/library/busybox:test")
        #expect(container["imageID"] == "sha256:abc")
        #expect(container["state"]["running"]["startedAt"] == .string(Timestamp.format(Self.start)))
    }

    @Test func failedStatusAndBackoffLastState() {
        let failed = PodStatusComposer.status(pod: Self.pod(restartPolicy: "Never"), observation: Self.observation(Self.exited(3)), now: Self.later)
        #expect(failed["phase"] == "Failed")
        #expect(failed["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3)
        #expect(failed["containerStatuses"][0]["state"]["terminated"]["reason"] == "Error")
        #expect(failed["containerStatuses"][0]["ready"] == false)
        let ready = (failed["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }
        #expect(ready?["status"] == "False")
        #expect(ready?["reason"] == "PodCompleted")

        let last = TerminatedState(exitCode: 1, reason: "Error", startedAt: Self.start, finishedAt: Self.later, containerID: "containerd://c0")
        let crashing = PodStatusComposer.status(pod: Self.pod(restartPolicy: "Always"),
                                                observation: Self.observation(.waiting(reason: "CrashLoopBackOff", message: "back-off 10s"), last: last), now: Self.later)
        let container = crashing["containerStatuses"][0]
        #expect(crashing["phase"] == "Running")
        #expect(container["state"]["waiting"]["reason"] == "CrashLoopBackOff")
        #expect(container["lastState"]["terminated"]["exitCode"] == 1)
        #expect(container["restartCount"] == 1)
        #expect(container["containerID"] == "containerd://c0")
        #expect(container["ready"] == false)
    }
}

@Suite struct PodConditionTimeTests {
    /// A condition that flips gets the new time; one that stays keeps its old time.
    @Test func transitionTimes() {
        var pod = PodStatusComposerTests.pod(restartPolicy: "Always")
        let t0 = PodStatusComposerTests.start
        let waiting = PodStatusComposerTests.observation(.waiting(reason: "ContainerCreating", message: nil))
        pod["status"] = PodStatusComposer.status(pod: pod, observation: waiting, now: t0)
        let t1 = t0.addingTimeInterval(7)
        let running = PodStatusComposerTests.observation(.running(containerID: "containerd://c1", startedAt: t1))
        let status = PodStatusComposer.status(pod: pod, observation: running, now: t1)
        let conditions = Dictionary(uniqueKeysWithValues: (status["conditions"].arrayValue ?? []).map { ($0["type"].stringValue ?? "", $0) })
        #expect(conditions["Ready"]?["lastTransitionTime"] == .string(Timestamp.format(t1)))
        #expect(conditions["PodReadyToStartContainers"]?["lastTransitionTime"] == .string(Timestamp.format(t0)))
    }
}
