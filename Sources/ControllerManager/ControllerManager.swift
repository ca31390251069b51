import ComponentKit
import FoundationEssentials
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Builds the loops of the enabled controllers (`ControllerLoops.make`).
public enum ControllerLoops {
    /// The loop of `name`, registering its informer handlers on the context's shared informers.
    static func make(_ name: ControllerName, _ ctx: ControllerContext) throws(ControllerManagerError) -> ControllerLoop {
        switch name {
        case .replicaset: return replicaSet(ctx)
        case .deployment: return deployment(ctx)
        case .statefulset: return statefulSet(ctx)
        case .daemonset: return daemonSet(ctx)
        case .job: return job(ctx)
        case .cronjob: return cronJob(ctx)
        case .garbagecollector: return garbageCollector(ctx)
        case .namespace: return namespace(ctx)
        case .endpoint: return endpoints(ctx)
        case .endpointslice: return endpointSlices(ctx)
        case .serviceaccount: return serviceAccount(ctx)
        case .rootCACertPublisher: return rootCACertPublisher(ctx)
        case .nodelifecycle: return nodeLifecycle(ctx)
        case .nodeipam: return try nodeIPAM(ctx)
        case .disruption: return disruption(ctx)
        case .podgc: return podGC(ctx)
        case .servicelb: return serviceLB(ctx)
        }
    }
}

/// `swiftlet-controllers`: the enabled control loops over one set of shared informers, run only
/// while this process holds the `kube-controller-manager` Lease.
///
/// Life cycle: `init` validates the options and builds the loops (handlers registered, nothing
/// started) -> `run` campaigns for the Lease (when configured) -> as leader: start informers, wait
/// for every cache (`informers-synced` ready check), run each loop's workers -> on cancellation
/// everything stops and the Lease is released; on lost leadership `run` throws, so the supervisor
/// restarts the process with fresh caches as kube-controller-manager does.
public final class ControllerManager: Sendable {
    public let options: ControllerManagerOptions
    public let context: ControllerContext
    /// The loops that run, by name.
    public let loops: [ControllerName: ControllerLoop]

    /// - Throws: `ControllerManagerError` for settings a loop cannot work with (e.g. a bad cluster CIDR).
    public init(client: any KubeAPIClient, options: ControllerManagerOptions, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) throws(ControllerManagerError) {
        self.options = options
        let informers = SharedInformerFactory(client: client)
        // Pods as compact text: a third of the memory of parsed trees with 10,000 pods (BENCHMARKS.md).
        informers.setTransform(CacheProjections.pod, for: .pods, storage: .text)
        context = ControllerContext(client: client, informers: informers, options: options, logger: logger, now: now)
        var loops: [ControllerName: ControllerLoop] = [:]
        for name in options.enabled.sorted() {
            loops[name] = try ControllerLoops.make(name, context)
        }
        self.loops = loops
    }

    /// The names of the loops that run, sorted.
    public var enabledControllers: [ControllerName] { loops.keys.sorted() }

    /// Runs until cancelled (or leadership is lost, which throws).
    /// - Parameter health: `leader-election` (live) and `informers-synced` (ready) are kept current.
    public func run(health: HealthChecks? = nil) async throws {
        guard let election = options.leaderElection else {
            health?.setLive("leader-election", true)
            await runLoops(health: health)
            return
        }
        let elector = LeaderElector(client: context.client, config: election)
        health?.setLive("leader-election", true)
        health?.setReady("informers-synced", false)
        let lost = Mutex(false)
        context.logger.info("campaigning for leadership", metadata: [
            "lease": "\(election.leaseNamespace)/\(election.leaseName)", "identity": "\(election.identity)"])
        try await elector.run(
            onStartedLeading: {
                self.context.logger.info("became leader; starting controllers",
                                         metadata: ["controllers": "\(self.enabledControllers.map(\.rawValue))"])
                await self.runLoops(health: health)
            },
            onStoppedLeading: {
                guard !Task.isCancelled else { return }
                lost.withLock { $0 = true }
                health?.setLive("leader-election", false)
            })
        if lost.withLock({ $0 }) { throw ControllerManagerError.leadershipLost }
    }

    /// Starts the informers, waits for their caches, and runs every loop's workers until cancelled.
    public func runLoops(health: HealthChecks? = nil) async {
        health?.setReady("informers-synced", false)
        context.informers.start()
        defer { context.informers.shutdown() }
        guard await context.informers.waitForCacheSync() else { return }
        health?.setReady("informers-synced", true)
        context.logger.info("caches synced", metadata: ["resources": "\(context.informers.resources.count)"])
        await withTaskGroup(of: Void.self) { group in
            for loop in loops.values {
                group.addTask { await loop.run() }
            }
        }
    }
}
