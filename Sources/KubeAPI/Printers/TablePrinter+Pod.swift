import FoundationEssentials

extension KindPrinter {
    /// Pods: upstream `printPod`, including its status-reason logic.
    static let pod = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "Ready", type: "string", description: "The aggregate readiness state of this pod for accepting traffic."),
            PrinterColumn(name: "Status", type: "string", description: "The aggregate status of the containers in this pod."),
            PrinterColumn(
                name: "Restarts", type: "string",
                description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            .age,
            PrinterColumn(name: "IP", type: "string", description: "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1),
            PrinterColumn(name: "Node", type: "string", description: "NodeName indicates in which node this pod is scheduled.", priority: 1),
            PrinterColumn(name: "Nominated Node", type: "string", description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", priority: 1),
            PrinterColumn(name: "Readiness Gates", type: "string", description: "If specified, all readiness gates will be evaluated for pod readiness.", priority: 1),
        ],
        cells: { pod, now in PodSummary(pod).cells(now: now) },
        conditions: { pod in
            // Upstream marks finished pods with a Completed row condition.
            switch pod[path: ["status", "phase"]].stringValue {
            case "Succeeded":
                return [["type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."]]
            case "Failed":
                return [["type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."]]
            default: return nil
            }
        })
}

/// The Ready, Status and Restarts values of a pod, computed as upstream `printPod` does.
struct PodSummary {
    var ready = 0
    var total = 0
    var reason = ""
    var restarts = 0
    /// The latest `lastState.terminated.finishedAt` of the counted containers.
    var lastRestart: Date?
    let pod: JSON

    init(_ pod: JSON) {
        self.pod = pod
        let spec = pod["spec"], status = pod["status"]
        let phase = PrinterCell.string(status["phase"])
        reason = status["reason"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? phase
        for condition in PrinterCell.array(status["conditions"])
        where PrinterCell.string(condition["type"]) == "PodScheduled" && PrinterCell.string(condition["reason"]) == "SchedulingGated" {
            reason = "SchedulingGated"
        }

        let initContainers = PrinterCell.array(spec["initContainers"])
        // Sidecars (init containers with restartPolicy Always) count as regular containers.
        let sidecars = Set(initContainers.filter { PrinterCell.string($0["restartPolicy"]) == "Always" }.map { PrinterCell.string($0["name"]) })
        total = PrinterCell.array(spec["containers"]).count + sidecars.count

        var sidecarRestarts = 0
        var lastSidecarRestart: Date?
        var initializing = false
        for (index, container) in PrinterCell.array(status["initContainerStatuses"]).enumerated() {
            let name = PrinterCell.string(container["name"])
            let isSidecar = sidecars.contains(name)
            restarts += Int(PrinterCell.int(container["restartCount"]))
            let finished = Self.finishedAt(container)
            lastRestart = Self.later(lastRestart, finished)
            if isSidecar {
                sidecarRestarts += Int(PrinterCell.int(container["restartCount"]))
                lastSidecarRestart = Self.later(lastSidecarRestart, finished)
            }
            let terminated = container[path: ["state", "terminated"]]
            let waitingReason = PrinterCell.string(container[path: ["state", "waiting", "reason"]])
            if !terminated.isNull && PrinterCell.int(terminated["exitCode"]) == 0 {
                continue
            }
            if isSidecar && container["started"].boolValue == true {
                if container["ready"].boolValue == true { ready += 1 }
                continue
            }
            if !terminated.isNull {
                let terminatedReason = PrinterCell.string(terminated["reason"])
                if !terminatedReason.isEmpty {
                    reason = "Init:" + terminatedReason
                } else if PrinterCell.int(terminated["signal"]) != 0 {
                    reason = "Init:Signal:\(PrinterCell.int(terminated["signal"]))"
                } else {
                    reason = "Init:ExitCode:\(PrinterCell.int(terminated["exitCode"]))"
                }
            } else if !waitingReason.isEmpty && waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(index)/\(initContainers.count)"
            }
            initializing = true
            break
        }

        if !initializing || Self.conditionTrue(status, "Initialized") {
            restarts = sidecarRestarts
            lastRestart = lastSidecarRestart
            var hasRunning = false
            for container in PrinterCell.array(status["containerStatuses"]).reversed() {
                restarts += Int(PrinterCell.int(container["restartCount"]))
                lastRestart = Self.later(lastRestart, Self.finishedAt(container))
                let state = container["state"]
                let waitingReason = PrinterCell.string(state[path: ["waiting", "reason"]])
                let terminated = state["terminated"]
                if !waitingReason.isEmpty {
                    reason = waitingReason
                } else if !terminated.isNull, !PrinterCell.string(terminated["reason"]).isEmpty {
                    reason = PrinterCell.string(terminated["reason"])
                } else if !terminated.isNull {
                    let signal = PrinterCell.int(terminated["signal"])
                    reason = signal != 0 ? "Signal:\(signal)" : "ExitCode:\(PrinterCell.int(terminated["exitCode"]))"
                } else if container["ready"].boolValue == true && !state["running"].isNull {
                    hasRunning = true
                    ready += 1
                }
            }
            // A pod whose last container completed but another still runs is not Completed.
            if reason == "Completed" && hasRunning {
                reason = Self.conditionTrue(status, "Ready") ? "Running" : "NotReady"
            }
        }

        let deleting = !pod[path: ["metadata", "deletionTimestamp"]].isNull
        if deleting && PrinterCell.string(status["reason"]) == "NodeLost" {
            reason = "Unknown"
        } else if deleting && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating"
        }
    }

    /// `2` or `2 (5m ago)` as the Restarts cell shows it.
    func restartsText(now: Date) -> String {
        guard restarts != 0, let lastRestart else { return String(restarts) }
        return "\(restarts) (\(HumanDuration.format(seconds: now.timeIntervalSince(lastRestart))) ago)"
    }

    func cells(now: Date) -> [JSON] {
        let spec = pod["spec"], status = pod["status"]
        var ip = PrinterCell.string(status[path: ["podIPs"]][0]["ip"])
        if ip.isEmpty { ip = PrinterCell.string(status["podIP"]) }
        let node = PrinterCell.string(spec["nodeName"])
        let nominated = PrinterCell.string(status["nominatedNodeName"])
        var gates = "<none>"
        let readinessGates = PrinterCell.array(spec["readinessGates"])
        if !readinessGates.isEmpty {
            let conditions = PrinterCell.array(status["conditions"])
            let trueCount = readinessGates.filter { gate in
                let type = PrinterCell.string(gate["conditionType"])
                return conditions.first { PrinterCell.string($0["type"]) == type }.map { PrinterCell.string($0["status"]) == "True" } ?? false
            }.count
            gates = "\(trueCount)/\(readinessGates.count)"
        }
        return [
            PrinterCell.name(pod), .string("\(ready)/\(total)"), .string(reason), .string(restartsText(now: now)),
            PrinterCell.age(pod, now), .string(ip.isEmpty ? "<none>" : ip), .string(node.isEmpty ? "<none>" : node),
            .string(nominated.isEmpty ? "<none>" : nominated), .string(gates),
        ]
    }

    static func finishedAt(_ containerStatus: JSON) -> Date? {
        containerStatus[path: ["lastState", "terminated", "finishedAt"]].stringValue.flatMap(Timestamp.parse)
    }

    static func later(_ a: Date?, _ b: Date?) -> Date? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    static func conditionTrue(_ status: JSON, _ type: String) -> Bool {
        PrinterCell.array(status["conditions"]).contains { PrinterCell.string($0["type"]) == type && PrinterCell.string($0["status"]) == "True" }
    }
}
