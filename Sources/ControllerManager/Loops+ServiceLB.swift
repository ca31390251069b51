import FoundationEssentials
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// ServiceLB: keyed by Service; a Node change (Ready, addresses) enqueues every Service that
    /// is or was a LoadBalancer.
    static func serviceLB(_ ctx: ControllerContext) -> ControllerLoop {
        let services = ctx.informers.informer(for: .services)
        let nodes = ctx.informers.informer(for: .nodes)
        let loop = ControllerLoop(name: .servicelb, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace, let service = services.cache.get(namespace: namespace, name: name) else { return nil }
            try await ctx.perform(ServiceLBController.sync(service: service, nodes: nodes.cache.list()))
            return nil
        }
        services.onAnyChange { loop.enqueue(object: $0) }
        let enqueueBalanced: @Sendable () -> Void = {
            for service in services.cache.list()
            where service["spec"]["type"].stringValue == "LoadBalancer" || !service["status"]["loadBalancer"]["ingress"].isNull {
                loop.enqueue(object: service)
            }
        }
        // Heartbeats change nodes all the time; only readiness, addresses and labels matter here.
        @Sendable func relevant(_ node: JSON) -> [JSON] {
            [.bool(ServiceLBController.isNodeReady(node)), node["status"]["addresses"], node["metadata"]["labels"]]
        }
        nodes.addEventHandler(ResourceEventHandler(
            onAdd: { _ in enqueueBalanced() },
            onUpdate: { old, new in if relevant(old) != relevant(new) { enqueueBalanced() } },
            onDelete: { _ in enqueueBalanced() }))
        return loop
    }
}
