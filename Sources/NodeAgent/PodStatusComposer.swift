import FoundationEssentials
import Glibc
import KubeAPI
import SimulatedNodes

/// A finished run of a container.
public struct TerminatedState: Sendable, Equatable {
    public var exitCode: Int32
    /// `Completed`, `Error`, `OOMKilled`, ...
    public var reason: String
    public var message: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var containerID: String

    public init(exitCode: Int32, reason: String, message: String? = nil, startedAt: Date? = nil, finishedAt: Date? = nil, containerID: String) {
        self.exitCode = exitCode
        self.reason = reason
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.containerID = containerID
    }
}

/// What the agent saw of one container of a pod.
public struct ContainerObservation: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Not running: `ContainerCreating`, `CrashLoopBackOff`, `ErrImageNeverPull`, ...
        case waiting(reason: String, message: String?)
        case running(containerID: String, startedAt: Date)
        case terminated(TerminatedState)
    }
    public var name: String
    public var state: State
    public var lastTerminated: TerminatedState?
    public var restartCount: Int
    public var image: String
    /// The runtime's image reference (`sha256:...` or a digest reference); empty before creation.
    public var imageID: String
    /// A running container's startup probe succeeded (or it has none).
    public var started = true
    /// A running container's readiness probe succeeded (or it has none).
    public var probeReady = true

    public init(name: String, state: State, lastTerminated: TerminatedState? = nil, restartCount: Int = 0, image: String, imageID: String = "") {
        self.name = name
        self.state = state
        self.lastTerminated = lastTerminated
        self.restartCount = restartCount
        self.image = image
        self.imageID = imageID
    }

    var isRunning: Bool { if case .running = state { return true } else { return false } }
    /// Ready as `containerStatuses[].ready` says (before the pod phase is considered).
    var isReady: Bool { isRunning && started && probeReady }
    var terminated: TerminatedState? { if case .terminated(let t) = state { return t } else { return nil } }
}

/// What the agent saw of a pod: its sandbox and each container, in spec order.
public struct PodObservation: Sendable, Equatable {
    public var sandboxReady: Bool
    public var podIP: String?
    public var hostIP: String
    public var startTime: Date
    public var initContainers: [ContainerObservation]
    public var containers: [ContainerObservation]

    public init(sandboxReady: Bool, podIP: String?, hostIP: String, startTime: Date,
                initContainers: [ContainerObservation] = [], containers: [ContainerObservation]) {
        self.sandboxReady = sandboxReady
        self.podIP = podIP
        self.hostIP = hostIP
        self.startTime = startTime
        self.initContainers = initContainers
        self.containers = containers
    }
}

/// Builds `Pod.status` from an observation, as the kubelet's `generateAPIPodStatus` and
/// `getPhase` do (`pkg/kubelet/kubelet_pods.go`). Pure.
public enum PodStatusComposer {
    /// The pod phase: Pending until init containers finished and every container started once;
    /// Succeeded/Failed when all containers stopped for good under the restart policy.
    public static func phase(restartPolicy: String, observation o: PodObservation) -> String {
        let initFailed = o.initContainers.contains { ($0.terminated?.exitCode ?? 0) != 0 }
        if initFailed && restartPolicy == "Never" { return "Failed" }
        let initDone = o.initContainers.allSatisfy { $0.terminated?.exitCode == 0 }
        if !initDone { return "Pending" }
        var running = 0, succeeded = 0, failed = 0, waitingFresh = 0
        for c in o.containers {
            switch c.state {
            case .running: running += 1
            case .terminated(let t): if t.exitCode == 0 { succeeded += 1 } else { failed += 1 }
            case .waiting:
                // Waiting after an earlier run is a restart in backoff: the pod is running.
                if c.lastTerminated != nil { running += 1 } else { waitingFresh += 1 }
            }
        }
        if waitingFresh > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if o.containers.isEmpty { return "Pending" }
        switch restartPolicy {
        case "Always": return "Running"
        case "OnFailure": return failed == 0 ? "Succeeded" : "Running"
        default: return failed == 0 ? "Succeeded" : "Failed"
        }
    }

    /// The whole status; fields the kubelet does not own (`nominatedNodeName`, ...) are for the
    /// caller to keep (a merge patch leaves them alone).
    public static func status(pod: JSON, observation o: PodObservation, now: Date) -> JSON {
        let restartPolicy = pod["spec"]["restartPolicy"].stringValue ?? "Always"
        let phase = phase(restartPolicy: restartPolicy, observation: o)
        let initialized = o.initContainers.allSatisfy { $0.terminated?.exitCode == 0 }
        let unready = o.containers.filter { !$0.isReady }.map(\.name)
        let containersReady = unready.isEmpty && !o.containers.isEmpty && phase == "Running"
        let previous = pod["status"]["conditions"].arrayValue ?? []
        func condition(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) -> JSON {
            let status = ok ? "True" : "False"
            let before = previous.first { $0["type"].stringValue == type }
            var transition = JSON.string(Timestamp.format(now))
            if let before, before["status"].stringValue == status, !before["lastTransitionTime"].isNull {
                transition = before["lastTransitionTime"]
            }
            var object: JSONObject = ["type": .string(type), "status": .string(status), "lastProbeTime": .null,
                                      "lastTransitionTime": transition]
            if !ok, let reason { object["reason"] = .string(reason) }
            if !ok, let message { object["message"] = .string(message) }
            return .object(object)
        }
        let completed = phase == "Succeeded" || phase == "Failed"
        let notReadyReason = completed ? "PodCompleted" : "ContainersNotReady"
        let notReadyMessage: String? = completed ? nil : "containers with unready status: [\(unready.joined(separator: " "))]"
        let pendingInit = o.initContainers.filter { $0.terminated?.exitCode != 0 }.map(\.name)
        let conditions: [JSON] = [
            condition("PodReadyToStartContainers", o.sandboxReady),
            condition("Initialized", initialized, reason: "ContainersNotInitialized",
                      message: "containers with incomplete status: [\(pendingInit.joined(separator: " "))]"),
            condition("Ready", containersReady, reason: notReadyReason, message: notReadyMessage),
            condition("ContainersReady", containersReady, reason: notReadyReason, message: notReadyMessage),
            previous.first { $0["type"].stringValue == "PodScheduled" } ?? condition("PodScheduled", true),
        ]
        var status: JSONObject = [
            "phase": .string(phase), "conditions": .array(conditions),
            "hostIP": .string(o.hostIP), "hostIPs": [["ip": .string(o.hostIP)]],
            "startTime": .string(Timestamp.format(o.startTime)),
        ]
        if let ip = o.podIP, !ip.isEmpty {
            status["podIP"] = .string(ip)
            status["podIPs"] = [["ip": .string(ip)]]
        }
        if !o.initContainers.isEmpty { status["initContainerStatuses"] = .array(o.initContainers.map { containerStatus($0, ready: $0.terminated?.exitCode == 0) }) }
        status["containerStatuses"] = .array(o.containers.map { containerStatus($0, ready: $0.isReady && phase == "Running") })
        status["qosClass"] = .string(PodStatusBuilder.qosClass(of: pod))
        return .object(status)
    }

    /// One entry of `containerStatuses`.
    public static func containerStatus(_ c: ContainerObservation, ready: Bool) -> JSON {
        var status: JSONObject = [
            "name": .string(c.name), "image": .string(c.image), "imageID": .string(c.imageID),
            "restartCount": .int(Int64(c.restartCount)), "ready": .bool(ready), "started": .bool(c.isRunning && c.started),
            "lastState": c.lastTerminated.map { JSON.object(["terminated": terminated($0)]) } ?? JSON.object([:]),
        ]
        switch c.state {
        case .waiting(let reason, let message):
            var waiting: JSONObject = ["reason": .string(reason)]
            if let message { waiting["message"] = .string(message) }
            status["state"] = ["waiting": .object(waiting)]
            if let last = c.lastTerminated { status["containerID"] = .string(last.containerID) }
        case .running(let id, let startedAt):
            status["state"] = ["running": ["startedAt": .string(Timestamp.format(startedAt))]]
            status["containerID"] = .string(id)
        case .terminated(let t):
            status["state"] = ["terminated": terminated(t)]
            status["containerID"] = .string(t.containerID)
        }
        return .object(status)
    }

    static func terminated(_ t: TerminatedState) -> JSON {
        var object: JSONObject = ["exitCode": .int(Int64(t.exitCode)), "reason": .string(t.reason), "containerID": .string(t.containerID)]
        if let message = t.message, !message.isEmpty { object["message"] = .string(message) }
        if let startedAt = t.startedAt { object["startedAt"] = .string(Timestamp.format(startedAt)) }
        if let finishedAt = t.finishedAt { object["finishedAt"] = .string(Timestamp.format(finishedAt)) }
        return .object(object)
    }
}
