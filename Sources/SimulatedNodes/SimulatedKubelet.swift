import ComponentKit
import FoundationEssentials
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// A kubelet with a simulated container runtime for many nodes at once (KWOK / kubemark hollow
/// nodes): it registers the nodes, renews their Leases, reports node status, and moves the pods
/// bound to them through Pending -> Running (-> Succeeded/Failed) with the kubelet's status fields.
///
/// ```
///  run ─► register nodes (retry) ─► nodes-registered ─► pod informer synced ─┬► per node: lease every 10 s,
///                                                                            │   status on change / every 60 s
///                                                                            └► workers: sync pod keys
///  cancel ─► loops end; Nodes and Leases stay (the node lifecycle controller marks them NotReady)
/// ```
///
/// One pod informer (`spec.nodeName!=`) serves every node, so 100 nodes cost one watch, not 100;
/// pods of other nodes are filtered out in the handler.
public final class SimulatedKubelet: Sendable {
    /// Readiness check set once every node exists on the server.
    public static let registeredCheck = "nodes-registered"

    struct PodRecord: Sendable {
        var uid: String
        var node: String
        var facts: PodRuntimeFacts
        var warned: Bool
    }

    struct State: Sendable {
        var registered: Set<String> = []
        /// Nodes deleted from the server after registration: their loops stop, their pods are left alone.
        var deleted: Set<String> = []
        var leases: [String: JSON] = [:]
        var lastStatusReport: [String: ContinuousClock.Instant] = [:]
        var allocators: [String: PodIPAllocator] = [:]
        var pods: [String: PodRecord] = [:]
    }

    public let options: SimulatedNodesOptions
    public let nodes: [SimulatedNode]
    let client: any KubeAPIClient
    let logger: Logger
    let health: HealthChecks?
    let recorders: [String: EventRecorder]
    let byName: [String: SimulatedNode]
    let state = Mutex(State())
    let queue = WorkQueue<String>()
    /// Every node of ours (by label), for `spec.podCIDR` and deletions.
    public let nodeInformer: Informer
    /// Pods bound to any node.
    public let podInformer: Informer

    public init(client: any KubeAPIClient, options: SimulatedNodesOptions, logger: Logger, health: HealthChecks? = nil) {
        self.client = client
        self.options = options
        self.logger = logger
        self.health = health
        nodes = options.nodeNames.enumerated().map { SimulatedNode(name: $1, index: $0) }
        byName = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, $0) })
        recorders = Dictionary(uniqueKeysWithValues: nodes.map {
            ($0.name, EventRecorder(client: client, component: "kubelet", host: $0.name, logger: logger))
        })
        nodeInformer = Informer(client: client, resource: .nodes, labelSelector: "\(SimulatedLabels.simulatedNode)=true")
        podInformer = Informer(client: client, resource: .pods, fieldSelector: "spec.nodeName!=")
    }

    /// Runs until the task is cancelled.
    public func run() async throws {
        health?.setReady(Self.registeredCheck, false)
        podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [self] pod in enqueueIfOurs(pod) },
            onUpdate: { [self] _, pod in enqueueIfOurs(pod) },
            onDelete: { [self] pod in enqueueIfOurs(pod) }))
        nodeInformer.onDelete { [self] node in
            guard let name = node["metadata"]["name"].stringValue, byName[name] != nil else { return }
            let wasRegistered = state.withLock { s in
                guard s.registered.contains(name) else { return false }
                s.deleted.insert(name)
                return true
            }
            if wasRegistered { logger.info("node deleted; leaving it and its pods alone", metadata: ["node": "\(name)"]) }
        }
        defer {
            queue.shutDown()
            podInformer.stop()
            nodeInformer.stop()
        }
        try await registerAll()
        health?.setReady(Self.registeredCheck, true)
        logger.info("simulated nodes registered", metadata: ["count": "\(nodes.count)"])
        nodeInformer.start()
        podInformer.start()
        guard await nodeInformer.waitForSync(), await podInformer.waitForSync() else { return }

        await withTaskGroup(of: Void.self) { group in
            for (offset, node) in nodes.enumerated() {
                // Spread the heartbeats over the renew interval so 1,000 nodes do not write at once.
                let delay = options.leaseRenewInterval * (Double(offset) / Double(max(1, nodes.count)))
                group.addTask { [self] in await heartbeatLoop(node, initialDelay: delay) }
            }
            for _ in 0..<max(1, options.workers) {
                group.addTask { [self] in await worker() }
            }
            group.addTask { [self] in
                // Stops the workers when the run is cancelled (they wait in `get()`).
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                queue.shutDown()
            }
        }
    }

    func enqueueIfOurs(_ pod: JSON) {
        guard let node = pod["spec"]["nodeName"].stringValue, byName[node] != nil,
              let key = ObjectCache.key(for: pod) else { return }
        queue.add(key)
    }

    func isActive(_ node: String) -> Bool {
        state.withLock { $0.registered.contains(node) && !$0.deleted.contains(node) }
    }

    // MARK: Registration

    /// Creates or updates every node (a few at a time), retrying with backoff until all exist.
    func registerAll() async throws {
        var pending = nodes
        var backoff = Duration.milliseconds(200)
        while !pending.isEmpty {
            try Task.checkCancellation()
            var failed: [SimulatedNode] = []
            for batch in stride(from: 0, to: pending.count, by: 16).map({ Array(pending[$0..<min($0 + 16, pending.count)]) }) {
                let results = await withTaskGroup(of: (SimulatedNode, Bool).self) { group in
                    for node in batch { group.addTask { [self] in (node, await register(node)) } }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                failed += results.filter { !$0.1 }.map(\.0)
            }
            pending = failed.sorted { $0.index < $1.index }
            if !pending.isEmpty {
                logger.warning("nodes not registered yet; retrying", metadata: ["pending": "\(pending.count)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(10))
            }
        }
    }

    /// Registers one node: create, or update an existing one with our labels; then its status.
    func register(_ node: SimulatedNode) async -> Bool {
        let now = Date()
        do {
            var stored: JSON
            do {
                stored = try await client.create(.nodes, object: node.nodeObject(profile: options.profile, now: now))
            } catch let error as StatusError where error.code == 409 {
                let existing = try await client.get(.nodes, name: node.name)
                stored = try await client.update(.nodes, object: node.nodeObject(profile: options.profile, existing: existing, now: now))
            }
            stored["status"] = node.status(profile: options.profile, previous: stored["status"], now: now)
            _ = try await client.updateStatus(.nodes, object: stored)
            state.withLock { s in
                s.registered.insert(node.name)
                s.deleted.remove(node.name)
                s.lastStatusReport[node.name] = ContinuousClock.now
            }
            logger.debug("registered node", metadata: ["node": "\(node.name)"])
            return true
        } catch {
            logger.warning("cannot register node", metadata: ["node": "\(node.name)", "error": "\(error)"])
            return false
        }
    }
}
