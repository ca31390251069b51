import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Logging

extension NodeAgentOptions {
    /// `<agent>/pods`: one directory per pod UID holding its volumes.
    public var podsDirectory: String { agentDirectory + "/pods" }
}

/// The ConfigMap and Secret names a pod refers to (volumes, projected sources, env, envFrom,
/// image pull secrets).
public struct PodReferences: Sendable, Equatable {
    public var configMaps: Set<String> = []
    public var secrets: Set<String> = []

    public init(pod: JSON) {
        // Watched like the others, so the next pull sees a pull secret created or changed late.
        secrets.formUnion(PullSecrets.names(pod: pod))
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            if let name = volume["configMap"]["name"].stringValue { configMaps.insert(name) }
            if let name = volume["secret"]["secretName"].stringValue { secrets.insert(name) }
            for source in volume["projected"]["sources"].arrayValue ?? [] {
                if let name = source["configMap"]["name"].stringValue { configMaps.insert(name) }
                if let name = source["secret"]["name"].stringValue { secrets.insert(name) }
            }
        }
        let containers = (pod["spec"]["initContainers"].arrayValue ?? []) + (pod["spec"]["containers"].arrayValue ?? [])
        for container in containers {
            for source in container["envFrom"].arrayValue ?? [] {
                if let name = source["configMapRef"]["name"].stringValue { configMaps.insert(name) }
                if let name = source["secretRef"]["name"].stringValue { secrets.insert(name) }
            }
            for entry in container["env"].arrayValue ?? [] {
                if let name = entry["valueFrom"]["configMapKeyRef"]["name"].stringValue { configMaps.insert(name) }
                if let name = entry["valueFrom"]["secretKeyRef"]["name"].stringValue { secrets.insert(name) }
            }
        }
    }
}

extension NodeAgent {
    var podVolumes: PodVolumes { PodVolumes(podsDirectory: options.podsDirectory) }

    /// The ConfigMaps and Secrets the pod refers to, as the informers hold them now.
    func referencedObjects(pod: JSON) -> PodObjects {
        let namespace = pod["metadata"]["namespace"].stringValue ?? "default"
        let references = PodReferences(pod: pod)
        var objects = PodObjects()
        for name in references.configMaps {
            objects.configMaps[name] = namespaceObjects.configMap(namespace: namespace, name: name)
        }
        for name in references.secrets {
            objects.secrets[name] = namespaceObjects.secret(namespace: namespace, name: name)
        }
        return objects
    }

    /// Namespaces with pods here that refer to ConfigMaps or Secrets.
    func namespacesUsingObjects() -> Set<String> {
        Set(podInformer.cache.list().compactMap { pod -> String? in
            let references = PodReferences(pod: pod)
            guard !references.configMaps.isEmpty || !references.secrets.isEmpty else { return nil }
            return pod["metadata"]["namespace"].stringValue
        })
    }

    /// The node's allocatable cpu, memory and ephemeral storage (all of the machine: nothing is
    /// reserved).
    var nodeAllocatable: [String: Quantity] {
        var result: [String: Quantity] = [:]
        for (name, value) in machine.capacity where ["cpu", "memory", "ephemeral-storage"].contains(name) {
            result[name] = try? Quantity(parsing: value)
        }
        return result
    }

    /// What the containers of `pod` are built with: identity, objects, volumes.
    func runtimeContext(pod: JSON, podIP: String) -> PodRuntimeContext {
        PodRuntimeContext(nodeName: options.nodeName, hostIP: machine.internalIP, podIP: podIP,
                          objects: referencedObjects(pod: pod), nodeAllocatable: nodeAllocatable,
                          volumes: podVolumes.paths(pod: pod))
    }

    /// Sets up or refreshes the pod's volumes. On failure records `FailedMount` events and
    /// returns false: the pod's containers must not start yet.
    func setUpVolumes(pod: JSON) async -> Bool {
        let references = PodReferences(pod: pod)
        if !references.configMaps.isEmpty || !references.secrets.isEmpty {
            // Watch the pod's namespace; its first list must be in before "not found" means it.
            let namespace = pod["metadata"]["namespace"].stringValue ?? "default"
            guard await namespaceObjects.waitForSync(namespace, timeout: .seconds(5)) else {
                logger.info("ConfigMaps and Secrets of the pod's namespace not listed yet", metadata: ["namespace": "\(namespace)"])
                return false
            }
        }
        guard !(pod["spec"]["volumes"].arrayValue ?? []).isEmpty else { return true }
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        var objects = referencedObjects(pod: pod)
        for request in ServiceAccountTokenRequest.all(pod: pod) {
            objects.tokens[request] = await serviceAccountTokens.projected(request)
        }
        let allocatable = nodeAllocatable
        let volumes = podVolumes
        let report = await Task.detached { volumes.setUp(pod: pod, objects: objects, nodeAllocatable: allocatable) }.value
        if !report.skipped.isEmpty, state.withLock({ $0.volumeNotices.insert(uid).inserted }) {
            logger.warning("projected volume sources skipped: the API server does not serve TokenRequest", metadata: [
                "pod": "\(ObjectCache.key(for: pod) ?? uid)", "sources": "\(report.skipped.joined(separator: ", "))"])
        }
        for failure in report.failures {
            await event(pod, "Warning", "FailedMount", failure.message)
        }
        // A token nearing its refresh time: the pod syncs again then, which requests a new one
        // and swaps it into the running pod's volume like a changed ConfigMap.
        if let refreshAt = serviceAccountTokens.refreshToSchedule(podUID: uid), let key = ObjectCache.key(for: pod) {
            let delay = max(0, refreshAt.timeIntervalSinceNow)
            queue.addAfter(key, .milliseconds(Int64(delay * 1000) + 50))
        }
        return report.failures.isEmpty
    }

    /// Emits upstream's warning for `envFrom` keys that are no valid variable names.
    func reportInvalidEnvFrom(pod: JSON, container: JSON, context: PodRuntimeContext) async {
        for message in ContainerEnvironment.invalidEnvFromMessages(pod: pod, container: container, objects: context.objects) {
            await event(pod, "Warning", "InvalidEnvironmentVariableNames", message)
        }
    }

    /// A ConfigMap or Secret changed: the pods here that refer to it sync again, which rewrites
    /// their volumes (atomic swap) or lets containers waiting for it start.
    func referencedObjectChanged(_ object: JSON, isSecret: Bool) {
        guard let namespace = object["metadata"]["namespace"].stringValue, let name = object["metadata"]["name"].stringValue else { return }
        for pod in podInformer.cache.list() where pod["metadata"]["namespace"].stringValue == namespace {
            let references = PodReferences(pod: pod)
            if isSecret ? references.secrets.contains(name) : references.configMaps.contains(name) { enqueue(pod) }
        }
    }

    /// Unmounts and removes the pod's directory (its volumes); problems are logged.
    func removePodDirectory(uid: String) {
        state.withLock { _ = $0.volumeNotices.remove(uid) }
        serviceAccountTokens.forget(podUID: uid)
        do {
            try podVolumes.tearDown(uid: uid)
        } catch {
            logger.warning("cannot remove the pod's volumes", metadata: ["uid": "\(uid)", "error": "\(error)"])
        }
    }

    /// Removes pod directories whose pod is neither in the API nor has a sandbox here.
    func removeOrphanPodDirectories() async {
        var keep = Set(podInformer.cache.list().compactMap { $0["metadata"]["uid"].stringValue })
        do {
            for sandbox in try await runtime.listPodSandbox(filter: .labels([PodLabels.managedBy: "true"])) {
                keep.insert(sandbox.labels[PodLabels.podUID] ?? "")
            }
        } catch {
            return  // Without the runtime's view nothing is known to be safe to delete.
        }
        for uid in podVolumes.orphans(live: keep) {
            logger.info("removing the volumes of a pod that no longer exists", metadata: ["uid": "\(uid)"])
            removePodDirectory(uid: uid)
        }
    }
}
