import CRI
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Logging

extension NodeAgent {
    /// A pod being deleted: its containers get their stop signal and the grace period, the
    /// sandbox is stopped and removed, then the pod object is deleted for good (grace 0, with
    /// the pod's UID as precondition so a new pod of the same name is never hit).
    func terminate(pod: JSON) async throws {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let grace = pod["metadata"]["deletionGracePeriodSeconds"].intValue
            ?? pod["spec"]["terminationGracePeriodSeconds"].intValue ?? 30
        probes.stop(uid: uid)
        let sandboxes = try await runtime.listPodSandbox(filter: .labels([PodLabels.podUID: uid]))
        for sandbox in sandboxes {
            let running = try await runtime.listContainers(filter: .sandbox(sandbox.id)).filter { $0.state == .containerRunning }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for container in running {
                    group.addTask { [self] in
                        try await killContainer(pod: pod, name: container.metadata.name, containerID: container.id, grace: grace)
                    }
                }
                try await group.waitForAll()
            }
            try await runtime.stopPodSandbox(sandbox.id)
            try await runtime.removePodSandbox(sandbox.id)
        }
        PodCgroups.remove(uid: uid)
        forget(uid: uid)
        do {
            _ = try await client.delete(.pods, namespace: pod["metadata"]["namespace"].stringValue,
                                        name: pod["metadata"]["name"].stringValue ?? "",
                                        options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: uid))
            logger.info("pod terminated and deleted", metadata: ["pod": "\(ObjectCache.key(for: pod) ?? uid)"])
        } catch let error as StatusError where error.code == 404 || error.code == 409 {
            // Already gone, or a new pod of the same name holds it.
        }
    }

    /// Stops and removes the sandboxes (of this agent) carrying `labels`.
    func removeSandboxes(labels: [String: String]) async throws {
        var filter = labels
        filter[PodLabels.managedBy] = "true"
        for sandbox in try await runtime.listPodSandbox(filter: .labels(filter)) { try await removeSandbox(sandbox) }
    }

    func removeSandbox(_ sandbox: Runtime_V1_PodSandbox) async throws {
        let uid = sandbox.labels[PodLabels.podUID] ?? ""
        logger.info("removing the sandbox of a pod that no longer exists", metadata: [
            "pod": "\(sandbox.metadata.namespace)/\(sandbox.metadata.name)", "uid": "\(uid)", "sandbox": "\(sandbox.id)"])
        try await runtime.stopPodSandbox(sandbox.id)
        try await runtime.removePodSandbox(sandbox.id)
        PodCgroups.remove(uid: uid)
        forget(uid: uid)
    }

    /// Removes every sandbox this agent made whose pod is not in the API any more (at start:
    /// what a previous run left; later: pods deleted while a sync failed). Sandboxes of pods
    /// that still exist are adopted as they are: the pod's sync finds them by UID.
    func removeOrphanSandboxes() async {
        let live = Set(podInformer.cache.list().compactMap { $0["metadata"]["uid"].stringValue })
        do {
            for sandbox in try await runtime.listPodSandbox(filter: .labels([PodLabels.managedBy: "true"]))
            where !live.contains(sandbox.labels[PodLabels.podUID] ?? "") {
                do { try await removeSandbox(sandbox) } catch {
                    logger.warning("cannot remove an orphaned sandbox", metadata: ["sandbox": "\(sandbox.id)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("cannot list sandboxes", metadata: ["error": "\(error)"])
        }
    }

    /// Drops what the agent remembered of a pod.
    func forget(uid: String) {
        probes.stop(uid: uid)
        state.withLock { s in
            s.backoffs = s.backoffs.filter { !$0.key.hasPrefix(uid + "/") }
            s.waiting = s.waiting.filter { !$0.key.hasPrefix(uid + "/") }
            s.pullBackoffs = s.pullBackoffs.filter { !$0.key.hasPrefix(uid + "/") }
        }
        removePodDirectory(uid: uid)
    }

    /// Lists the agent's containers every `relistInterval` and wakes the pods whose containers
    /// appeared, changed state or went away (the kubelet's PLEG).
    func relistLoop() async {
        while !Task.isCancelled {
            do {
                var filter = Runtime_V1_ContainerFilter()
                filter.labelSelector = [PodLabels.managedBy: "true"]
                let containers = try await runtime.listContainers(filter: filter)
                var current: [String: RelistEntry] = [:]
                for container in containers {
                    let key = "\(container.labels[PodLabels.podNamespace] ?? "")/\(container.labels[PodLabels.podName] ?? "")"
                    current[container.id] = RelistEntry(state: container.state, podKey: key)
                }
                let previous = state.withLock { s -> [String: RelistEntry] in
                    defer { s.relisted = current }
                    return s.relisted
                }
                var wake = Set<String>()
                for (id, entry) in current where previous[id]?.state != entry.state { wake.insert(entry.podKey) }
                for (id, entry) in previous where current[id] == nil { wake.insert(entry.podKey) }
                for key in wake where key != "/" { queue.add(key) }
            } catch {
                logger.debug("relist failed", metadata: ["error": "\(error)"])
            }
            guard (try? await Task.sleep(for: options.relistInterval)) != nil else { return }
        }
    }
}

/// A container as the last relist saw it.
struct RelistEntry: Sendable, Equatable {
    var state: Runtime_V1_ContainerState
    var podKey: String
}
