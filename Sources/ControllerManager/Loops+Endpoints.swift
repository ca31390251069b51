import FoundationEssentials
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
    /// changes the Service named by their `kubernetes.io/service-name` label. A Service is not
    /// synced again until the slice cache has seen the controller's own last writes (upstream's
    /// endpointSliceTracker): a second sync on a cache without the slice just created would create
    /// another one.
    static func endpointSlices(_ ctx: ControllerContext) -> ControllerLoop {
        let services = ctx.informers.informer(for: .services)
        let pods = ctx.informers.informer(for: .pods)
        let slices = ctx.informers.informer(for: .endpointSlices)
        let nodes = ctx.informers.informer(for: .nodes)
        slices.cache.addIndex(serviceNameIndex) { serviceKeys(of: $0) }
        let written = KeyedState<SliceWrites>()
        let loop = ControllerLoop(name: .endpointslice, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            // A deleted Service's slices go with it through their ownerReference (garbage collector).
            guard let namespace, let service = services.cache.get(namespace: namespace, name: name) else {
                written[key] = nil
                return nil
            }
            let cached = slices.cache.byIndex(serviceNameIndex, key)
            let now = ctx.now()
            if let pending = written[key] {
                if let wait = pending.waitTime(cached: cached, now: now) { return wait }
                written[key] = nil
            }
            let actions = EndpointSliceController.sync(
                service: service, pods: pods.cache.list(namespace: namespace),
                existingSlices: cached, nodes: nodes.cache.list())
            var writes = SliceWrites(at: now)
            defer { if !writes.isEmpty { written[key] = writes } }
            for action in actions {
                do {
                    writes.record(action, result: try await ctx.executor.perform(action))
                } catch let error as StatusError where error.code == 404 && action.isSliceDelete {
                    writes.record(action, result: nil)
                } catch {
                    throw SyncError((action, error))
                }
            }
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

/// The EndpointSlices one sync of a Service wrote: names with the resourceVersion the API server
/// returned, and names deleted.
struct SliceWrites: Sendable {
    /// How long the cache may lag before the writes are forgotten (a lost watch event must not
    /// stop the Service's slices for good).
    static let timeToLive: Duration = .seconds(30)

    var written: [String: String] = [:]
    var deleted: Set<String> = []
    let at: Date

    init(at: Date) { self.at = at }

    var isEmpty: Bool { written.isEmpty && deleted.isEmpty }

    mutating func record(_ action: ControllerAction, result: JSON?) {
        switch action {
        case .create(.endpointSlices, _, _), .update(.endpointSlices, _, _):
            if let result, let version = result["metadata"]["resourceVersion"].stringValue {
                written[Owners.name(result)] = version
            }
        case .delete(.endpointSlices, _, let name, _):
            deleted.insert(name)
            written[name] = nil
        default: break
        }
    }

    /// nil when `cached` holds every written slice at its version or newer and none deleted (or
    /// the writes expired); otherwise how long to wait at most before looking again (a slice
    /// event wakes the Service sooner).
    func waitTime(cached: [JSON], now: Date) -> Duration? {
        let age = now.timeIntervalSince(at)
        let ttl = Double(Self.timeToLive.components.seconds)
        guard age < ttl else { return nil }
        var seen: [String: String] = [:]
        for slice in cached { seen[Owners.name(slice)] = slice["metadata"]["resourceVersion"].stringValue ?? "" }
        let stale = deleted.contains { seen[$0] != nil } || written.contains { name, version in
            guard let current = seen[name] else { return true }
            // resourceVersions are opaque, but this API server's are counters: older means stale.
            if let have = UInt64(current), let want = UInt64(version) { return have < want }
            return false
        }
        return stale ? .milliseconds(Int64((ttl - age) * 1000) + 1) : nil
    }
}

extension ControllerAction {
    var isSliceDelete: Bool {
        if case .delete(.endpointSlices, _, _, _) = self { return true }
        return false
    }
}
