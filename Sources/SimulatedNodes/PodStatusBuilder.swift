import FoundationEssentials
import KubeAPI

/// Where a simulated pod is in its life.
public enum SimulatedPodState: Sendable, Hashable {
    /// Containers running; `ready` as the plan says.
    case running(ready: Bool)
    /// Containers exited with `exitCode` at `at` (the completion rule).
    case finished(exitCode: Int64, at: Date)
    /// Containers stopped because the pod is being deleted.
    case stopped(at: Date)
}

/// What the simulated runtime knows about a pod it started.
public struct PodRuntimeFacts: Sendable, Hashable {
    public var hostIP: String
    public var podIP: String
    public var startTime: Date

    public init(hostIP: String, podIP: String, startTime: Date) {
        self.hostIP = hostIP
        self.podIP = podIP
        self.startTime = startTime
    }
}

/// Builds `Pod.status` as the kubelet's `generateAPIPodStatus` would for a pod whose containers
/// start at once (`pkg/kubelet/kubelet_pods.go`, `pkg/kubelet/status/generate.go`).
public enum PodStatusBuilder {
    public static func status(pod: JSON, state: SimulatedPodState, facts: PodRuntimeFacts, now: Date) -> JSON {
        let previous = pod["status"]
        let start = JSON.string(Timestamp.format(facts.startTime))
        let containers = pod["spec"]["containers"].arrayValue ?? []
        let initContainers = pod["spec"]["initContainers"].arrayValue ?? []
        let uid = pod["metadata"]["uid"].stringValue ?? (pod["metadata"]["name"].stringValue ?? "")

        let (phase, sandboxReady, containersReady): (String, Bool, Bool)
        var finishedAt: JSON = .null
        var exitCode: Int64 = 0
        switch state {
        case .running(let ready):
            (phase, sandboxReady, containersReady) = ("Running", true, ready)
        case .finished(let code, let at):
            exitCode = code
            finishedAt = .string(Timestamp.format(at))
            (phase, sandboxReady, containersReady) = (code == 0 ? "Succeeded" : "Failed", false, false)
        case .stopped(let at):
            finishedAt = .string(Timestamp.format(at))
            (phase, sandboxReady, containersReady) = ("Succeeded", false, false)
        }

        func containerStatus(_ container: JSON, isInit: Bool) -> JSON {
            let name = container["name"].stringValue ?? ""
            let image = container["image"].stringValue ?? ""
            let id = JSON.string(RuntimeNames.containerID(podUID: uid, container: name))
            let sidecar = isInit && container["restartPolicy"].stringValue == "Always"
            var status: JSON = [
                "name": .string(name), "image": .string(RuntimeNames.normalizedImage(image)),
                "imageID": .string(RuntimeNames.imageID(image)), "containerID": id,
                "lastState": [:], "restartCount": 0,
            ]
            if isInit && !sidecar {
                // A regular init container ran to completion before the app containers started.
                status["state"] = ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": start,
                                                  "finishedAt": start, "containerID": id]]
                status["ready"] = true
                status["started"] = false
            } else if finishedAt.isNull {
                status["state"] = ["running": ["startedAt": start]]
                status["ready"] = .bool(containersReady)
                status["started"] = true
            } else {
                let code = sidecar ? 0 : exitCode
                status["state"] = ["terminated": ["exitCode": .int(code), "reason": code == 0 ? "Completed" : "Error",
                                                  "startedAt": start, "finishedAt": finishedAt, "containerID": id]]
                status["ready"] = false
                status["started"] = false
            }
            return status
        }

        let unready = containersReady ? [] : containers.compactMap { $0["name"].stringValue }
        let notReadyReason = phase == "Succeeded" ? "PodCompleted" : "ContainersNotReady"
        let notReadyMessage: String? = phase == "Succeeded" ? nil : "containers with unready status: [\(unready.joined(separator: " "))]"
        let oldConditions = previous["conditions"].arrayValue ?? []
        func condition(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) -> JSON {
            let status = ok ? "True" : "False"
            let before = oldConditions.first { $0["type"].stringValue == type }
            var transition = JSON.string(Timestamp.format(now))
            if let before, before["status"].stringValue == status, !before["lastTransitionTime"].isNull {
                transition = before["lastTransitionTime"]
            } else if ok, before == nil {
                // A condition that became true as the pod started.
                transition = start
            }
            var object: JSONObject = ["type": .string(type), "status": .string(status), "lastProbeTime": .null,
                                      "lastTransitionTime": transition]
            if !ok, let reason { object["reason"] = .string(reason) }
            if !ok, let message { object["message"] = .string(message) }
            return .object(object)
        }
        let scheduled = oldConditions.first { $0["type"].stringValue == "PodScheduled" }
            ?? condition("PodScheduled", true)
        let conditions: [JSON] = [
            condition("PodReadyToStartContainers", sandboxReady),
            condition("Initialized", true),
            condition("Ready", containersReady, reason: notReadyReason, message: notReadyMessage),
            condition("ContainersReady", containersReady, reason: notReadyReason, message: notReadyMessage),
            scheduled,
        ]

        var status: JSONObject = [
            "phase": .string(phase),
            "conditions": .array(conditions),
            "hostIP": .string(facts.hostIP), "hostIPs": [["ip": .string(facts.hostIP)]],
            "podIP": .string(facts.podIP), "podIPs": [["ip": .string(facts.podIP)]],
            "startTime": start,
        ]
        if !initContainers.isEmpty {
            status["initContainerStatuses"] = .array(initContainers.map { containerStatus($0, isInit: true) })
        }
        status["containerStatuses"] = .array(containers.map { containerStatus($0, isInit: false) })
        status["qosClass"] = previous["qosClass"].stringValue.map(JSON.string) ?? .string(qosClass(of: pod))
        return .object(status)
    }

    /// `Guaranteed` when every container limits cpu and memory with requests equal to limits,
    /// `BestEffort` when none requests or limits anything, `Burstable` otherwise (`v1/helper/qos`).
    public static func qosClass(of pod: JSON) -> String {
        let containers = (pod["spec"]["containers"].arrayValue ?? []) + (pod["spec"]["initContainers"].arrayValue ?? [])
        var anySet = false
        var guaranteed = true
        for container in containers {
            let requests = container["resources"]["requests"].objectValue ?? [:]
            let limits = container["resources"]["limits"].objectValue ?? [:]
            if requests.keys.contains(where: isComputeResource) || limits.keys.contains(where: isComputeResource) { anySet = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource], let limitValue = try? Quantity(json: limit) else { guaranteed = false; continue }
                if let request = requests[resource], (try? Quantity(json: request)) != limitValue { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    static func isComputeResource(_ name: String) -> Bool {
        name == "cpu" || name == "memory" || name == "ephemeral-storage" || name.hasPrefix("hugepages-")
    }
}
