import FoundationEssentials
import KubeAPI
import KubeClient
import Logging

extension SimulatedKubelet {
    func worker() async {
        await queue.processItems(sync: { try await syncPod(key: $0) }) { key, error in
            logger.debug("pod sync failed; retrying", metadata: ["pod": "\(key)", "error": "\(error)"])
        }
    }

    /// Brings one pod to where the simulated runtime says it is. Idempotent: writes only when the
    /// pod's status on the server differs in something that matters.
    func syncPod(key: String) async throws {
        guard let pod = podInformer.cache.get(key: key) else {
            releasePod(key)
            return
        }
        guard let nodeName = pod["spec"]["nodeName"].stringValue, let node = byName[nodeName], isActive(nodeName) else { return }
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let phase = pod["status"]["phase"].stringValue ?? "Pending"
        let terminal = phase == "Succeeded" || phase == "Failed"
        if let record = state.withLock({ $0.pods[key] }), record.uid != uid { releasePod(key) }

        if !pod["metadata"]["deletionTimestamp"].isNull {
            try await stopAndDelete(pod, key: key, terminal: terminal)
            return
        }
        if terminal {
            releasePod(key)
            return
        }
        if pod["metadata"]["annotations"][SimulatedLabels.run] == "false" { return }

        let plan = PodRunPlan(pod: pod, defaultDuration: options.defaultRunDuration)
        let now = Date()
        guard let (record, isNew) = startRecord(pod, key: key, node: node, now: now) else {
            await recorders[nodeName]?.record(EventRecord(
                involvedObject: Self.reference(pod), type: "Warning", reason: "FailedCreatePodSandBox",
                message: "Failed to create pod sandbox: no free IP address in the node's pod range"))
            throw SimulationError("no free pod IP on node \(nodeName)")
        }
        if !record.warned, !plan.problems.isEmpty {
            state.withLock { $0.pods[key]?.warned = true }
            for problem in plan.problems {
                await recorders[nodeName]?.record(EventRecord(
                    involvedObject: Self.reference(pod), type: "Warning", reason: "InvalidSimulationAnnotation", message: problem))
            }
        }

        var simulated = SimulatedPodState.running(ready: plan.ready)
        if plan.completes {
            let finishAt = record.facts.startTime.addingTimeInterval(plan.runDuration.seconds)
            if finishAt <= now {
                simulated = .finished(exitCode: plan.exitCode, at: finishAt)
            } else {
                queue.addAfter(key, .nanoseconds(Int64(finishAt.timeIntervalSince(now) * 1e9)) + .milliseconds(5))
            }
        }
        if isNew && phase == "Pending" { await recordStartEvents(pod, node: nodeName) }
        try await writeStatus(pod, state: simulated, facts: record.facts, now: now)
        if case .finished = simulated { releasePod(key) }
    }

    /// The runtime record of a pod, created on first sight: host IP, pod IP (kept from the status
    /// after a simulator restart, else allocated) and start time. nil when no IP is free.
    func startRecord(_ pod: JSON, key: String, node: SimulatedNode, now: Date) -> (PodRecord, isNew: Bool)? {
        let uid = pod["metadata"]["uid"].stringValue ?? key
        let podCIDR = nodeInformer.cache.get(namespace: nil, name: node.name)?["spec"]["podCIDR"].stringValue
        return state.withLock { s -> (PodRecord, Bool)? in
            if let record = s.pods[key] { return (record, false) }
            if s.allocators[node.name] == nil {
                s.allocators[node.name] = podCIDR.flatMap(PodIPAllocator.init(cidr:)) ?? PodIPAllocator(cidr: node.fallbackPodCIDR)
            }
            var ip: String?
            if let existing = pod["status"]["podIP"].stringValue, s.allocators[node.name]?.reserve(existing, for: uid) == true {
                ip = existing
            } else {
                ip = s.allocators[node.name]?.allocate(for: uid)
            }
            guard let ip else { return nil }
            let start = pod["status"]["startTime"].stringValue.flatMap(Timestamp.parse) ?? now
            let record = PodRecord(uid: uid, node: node.name,
                                   facts: PodRuntimeFacts(hostIP: node.internalIP, podIP: ip, startTime: start), warned: false)
            s.pods[key] = record
            return (record, true)
        }
    }

    func releasePod(_ key: String) {
        state.withLock { s in
            guard let record = s.pods.removeValue(forKey: key) else { return }
            s.allocators[record.node]?.release(record.uid)
        }
    }

    /// Writes `status` unless the pod already shows it; on a conflict re-reads the pod once.
    func writeStatus(_ pod: JSON, state simulated: SimulatedPodState, facts: PodRuntimeFacts, now: Date) async throws {
        var current = pod
        for attempt in 0..<2 {
            let status = PodStatusBuilder.status(pod: current, state: simulated, facts: facts, now: now)
            guard Self.summary(current["status"]) != Self.summary(status) else { return }
            current["status"] = status
            if current["kind"].isNull { current["kind"] = "Pod"; current["apiVersion"] = "v1" }
            do {
                _ = try await client.updateStatus(.pods, namespace: current["metadata"]["namespace"].stringValue, object: current)
                return
            } catch let error as StatusError where error.code == 409 && attempt == 0 {
                current = try await client.get(.pods, namespace: pod["metadata"]["namespace"].stringValue,
                                               name: pod["metadata"]["name"].stringValue ?? "")
                guard current["metadata"]["uid"] == pod["metadata"]["uid"] else { return }
            }
        }
    }

    /// A pod being deleted: its containers are stopped (status written when they were running),
    /// then the pod is deleted with grace period 0, which lets the API server remove it.
    func stopAndDelete(_ pod: JSON, key: String, terminal: Bool) async throws {
        let namespace = pod["metadata"]["namespace"].stringValue
        let name = pod["metadata"]["name"].stringValue ?? ""
        if !terminal, let record = state.withLock({ $0.pods[key] }) {
            do {
                try await writeStatus(pod, state: .stopped(at: Date()), facts: record.facts, now: Date())
            } catch let error as StatusError where error.code == 404 {
                releasePod(key)
                return
            }
        }
        do {
            _ = try await client.delete(.pods, namespace: namespace, name: name,
                                        options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: pod["metadata"]["uid"].stringValue))
        } catch let error as StatusError where error.code == 404 || error.code == 409 {
            // Already gone, or a new pod of the same name (the UID precondition failed).
        }
        releasePod(key)
    }

    /// Pulled, Created and Started for each container, as the kubelet records them.
    func recordStartEvents(_ pod: JSON, node: String) async {
        guard let recorder = recorders[node] else { return }
        let containers = (pod["spec"]["initContainers"].arrayValue ?? []) + (pod["spec"]["containers"].arrayValue ?? [])
        let reference = Self.reference(pod)
        for container in containers {
            let name = container["name"].stringValue ?? ""
            let image = container["image"].stringValue ?? ""
            await recorder.record(EventRecord(involvedObject: reference, reason: "Pulled",
                                              message: "Container image \"\(image)\" already present on machine"))
            await recorder.record(EventRecord(involvedObject: reference, reason: "Created", message: "Created container: \(name)"))
            await recorder.record(EventRecord(involvedObject: reference, reason: "Started", message: "Started container \(name)"))
        }
    }

    /// What an event needs of a pod.
    static func reference(_ pod: JSON) -> JSON {
        ["kind": "Pod", "apiVersion": "v1", "metadata": [
            "namespace": pod["metadata"]["namespace"], "name": pod["metadata"]["name"],
            "uid": pod["metadata"]["uid"], "resourceVersion": pod["metadata"]["resourceVersion"],
        ]]
    }

    /// The parts of a pod status that decide whether it must be written (not timestamps the API
    /// server might reformat).
    static func summary(_ status: JSON) -> JSON {
        let conditions = (status["conditions"].arrayValue ?? []).map { JSON.array([$0["type"], $0["status"]]) }
        let containers = ((status["initContainerStatuses"].arrayValue ?? []) + (status["containerStatuses"].arrayValue ?? [])).map {
            JSON.array([$0["name"], $0["ready"], .array(($0["state"].objectValue?.keys.map { JSON.string($0) }) ?? []),
                        $0["state"]["terminated"]["exitCode"]])
        }
        return [status["phase"], status["podIP"], status["hostIP"], .array(conditions.sorted { "\($0)" < "\($1)" }), .array(containers)]
    }
}

/// A problem of the simulation itself (e.g. a full pod range); the pod is retried with backoff.
public struct SimulationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: TimeInterval {
        let (whole, atto) = components
        return TimeInterval(whole) + TimeInterval(atto) * 1e-18
    }
}
