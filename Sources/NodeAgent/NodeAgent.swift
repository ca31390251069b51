import CRI
import ComponentKit
import ContainerdSupport
import FoundationEssentials
import Glibc
import KubeAPI
import ServiceProxy
import KubeClient
import Logging
import SimulatedNodes
import Synchronization

/// Where the agent keeps its files and how often it acts.
public struct NodeAgentOptions: Sendable {
    public var nodeName: String
    /// Servers label their node `node-role.kubernetes.io/control-plane=true`.
    public var controlPlane = false
    /// `<data-dir>/agent`.
    public var agentDirectory: String
    /// The CNI conf_dir containerd reads (the supervisor's containerd config names it).
    public var cniConfDirectory: String
    public var clusterCIDR = "10.42.0.0/16"
    /// Writes the node's pod masquerade table (`PodMasquerade`); nil leaves masquerading to others.
    public var nft: NFTables? = NFTables()
    public var resolvConfPath = "/etc/resolv.conf"
    /// The cluster DNS pods with `dnsPolicy: ClusterFirst` use (empty: the host's resolv.conf).
    public var clusterDNS: [String] = []
    public var clusterDomain = "cluster.local"
    /// A running container's log is rotated past this size (upstream's containerLogMaxSize, 10Mi)
    /// and at most this many files kept per container log (containerLogMaxFiles, 5).
    public var containerLogMaxSize: Int64 = 10 * 1024 * 1024
    public var containerLogMaxFiles = 5
    public var logRotationInterval: Duration = .seconds(10)
    public var leaseRenewInterval: Duration = .seconds(10)
    public var leaseDurationSeconds: Int64 = 40
    public var statusReportInterval: Duration = .seconds(300)
    /// How often the runtime's containers are listed to notice exits (the kubelet's PLEG relist).
    public var relistInterval: Duration = .seconds(1)
    /// How often sandboxes of pods that no longer exist are looked for.
    public var housekeepingInterval: Duration = .seconds(10)
    public var workers = 4
    /// Hard eviction thresholds; crossing one sets a pressure condition (upstream's defaults).
    public var evictionHard = EvictionThresholds.defaults
    /// How long a pressure condition stays True after its signals recovered.
    public var evictionPressureTransitionPeriod: Duration = .seconds(300)
    /// How often the pressure signals are read (upstream's eviction monitoring interval is 10 s).
    public var pressureCheckInterval: Duration = .seconds(5)
    /// How often the static pod manifests are read (upstream's file check frequency is 20 s).
    public var staticPodCheckInterval: Duration = .seconds(5)
    /// The port the kubelet API listens on (`status.daemonEndpoints.kubeletEndpoint.Port`, where
    /// the apiserver connects for logs and exec): the bound one, so port 0 in tests works too.
    public var kubeletPort = 10250
    /// The node's InternalIP; nil: the default route interface's address (`MachineInfo`).
    public var nodeIP: String?
    public var backoff = CrashBackoff()
    /// The backoff between failed pulls of an image for a pod (ImagePullBackOff).
    public var pullBackoff = ImagePullBackoff()
    /// registries.yaml: its `configs.<host>.auth` are the credentials of pulls no image pull
    /// secret matches (and the last try after those that do).
    public var registries = RegistriesConfig()

    public init(nodeName: String, agentDirectory: String, cniConfDirectory: String? = nil) {
        self.nodeName = nodeName
        self.agentDirectory = agentDirectory
        self.cniConfDirectory = cniConfDirectory ?? agentDirectory + "/cni/net.d"
    }

    public var imagesDirectory: String { agentDirectory + "/images" }
    public var importStatePath: String { agentDirectory + "/containerd/imported-images.json" }
    public var podLogDirectory: String { agentDirectory + "/pod-logs" }
    public var ipamDirectory: String { agentDirectory + "/cni/ipam" }
    /// Static pod manifests (K3s's `agent/pod-manifests`).
    public var staticPodDirectory: String { agentDirectory + "/pod-manifests" }
}

/// A real kubelet on a CRI runtime (containerd):
///
/// ```
///  run ─► runtime ready ─► import <agent>/images ─► register Node ─► informers synced
///      ─► adopt/clean sandboxes ─┬► heartbeat: Lease every 10 s; status on change / 5 min;
///                                │   CNI config once spec.podCIDR is set (Ready needs it)
///                                ├► relist: containers that changed state wake their pod
///                                ├► housekeeping: sandboxes of pods gone from the API removed
///                                ├► static pods: <agent>/pod-manifests mirrored to the API
///                                └► workers: sync one pod at a time per pod key
///  cancel ─► loops end; pods keep running (containerd's shims outlive the agent)
/// ```
public final class NodeAgent: Sendable {
    /// Readiness checks: the Node exists; the runtime and network are up.
    public static let registeredCheck = "node-registered"

    struct State: Sendable {
        var lease: JSON?
        var lastStatusReport: ContinuousClock.Instant?
        var cniWritten = false
        /// The pod masquerade table last written, and the last failure to write it (logged once).
        var masquerade: PodMasquerade?
        var masqueradeError: String?
        var runtimeReady = false
        var networkReady = false
        var runtimeVersion = ""
        var pressure = NodePressure()
        /// Container id -> state seen by the last relist.
        var relisted: [String: RelistEntry] = [:]
        /// `uid/container` -> restart backoff and the exited container it was armed for.
        var backoffs: [String: (backoff: CrashBackoff, containerID: String, restartAt: Date)] = [:]
        /// `uid/container` -> why it is waiting (image pull problems, bad config).
        var waiting: [String: (reason: String, message: String)] = [:]
        /// `uid/image` -> backoff after failed pulls.
        var pullBackoffs: [String: ImagePullBackoff] = [:]
        /// Shim group -> pods whose sandbox and containers are being started in it now.
        var startingShimGroups: [String: Int] = [:]
        /// Pod UIDs whose skipped volume sources were logged already.
        var volumeNotices: Set<String> = []
    }

    public let options: NodeAgentOptions
    let client: any KubeAPIClient
    let runtime: ContainerRuntimeClient
    let logger: Logger
    let health: HealthChecks?
    let recorder: EventRecorder
    let machine: MachineInfo
    let state = Mutex(State())
    /// Liveness, readiness and startup probe workers and their results.
    let probes = ProbeWorkers()
    /// Sync durations and CPU samples for `/metrics` and `/stats/summary`.
    let monitor = KubeletMonitor()
    /// Failed syncs retry from 200 ms up to 30 s (image pulls, runtime errors).
    let queue = WorkQueue<String>(rateLimiter: ItemExponentialBackoff(base: .milliseconds(200), maximum: .seconds(30)))
    public let nodeInformer: Informer
    public let podInformer: Informer
    /// ConfigMaps and Secrets of the namespaces whose pods here use them (volumes, env).
    let namespaceObjects: NamespaceObjectInformers
    /// Bound service-account tokens of the pods' projected volumes.
    let serviceAccountTokens: ServiceAccountTokenManager

    public init(client: any KubeAPIClient, runtime: ContainerRuntimeClient, options: NodeAgentOptions,
                logger: Logger, health: HealthChecks? = nil) {
        self.client = client
        self.runtime = runtime
        self.options = options
        self.logger = logger
        self.health = health
        recorder = EventRecorder(client: client, component: "kubelet", host: options.nodeName, logger: logger)
        var machine = MachineInfo.current(dataDirectory: options.agentDirectory)
        if let nodeIP = options.nodeIP { machine.internalIP = nodeIP }
        self.machine = machine
        nodeInformer = Informer(client: client, resource: .nodes, fieldSelector: "metadata.name=\(options.nodeName)")
        podInformer = Informer(client: client, resource: .pods, fieldSelector: "spec.nodeName=\(options.nodeName)")
        namespaceObjects = NamespaceObjectInformers(client: client)
        serviceAccountTokens = ServiceAccountTokenManager { request in
            try await client.create(.serviceAccounts, namespace: request.namespace, object: request.body, subresource: "token")
        }
    }

    /// Runs until cancelled.
    public func run() async throws {
        health?.setReady(Self.registeredCheck, false)
        try await waitForRuntime()
        await importImages()
        podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [self] pod in enqueue(pod) },
            onUpdate: { [self] old, pod in if Self.needsSync(old: old, new: pod) { enqueue(pod) } },
            onDelete: { [self] pod in enqueue(pod) }))
        namespaceObjects.onChange { [weak self] object, isSecret in self?.referencedObjectChanged(object, isSecret: isSecret) }
        defer { queue.shutDown() }
        defer { probes.stopAll() }
        try await registerNode()
        health?.setReady(Self.registeredCheck, true)
        // Everything runs as a child of this group, informers included, so that when the run is
        // cancelled it returns only after every request of ours finished (the API client is
        // shut down right after).
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await nodeInformer.run() }
            group.addTask { [self] in await podInformer.run() }
            group.addTask { [self] in await namespaceObjects.run() }
            guard await nodeInformer.waitForSync(), await podInformer.waitForSync() else {
                group.cancelAll()
                return
            }
            await removeOrphanSandboxes()
            await removeOrphanPodDirectories()
            logger.info("node agent running", metadata: ["node": "\(options.nodeName)"])
            group.addTask { [self] in await heartbeatLoop() }
            group.addTask { [self] in await relistLoop() }
            group.addTask { [self] in await staticPodLoop() }
            group.addTask { [self] in await logRotationLoop() }
            group.addTask { [self] in
                // A cancelled sleep ends the loop at once: the runtime client is shutting down then.
                while (try? await Task.sleep(for: options.housekeepingInterval)) != nil {
                    await removeOrphanSandboxes()
                    await removeOrphanPodDirectories()
                    namespaceObjects.retain(namespacesUsingObjects())
                }
            }
            for _ in 0..<max(1, options.workers) { group.addTask { [self] in await worker() } }
            group.addTask { [self] in
                // Stops the workers when the run is cancelled (they wait in `get()`).
                while (try? await Task.sleep(for: .seconds(3600))) != nil {}
                queue.shutDown()
            }
        }
    }

    /// Whether a pod update asks for a sync: anything but the status changed (spec, labels,
    /// annotations, deletion), or the status turned terminal. The kubelet's own status writes come
    /// back as updates too; a sync for each would repeat every runtime call of the pod for nothing
    /// (upstream's pod config ignores status-only updates the same way).
    static func needsSync(old: JSON, new: JSON) -> Bool {
        func withoutStatus(_ pod: JSON) -> JSON {
            var pod = pod
            pod["status"] = .null
            pod["metadata"]["resourceVersion"] = .null
            pod["metadata"]["managedFields"] = .null
            return pod
        }
        let phase = new["status"]["phase"].stringValue
        if phase != old["status"]["phase"].stringValue, phase == "Succeeded" || phase == "Failed" { return true }
        return withoutStatus(old) != withoutStatus(new)
    }

    func enqueue(_ pod: JSON) {
        guard let key = ObjectCache.key(for: pod) else { return }
        queue.add(key)
    }

    /// Polls CRI Status until RuntimeReady (containerd starts its CRI plugin a moment after its socket).
    func waitForRuntime() async throws {
        var delay = Duration.milliseconds(100)
        while true {
            try Task.checkCancellation()
            do {
                let status = try await runtime.status(timeout: .seconds(10))
                if status.isRuntimeReady {
                    let version = try await runtime.version(timeout: .seconds(10))
                    state.withLock {
                        $0.runtimeReady = true
                        $0.runtimeVersion = "\(version.runtimeName)://\(version.runtimeVersion)"
                    }
                    return
                }
                logger.info("waiting for the container runtime to be ready")
            } catch {
                logger.info("container runtime not reachable yet", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    /// Imports the air-gap image tarballs (the pause image among them) with `ctr`.
    func importImages() async {
        let importer = ImageImporter(socketPath: runtime.socketPath, statePath: options.importStatePath, logger: logger)
        let directory = options.imagesDirectory
        let report = await Task.detached { importer.importDirectory(directory) }.value
        for failure in report.failures {
            logger.error("cannot import image tarball", metadata: ["file": "\(failure.path)", "error": "\(failure.reason)"])
        }
    }

    var nodeDescription: NodeDescription {
        var description = NodeDescription(name: options.nodeName, machine: machine,
                                          containerRuntimeVersion: state.withLock { $0.runtimeVersion }, controlPlane: options.controlPlane)
        description.kubeletPort = Int64(options.kubeletPort)
        return description
    }

    /// Creates the Node (or adds our labels to an existing one) and writes its first status,
    /// retrying with backoff until the API server takes it.
    func registerNode() async throws {
        var delay = Duration.milliseconds(200)
        while true {
            try Task.checkCancellation()
            do {
                var stored: JSON
                do {
                    stored = try await client.create(.nodes, object: nodeDescription.nodeObject())
                } catch let error as StatusError where error.code == 409 {
                    let existing = try await client.get(.nodes, name: options.nodeName)
                    stored = try await client.update(.nodes, object: nodeDescription.nodeObject(existing: existing))
                }
                stored["status"] = nodeDescription.status(previous: stored["status"], notReadyReason: notReadyReason(stored),
                                                          pressure: state.withLock { $0.pressure }, now: Date())
                do {
                    _ = try await client.updateStatus(.nodes, object: stored)
                    state.withLock { $0.lastStatusReport = .now }
                } catch let error as StatusError where error.code == 409 {
                    // Changed meanwhile (the node IPAM controller set spec.podCIDR): the node
                    // exists, and the heartbeat writes the status from the fresh copy at once.
                }
                logger.info("registered node", metadata: ["node": "\(options.nodeName)"])
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("cannot register node; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    /// Why the node is not Ready, nil when it is.
    func notReadyReason(_ node: JSON?) -> String? {
        let (runtimeReady, networkReady) = state.withLock { ($0.runtimeReady, $0.networkReady) }
        if !runtimeReady { return "container runtime is down" }
        if !networkReady {
            return node?["spec"]["podCIDR"].stringValue == nil
                ? "network plugin not ready: waiting for spec.podCIDR" : "network plugin not ready: cni config uninitialized"
        }
        return nil
    }
}
