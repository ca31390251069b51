import CRI
import ContainerdSupport
import FoundationEssentials
import Glibc
import SwiftletSystem
import KubeAPI
import KubeClient
import Logging

extension NodeAgent {
    func worker() async {
        await queue.processItems(sync: { key in
            let started = ContinuousClock.now
            defer { monitor.observeSync(ContinuousClock.now - started) }
            try await syncPod(key: key)
        }) { key, error in
            logger.info("pod sync failed; retrying", metadata: ["pod": "\(key)", "error": "\(error)"])
        }
    }

    /// Brings one pod's sandbox and containers to what its spec and phase ask for, then writes
    /// its status. Runs for one key at a time (the work queue never hands a key to two workers).
    func syncPod(key: String) async throws {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        guard let pod = podInformer.cache.get(key: key) else {
            // Gone from the API: whatever the runtime still holds of it goes too.
            try await removeSandboxes(labels: [PodLabels.podNamespace: parts[0], PodLabels.podName: parts[1]])
            return
        }
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        // Sandboxes of an earlier pod of the same name go; the pod's own are observed below
        // (one runtime listing for both).
        var named: [Runtime_V1_PodSandbox] = []
        for sandbox in try await runtime.listPodSandbox(filter: .labels([
            PodLabels.podNamespace: parts[0], PodLabels.podName: parts[1], PodLabels.managedBy: "true"])) {
            if sandbox.labels[PodLabels.podUID] == uid { named.append(sandbox) } else { try await removeSandbox(sandbox) }
        }
        if !pod["metadata"]["deletionTimestamp"].isNull {
            try await terminate(pod: pod)
            return
        }
        let phase = pod["status"]["phase"].stringValue ?? "Pending"
        if phase == "Succeeded" || phase == "Failed" {
            // Finished for good: nothing runs any more, the sandbox (and its IP) is released.
            for sandbox in try await runtime.listPodSandbox(filter: .labels([PodLabels.podUID: uid])) where sandbox.state == .sandboxReady {
                try await runtime.stopPodSandbox(sandbox.id)
            }
            // Its volumes too, as upstream's volume manager does for terminated pods: memory-backed
            // ones (secrets, emptyDir Medium=Memory) give their memory back now, not at deletion.
            // Logs live apart (pod-logs) and stay readable.
            if FileManager.default.fileExists(atPath: podVolumes.podDirectory(uid: uid)) {
                probes.stop(uid: uid)
                removePodDirectory(uid: uid)
            }
            return
        }
        var runtimePod = try await observe(uid: uid, sandboxes: named)
        if runtimePod.sandboxID == nil, notReadyReason(nil) != nil, !PodSandboxSpec.hostNetwork(pod) {
            // No pod network yet: look again shortly (not with the error backoff, which grows to minutes).
            queue.addAfter(key, .seconds(1))
            return
        }
        guard await setUpVolumes(pod: pod) else {
            // FailedMount: the containers wait (ContainerCreating); a change of the ConfigMap
            // or Secret wakes the pod at once, this is the fallback.
            try await writeStatus(pod: pod, observation: podObservation(pod: pod, runtimePod: runtimePod))
            queue.addAfter(key, .seconds(5))
            return
        }
        // A pod without a sandbox is started in the shim group of its namespace that has the
        // fewest starts going on.
        let shimGroup = runtimePod.sandboxID == nil ? claimShimGroup(namespace: parts[0]) : nil
        defer { if let shimGroup { releaseShimGroup(shimGroup) } }
        guard let sandboxConfig = try await ensureSandbox(pod: pod, runtimePod: &runtimePod, shimGroup: shimGroup) else { return }
        if try await killUnhealthyContainers(pod: pod, runtimePod: runtimePod) { runtimePod = try await observe(uid: uid) }
        if try await startContainers(pod: pod, runtimePod: runtimePod, sandboxConfig: sandboxConfig, key: key) {
            runtimePod = try await observe(uid: uid)
            noteObserved(runtimePod, podKey: key)
        }
        await syncProbeWorkers(pod: pod, runtimePod: runtimePod)
        try await writeStatus(pod: pod, observation: podObservation(pod: pod, runtimePod: runtimePod))
        // A container waiting out its restart or pull delay is looked at again when the delay
        // ends; one whose pull just failed a second from now, to show ImagePullBackOff.
        let now = Date()
        let (nextRestart, pullFailed) = state.withLock { s in
            let restarts = s.backoffs.filter { $0.key.hasPrefix(uid + "/") }.map(\.value.restartAt)
            let pulls = s.pullBackoffs.filter { $0.key.hasPrefix(uid + "/") }.compactMap(\.value.retryAt)
            let failed = s.waiting.contains { $0.key.hasPrefix(uid + "/") && $0.value.reason == "ErrImagePull" }
            return ((restarts + pulls).filter { $0 > now }.min(), failed)
        }
        if pullFailed {
            queue.addAfter(key, .seconds(1))
        } else if let nextRestart {
            queue.addAfter(key, .milliseconds(Int64(nextRestart.timeIntervalSince(now) * 1000) + 50))
        }
    }

    /// Of the namespace's shim groups (as many as pods are started at once), the one with the
    /// fewest pods being started in it: a shim creates one container at a time, so starts at the
    /// same moment go to different shims; the lowest on a tie, so a quiet node keeps one shim per
    /// namespace. Given back with `releaseShimGroup` when the pod's start is over.
    func claimShimGroup(namespace: String) -> String {
        state.withLock { s in
            let chosen = PodSandboxSpec.leastBusyShimGroup(namespace: namespace, groups: options.workers, starting: s.startingShimGroups)
            s.startingShimGroups[chosen, default: 0] += 1
            return chosen
        }
    }

    func releaseShimGroup(_ group: String) {
        state.withLock { s in
            let left = s.startingShimGroups[group, default: 1] - 1
            s.startingShimGroups[group] = left > 0 ? left : nil
        }
    }

    /// Tells the relist what this sync saw of the pod's created and running containers, so the
    /// relist does not wake the pod again for containers it just started (a second sync of every
    /// new pod, with all its runtime calls). Exited containers are left for the relist to report:
    /// an exit seen only here has not been acted on yet.
    func noteObserved(_ runtimePod: RuntimePod, podKey: String) {
        state.withLock { s in
            for run in runtimePod.runs.values.joined() where run.state == .containerRunning || run.state == .containerCreated {
                s.relisted[run.id] = RelistEntry(state: run.state, podKey: podKey)
            }
        }
    }

    /// The pod's ready sandbox, created (in `shimGroup`) when there is none; older, stopped ones
    /// are removed. Returns the config the sandbox runs with, or nil when it cannot be created now.
    func ensureSandbox(pod: JSON, runtimePod: inout RuntimePod, shimGroup: String?) async throws -> Runtime_V1_PodSandboxConfig? {
        let attempt = UInt32(runtimePod.allSandboxes.map { Int($0.metadata.attempt) + 1 }.max() ?? 0)
        let host = ResolvConf(parsing: WholeFile.text(options.resolvConfPath) ?? "")
        let cluster = PodDNS.Cluster(servers: options.clusterDNS, domain: options.clusterDomain)
        let dns = PodDNS.resolvConf(pod: pod, host: host, cluster: cluster)
        if let id = runtimePod.sandboxID, let sandbox = runtimePod.allSandboxes.first(where: { $0.id == id }) {
            var config = PodSandboxSpec.config(pod: pod, attempt: sandbox.metadata.attempt, logRoot: options.podLogDirectory, dns: dns)
            // Containers join the sandbox's shim (containerd takes the group from this config).
            config.annotations[ContainerdConfig.shimGroupAnnotation] = sandbox.annotations[ContainerdConfig.shimGroupAnnotation]
            return config
        }
        for old in runtimePod.allSandboxes {
            try? await runtime.stopPodSandbox(old.id)
            try? await runtime.removePodSandbox(old.id)
        }
        let config = PodSandboxSpec.config(pod: pod, attempt: attempt, logRoot: options.podLogDirectory, dns: dns, shimGroup: shimGroup)
        if PodDNS.kind(pod: pod, cluster: cluster).missingClusterDNS {
            await event(pod, "Warning", "MissingClusterDNS",
                        "pod: \"\(config.metadata.name)_\(config.metadata.namespace)(\(config.metadata.uid))\". kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.")
        }
        try FileManager.default.createDirectory(atPath: config.logDirectory, withIntermediateDirectories: true)
        do {
            let id = try await runtime.runPodSandbox(config)
            logger.info("started pod sandbox", metadata: ["pod": "\(config.metadata.namespace)/\(config.metadata.name)", "sandbox": "\(id)"])
        } catch {
            await event(pod, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: \(error)")
            throw error
        }
        runtimePod = try await observe(uid: config.metadata.uid)
        return runtimePod.sandboxID == nil ? nil : config
    }

    /// Starts what should run next: init containers one at a time in order, then every app
    /// container that has not run, or exited and may restart (after its backoff). True when it
    /// started any.
    func startContainers(pod: JSON, runtimePod: RuntimePod, sandboxConfig: Runtime_V1_PodSandboxConfig, key: String) async throws -> Bool {
        guard let sandboxID = runtimePod.sandboxID else { return false }
        var started = false
        let restartPolicy = pod["spec"]["restartPolicy"].stringValue ?? "Always"
        let context = runtimeContext(pod: pod, podIP: runtimePod.podIP ?? "")
        for container in pod["spec"]["initContainers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            guard let newest = runtimePod.runs[name]?.first else {
                try await startContainer(pod: pod, container: container, attempt: 0, sandboxID: sandboxID, sandboxConfig: sandboxConfig, context: context)
                return true
            }
            switch newest.state {
            case .containerExited where newest.exitCode == 0: continue
            case .containerExited:
                guard restartPolicy != "Never" else { return false }
                if try await restartAllowed(pod: pod, name: name, exited: newest) {
                    try await startContainer(pod: pod, container: container, attempt: newest.metadata.attempt + 1,
                                             sandboxID: sandboxID, sandboxConfig: sandboxConfig, context: context)
                    return true
                }
                return false
            default: return false  // running (or being created): wait for it
            }
        }
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            guard let newest = runtimePod.runs[name]?.first else {
                try await startContainer(pod: pod, container: container, attempt: 0, sandboxID: sandboxID, sandboxConfig: sandboxConfig, context: context)
                started = true
                continue
            }
            guard newest.state == .containerExited else { continue }
            let restart = restartPolicy == "Always" || (restartPolicy == "OnFailure" && newest.exitCode != 0)
            if restart, try await restartAllowed(pod: pod, name: name, exited: newest) {
                try await startContainer(pod: pod, container: container, attempt: newest.metadata.attempt + 1,
                                         sandboxID: sandboxID, sandboxConfig: sandboxConfig, context: context)
                started = true
            }
        }
        return started
    }

    /// Whether an exited container may restart now; arms its backoff on first sight of the exit.
    func restartAllowed(pod: JSON, name: String, exited: Runtime_V1_ContainerStatus) async throws -> Bool {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let key = "\(uid)/\(name)"
        let finished = Date(criNanos: exited.finishedAt) ?? Date()
        let started = Date(criNanos: exited.startedAt) ?? finished
        let (restartAt, fresh) = state.withLock { s -> (Date, Bool) in
            if let entry = s.backoffs[key], entry.containerID == exited.id { return (entry.restartAt, false) }
            var backoff = s.backoffs[key]?.backoff ?? options.backoff
            let wait = backoff.exited(ranFor: .milliseconds(Int64(max(0, finished.timeIntervalSince(started)) * 1000)))
            let at = finished.addingTimeInterval(Double(wait.components.seconds) + Double(wait.components.attoseconds) * 1e-18)
            s.backoffs[key] = (backoff, exited.id, at)
            return (at, true)
        }
        if restartAt <= Date() { return true }
        if fresh {
            await event(pod, "Warning", "BackOff", "Back-off restarting failed container \(name) in pod \(pod["metadata"]["name"].stringValue ?? "")")
        }
        return false
    }

    /// Pulls the image as the policy says, then creates and starts one container. A problem the
    /// pod itself causes (a bad spec, a missing image under Never) is recorded as the container's
    /// waiting reason and an event, not thrown; runtime failures are thrown and retried.
    func startContainer(pod: JSON, container: JSON, attempt: UInt32, sandboxID: String,
                        sandboxConfig: Runtime_V1_PodSandboxConfig, context: PodRuntimeContext) async throws {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let name = container["name"].stringValue ?? ""
        let image = container["image"].stringValue ?? ""
        let waitingKey = "\(uid)/\(name)"
        let config: Runtime_V1_ContainerConfig
        do {
            config = try ContainerSpec.config(pod: pod, container: container, attempt: attempt, context: context)
        } catch {
            state.withLock { $0.waiting[waitingKey] = ("CreateContainerConfigError", "\(error)") }
            await event(pod, "Warning", "Failed", "Error: \(error)")
            return
        }
        await reportInvalidEnvFrom(pod: pod, container: container, context: context)
        let present = try await runtime.imageStatus(image) != nil
        switch PullPolicy.of(image: image, imagePullPolicy: container["imagePullPolicy"].stringValue).decision(imagePresent: present) {
        case .usePresent:
            if attempt == 0 { await event(pod, "Normal", "Pulled", "Container image \"\(image)\" already present on machine") }
        case .fail:
            let message = "Container image \"\(image)\" is not present with pull policy of Never"
            state.withLock { $0.waiting[waitingKey] = ("ErrImageNeverPull", message) }
            await event(pod, "Warning", "ErrImageNeverPull", message)
            return
        case .pull:
            // A failed pull waits out its backoff (syncPod wakes the pod when it ends); the
            // pod's other containers go on.
            guard await pull(image: image, pod: pod, sandboxConfig: sandboxConfig, waitingKey: waitingKey) else { return }
        }
        try FileManager.default.createDirectory(atPath: sandboxConfig.logDirectory + "/" + name, withIntermediateDirectories: true)
        let id: String
        do {
            id = try await runtime.createContainer(podSandboxID: sandboxID, config: config, sandboxConfig: sandboxConfig)
        } catch {
            state.withLock { $0.waiting[waitingKey] = ("CreateContainerError", "\(error)") }
            await event(pod, "Warning", "Failed", "Error: \(error)")
            throw error
        }
        await event(pod, "Normal", "Created", "Created container: \(name)")
        do {
            try await runtime.startContainer(id)
        } catch {
            await event(pod, "Warning", "Failed", "Error: \(error)")
            throw error
        }
        state.withLock { _ = $0.waiting.removeValue(forKey: waitingKey) }
        await event(pod, "Normal", "Started", "Started container \(name)")
        try await runPostStartHook(pod: pod, container: container, containerID: id, podIP: context.podIP.isEmpty ? machine.internalIP : context.podIP)
    }

    /// Writes `pods/<name>/status` with a merge patch of the fields the kubelet owns, unless the
    /// server already shows them.
    func writeStatus(pod: JSON, observation: PodObservation) async throws {
        let status = PodStatusComposer.status(pod: pod, observation: observation, now: Date())
        guard Self.summary(pod["status"]) != Self.summary(status) else { return }
        let patch: JSON = ["metadata": ["uid": pod["metadata"]["uid"]], "status": status]
        do {
            _ = try await client.patch(.pods, namespace: pod["metadata"]["namespace"].stringValue,
                                       name: pod["metadata"]["name"].stringValue ?? "", patch: patch, patchType: .merge,
                                       subresource: "status")
        } catch let error as StatusError where error.code == 404 || error.code == 409 {
            // Deleted or replaced meanwhile: the informer brings the news.
        }
    }

    /// What decides whether a status must be written (not timestamps the server may reformat).
    static func summary(_ status: JSON) -> JSON {
        let conditions = (status["conditions"].arrayValue ?? []).map { JSON.array([$0["type"], $0["status"]]) }
        let containers = ((status["initContainerStatuses"].arrayValue ?? []) + (status["containerStatuses"].arrayValue ?? [])).map {
            JSON.array([$0["name"], $0["ready"], $0["started"], $0["restartCount"], $0["containerID"], $0["state"]["waiting"]["reason"],
                        .array(($0["state"].objectValue?.keys.map { JSON.string($0) }) ?? []),
                        $0["state"]["terminated"]["exitCode"], $0["lastState"]["terminated"]["exitCode"]])
        }
        return [status["phase"], status["podIP"], status["hostIP"], .array(conditions.sorted { "\($0)" < "\($1)" }), .array(containers)]
    }

    func event(_ pod: JSON, _ type: String, _ reason: String, _ message: String) async {
        let reference: JSON = ["kind": "Pod", "apiVersion": "v1", "metadata": [
            "namespace": pod["metadata"]["namespace"], "name": pod["metadata"]["name"],
            "uid": pod["metadata"]["uid"], "resourceVersion": pod["metadata"]["resourceVersion"],
        ]]
        await recorder.record(EventRecord(involvedObject: reference, type: type, reason: reason, message: message))
    }
}

/// A condition under which the agent cannot act on a pod yet; the pod is retried with backoff.
public struct NodeAgentError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
