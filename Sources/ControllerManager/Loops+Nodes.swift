import FoundationEssentials
import KubeAPI
import KubeClient
import Synchronization
import WorkloadControllers

extension ControllerLoops {
    /// Node lifecycle: keyed by node name; a node's Lease in `nodeLeaseNamespace` enqueues it, and
    /// each sync comes back at the Lease's grace deadline (a kubelet that stops renewing sends no
    /// event) or the next toleration expiry of its pods.
    static func nodeLifecycle(_ ctx: ControllerContext) -> ControllerLoop {
        let nodes = ctx.informers.informer(for: .nodes)
        let leases = ctx.informers.informer(for: .leases)
        let pods = ctx.informers.informer(for: .pods)
        let leaseNamespace = ctx.options.nodeLeaseNamespace
        let config = ctx.options.nodeLifecycle
        let loop = ControllerLoop(name: .nodelifecycle, workers: ctx.options.workers, logger: ctx.logger) { name in
            guard let node = nodes.cache.get(key: name) else { return nil }
            let result = NodeLifecycleController.sync(
                node: node, lease: leases.cache.get(namespace: leaseNamespace, name: name),
                pods: pods.cache.byIndex(ObjectCache.nodeNameIndex, name), now: ctx.now(), config: config)
            try await ctx.perform(result.actions)
            return result.requeueAfter ?? config.gracePeriod
        }
        nodes.onAnyChange { loop.enqueue(object: $0) }
        leases.onAnyChange { lease in
            if Owners.namespace(lease) == leaseNamespace { loop.enqueue(Owners.name(lease)) }
        }
        pods.onAdd { pod in
            if let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty { loop.enqueue(node) }
        }
        return loop
    }

    /// Node IPAM: one `spec.podCIDR` per node from the cluster CIDR. The allocator is stateful over
    /// all nodes, so the loop has a single key and one worker.
    static func nodeIPAM(_ ctx: ControllerContext) throws(ControllerManagerError) -> ControllerLoop {
        let allocator: Mutex<NodeIPAMAllocator>
        do {
            allocator = Mutex(try NodeIPAMAllocator(clusterCIDR: ctx.options.clusterCIDR,
                                                    nodeMaskSize: ctx.options.nodeCIDRMaskSize))
        } catch {
            throw .invalidConfig("nodeipam: \(error)")
        }
        let nodes = ctx.informers.informer(for: .nodes)
        let loop = ControllerLoop(name: .nodeipam, workers: 1, logger: ctx.logger) { _ in
            let actions = allocator.withLock { $0.sync(nodes: nodes.cache.list()) }
            try await ctx.perform(actions)
            return nil
        }
        nodes.addEventHandler(ResourceEventHandler(
            onAdd: { _ in loop.enqueue(allNodesKey) },
            onUpdate: { old, new in
                if old["spec"]["podCIDR"] != new["spec"]["podCIDR"] || new["spec"]["podCIDR"].isNull {
                    loop.enqueue(allNodesKey)
                }
            },
            onDelete: { _ in loop.enqueue(allNodesKey) }))
        return loop
    }

    static let allNodesKey = "nodes"

    /// PodDisruptionBudgets: keyed by budget; pod changes enqueue every budget of the pod's namespace
    /// (budgets are few), workload scale changes likewise.
    static func disruption(_ ctx: ControllerContext) -> ControllerLoop {
        let budgets = ctx.informers.informer(for: .podDisruptionBudgets)
        let pods = ctx.informers.informer(for: .pods)
        let workloads = [ResourceType.deployments, .replicaSets, .statefulSets].map { ctx.informers.informer(for: $0) }
        let loop = ControllerLoop(name: .disruption, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace, let budget = budgets.cache.get(namespace: namespace, name: name) else { return nil }
            let controllers = workloads.flatMap { $0.cache.list(namespace: namespace) }
            let actions = DisruptionBudgetController.sync(pdb: budget, pods: pods.cache.list(namespace: namespace),
                                                          controllers: controllers, now: ctx.now())
            try await ctx.perform(actions)
            return nil
        }
        budgets.onAnyChange { loop.enqueue(object: $0) }
        for informer in [pods] + workloads {
            informer.onAnyChange { object in
                guard let namespace = Owners.namespace(object) else { return }
                for budget in budgets.cache.list(namespace: namespace) { loop.enqueue(object: budget) }
            }
        }
        return loop
    }
}

extension ControllerLoops {
    /// Pod garbage collection of orphans: pods bound to nodes that no longer exist. One key; node
    /// deletions and pods bound to unknown nodes trigger it, and it runs every 20 s.
    static func podGC(_ ctx: ControllerContext) -> ControllerLoop {
        let nodes = ctx.informers.informer(for: .nodes)
        let pods = ctx.informers.informer(for: .pods)
        let loop = ControllerLoop(name: .podgc, workers: 1, logger: ctx.logger) { _ in
            // Node names from the pod cache's node index, and only the pods of missing nodes:
            // the pod cache keeps text (`ObjectStorage.text`), so listing every pod every 20 s
            // would parse all of them.
            let known = Set(nodes.cache.keys())
            let missing = pods.cache.indexValues(ObjectCache.nodeNameIndex).filter { !known.contains($0) }
            let all = missing.flatMap { pods.cache.byIndex(ObjectCache.nodeNameIndex, $0) }
            var gone: Set<String> = []
            for node in PodGarbageCollector.missingNodes(pods: all, knownNodes: known) {
                do {
                    _ = try await ctx.client.get(.nodes, namespace: nil, name: node, subresource: nil)
                } catch let error as StatusError where error.code == 404 {
                    gone.insert(node)
                }
            }
            let actions = PodGarbageCollector.deleteOrphans(pods: all, goneNodes: gone)
            try await ctx.perform(actions)
            return .seconds(20)
        }
        nodes.onDelete { _ in loop.enqueue(podGCKey) }
        pods.onAdd { pod in
            if let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty, nodes.cache.get(key: node) == nil {
                loop.enqueue(podGCKey)
            }
        }
        loop.enqueue(podGCKey)
        return loop
    }

    static let podGCKey = "orphans"
}
