import Foundation
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// Enqueues every Service of the pod's namespace whose selector matches the pod's labels (old
    /// and new labels on an update, so a pod leaving a Service is removed from it).
    static func enqueueServices(selecting pods: [JSON], services: Informer, loop: ControllerLoop) {
        for pod in pods {
            guard let namespace = Owners.namespace(pod) else { continue }
            let labels = Owners.labels(pod)
            for service in services.cache.list(namespace: namespace) {
                guard let selector = service["spec"]["selector"].objectValue, !selector.isEmpty else { continue }
                if selector.allSatisfy({ key, value in labels[key] == value.stringValue }) {
                    loop.enqueue(object: service)
                }
            }
        }
    }

    /// Endpoints: keyed by Service; pod changes enqueue the Services selecting the pod.
    static func endpoints(_ ctx: ControllerContext) -> ControllerLoop {
        let services = ctx.informers.informer(for: .services)
        let pods = ctx.informers.informer(for: .pods)
        let endpoints = ctx.informers.informer(for: .endpoints)
        let loop = ControllerLoop(name: .endpoint, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace else { return nil }
            let actions = EndpointsController.sync(
                service: services.cache.get(namespace: namespace, name: name), namespace: namespace, name: name,
                pods: pods.cache.list(namespace: namespace), existing: endpoints.cache.get(namespace: namespace, name: name))
            try await ctx.perform(actions)
            return nil
        }
        services.onAnyChange { loop.enqueue(object: $0) }
        endpoints.onDelete { loop.enqueue(object: $0) }
        pods.addEventHandler(ResourceEventHandler(
            onAdd: { enqueueServices(selecting: [$0], services: services, loop: loop) },
            onUpdate: { old, new in enqueueServices(selecting: [old, new], services: services, loop: loop) },
            onDelete: { enqueueServices(selecting: [$0], services: services, loop: loop) }))
        return loop
    }

    /// EndpointSlices: keyed by Service; pod changes enqueue the Services selecting the pod, slice
    /// changes the Service named by their `kubernetes.io/service-name` label.
    static func endpointSlices(_ ctx: ControllerContext) -> ControllerLoop {
        let services = ctx.informers.informer(for: .services)
        let pods = ctx.informers.informer(for: .pods)
        let slices = ctx.informers.informer(for: .endpointSlices)
        let nodes = ctx.informers.informer(for: .nodes)
        slices.cache.addIndex(serviceNameIndex) { serviceKeys(of: $0) }
        let loop = ControllerLoop(name: .endpointslice, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            // A deleted Service's slices go with it through their ownerReference (garbage collector).
            guard let namespace, let service = services.cache.get(namespace: namespace, name: name) else { return nil }
            let actions = EndpointSliceController.sync(
                service: service, pods: pods.cache.list(namespace: namespace),
                existingSlices: slices.cache.byIndex(serviceNameIndex, key), nodes: nodes.cache.list())
            try await ctx.perform(actions)
            return nil
        }
        services.onAnyChange { loop.enqueue(object: $0) }
        slices.onAnyChange { slice in
            for key in serviceKeys(of: slice) { loop.enqueue(key) }
        }
        pods.addEventHandler(ResourceEventHandler(
            onAdd: { enqueueServices(selecting: [$0], services: services, loop: loop) },
            onUpdate: { old, new in enqueueServices(selecting: [old, new], services: services, loop: loop) },
            onDelete: { enqueueServices(selecting: [$0], services: services, loop: loop) }))
        return loop
    }

    static let serviceNameIndex = "serviceName"

    static func serviceKeys(of slice: JSON) -> [String] {
        guard let namespace = Owners.namespace(slice),
              let service = slice["metadata"]["labels"]["kubernetes.io/service-name"].stringValue else { return [] }
        return [ObjectCache.key(namespace: namespace, name: service)]
    }
}
