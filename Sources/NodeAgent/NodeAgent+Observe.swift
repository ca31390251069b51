import CRI
import FoundationEssentials
import Glibc
import KubeAPI

/// What the runtime holds for one pod: its current sandbox and, per container name, the newest
/// run and the one before it.
struct RuntimePod: Sendable {
    var sandboxID: String?
    var sandboxReady = false
    var sandboxCreated: Date?
    var podIP: String?
    /// Every sandbox of the pod (any state), for teardown and attempt numbers.
    var allSandboxes: [Runtime_V1_PodSandbox] = []
    /// Container name -> runs, newest first.
    var runs: [String: [Runtime_V1_ContainerStatus]] = [:]
}

extension Date {
    /// A CRI timestamp (nanoseconds since the epoch); nil for 0 (unset).
    init?(criNanos: Int64) {
        guard criNanos > 0 else { return nil }
        self.init(timeIntervalSince1970: Double(criNanos) / 1e9)
    }
}

extension NodeAgent {
    /// Lists the pod's sandboxes and the containers of the newest ready one. With
    /// `includeStopped` (logs of a finished pod), the newest sandbox's containers even when it
    /// is stopped (`sandboxID` stays nil then). `sandboxes`: the pod's sandboxes when the caller
    /// just listed them.
    func observe(uid: String, includeStopped: Bool = false, sandboxes: [Runtime_V1_PodSandbox]? = nil) async throws -> RuntimePod {
        var result = RuntimePod()
        let listed: [Runtime_V1_PodSandbox]
        if let sandboxes { listed = sandboxes } else { listed = try await runtime.listPodSandbox(filter: .labels([PodLabels.podUID: uid])) }
        result.allSandboxes = listed.sorted { $0.createdAt > $1.createdAt }
        let sandbox: Runtime_V1_PodSandbox
        if let ready = result.allSandboxes.first(where: { $0.state == .sandboxReady }) {
            sandbox = ready
            result.sandboxID = ready.id
            result.sandboxReady = true
            result.sandboxCreated = Date(criNanos: ready.createdAt)
            let status = try await runtime.podSandboxStatus(ready.id)
            result.podIP = status.status.network.ip.isEmpty ? nil : status.status.network.ip
        } else if includeStopped, let newest = result.allSandboxes.first {
            sandbox = newest
        } else {
            return result
        }
        for container in try await runtime.listContainers(filter: .sandbox(sandbox.id)) {
            do {
                let status = try await runtime.containerStatus(container.id).status
                result.runs[status.metadata.name, default: []].append(status)
            } catch let error as CRIError where error.isNotFound {
                continue
            }
        }
        for name in result.runs.keys { result.runs[name]?.sort { $0.metadata.attempt > $1.metadata.attempt } }
        return result
    }

    /// The terminated state of an exited CRI container.
    static func terminated(_ s: Runtime_V1_ContainerStatus) -> TerminatedState {
        let reason = s.reason.isEmpty ? (s.exitCode == 0 ? "Completed" : "Error") : s.reason
        return TerminatedState(exitCode: s.exitCode, reason: reason, message: s.message.isEmpty ? nil : s.message,
                               startedAt: Date(criNanos: s.startedAt), finishedAt: Date(criNanos: s.finishedAt),
                               containerID: "containerd://\(s.id)")
    }

    /// The observation of one container: its newest run's state (or why it waits), the run
    /// before as `lastState`.
    func observation(pod: JSON, container: JSON, runtimePod: RuntimePod) -> ContainerObservation {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let name = container["name"].stringValue ?? ""
        let specImage = container["image"].stringValue ?? ""
        let runs = runtimePod.runs[name] ?? []
        let waitingInfo = state.withLock { $0.waiting["\(uid)/\(name)"] }
        let backoff = state.withLock { $0.backoffs["\(uid)/\(name)"] }
        guard let newest = runs.first else {
            let (reason, message) = waitingInfo ?? ("ContainerCreating", "")
            return ContainerObservation(name: name, state: .waiting(reason: reason, message: message.isEmpty ? nil : message),
                                        image: specImage)
        }
        let image = newest.image.image.isEmpty ? specImage : newest.image.image
        var observed = ContainerObservation(name: name, state: .waiting(reason: "ContainerCreating", message: nil),
                                            restartCount: Int(newest.metadata.attempt), image: image, imageID: newest.imageRef)
        if runs.count > 1, runs[1].state == .containerExited { observed.lastTerminated = Self.terminated(runs[1]) }
        switch newest.state {
        case .containerRunning:
            observed.state = .running(containerID: "containerd://\(newest.id)",
                                      startedAt: Date(criNanos: newest.startedAt) ?? Date())
            (observed.started, observed.probeReady) = probeState(uid: uid, container: container, containerID: newest.id)
        case .containerExited:
            let finished = Self.terminated(newest)
            if let backoff, backoff.containerID == newest.id, backoff.restartAt > Date() {
                // Waiting out the restart delay: the exit becomes the last state.
                observed.lastTerminated = finished
                let seconds = Int((backoff.restartAt.timeIntervalSince(finished.finishedAt ?? Date())).rounded())
                observed.state = .waiting(reason: "CrashLoopBackOff", message:
                    "back-off \(seconds)s restarting failed container=\(name) pod=\(pod["metadata"]["name"].stringValue ?? "")_\(pod["metadata"]["namespace"].stringValue ?? "")(\(uid))")
            } else {
                observed.state = .terminated(finished)
            }
        default:
            if let waitingInfo { observed.state = .waiting(reason: waitingInfo.reason, message: waitingInfo.message) }
        }
        return observed
    }

    /// The whole pod's observation for its status.
    func podObservation(pod: JSON, runtimePod: RuntimePod) -> PodObservation {
        let initContainers = (pod["spec"]["initContainers"].arrayValue ?? []).map { observation(pod: pod, container: $0, runtimePod: runtimePod) }
        let containers = (pod["spec"]["containers"].arrayValue ?? []).map { observation(pod: pod, container: $0, runtimePod: runtimePod) }
        let start = pod["status"]["startTime"].stringValue.flatMap(Timestamp.parse) ?? runtimePod.sandboxCreated ?? Date()
        return PodObservation(sandboxReady: runtimePod.sandboxReady, podIP: runtimePod.podIP ?? pod["status"]["podIP"].stringValue,
                              hostIP: machine.internalIP, startTime: start, initContainers: initContainers, containers: containers)
    }
}
