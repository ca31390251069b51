import KubeAPI
import Synchronization

/// Callbacks an informer delivers. They run on the informer's task, one at a time and in event
/// order, so they must be quick (typically: enqueue a key on a `WorkQueue`).
public struct ResourceEventHandler: Sendable {
    public var onAdd: @Sendable (JSON) -> Void
    public var onUpdate: @Sendable (_ old: JSON, _ new: JSON) -> Void
    /// Receives the last known state of the object (for deletions seen only through a re-list too).
    public var onDelete: @Sendable (JSON) -> Void

    public init(onAdd: @escaping @Sendable (JSON) -> Void = { _ in },
                onUpdate: @escaping @Sendable (_ old: JSON, _ new: JSON) -> Void = { _, _ in },
                onDelete: @escaping @Sendable (JSON) -> Void = { _ in }) {
        self.onAdd = onAdd
        self.onUpdate = onUpdate
        self.onDelete = onDelete
    }
}

/// A cache of one resource type kept current by a `Reflector`, with event handlers, like
/// client-go's `SharedIndexInformer`. Register handlers, then `run()` (or `start()`), then
/// `waitForSync()` before trusting the cache.
///
/// A handler registered after the informer has started first receives an add for every object
/// already in the cache (so it may see an object twice around the moment it registers).
public final class Informer: Sendable {
    struct State {
        var handlers: [ResourceEventHandler] = []
        var synced = false
        var started = false
        var syncWaiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var cancelledWaiters: Set<Int> = []
        var nextWaiterID = 0
        var task: Task<Void, Never>?
    }

    public let cache: ObjectCache
    public let resource: ResourceType
    let reflector = Mutex<Reflector?>(nil)
    let state = Mutex(State())
    let client: any KubeAPIClient
    let configuration: Reflector.Configuration

    /// - Parameters:
    ///   - namespace: nil watches all namespaces.
    ///   - indexers: custom indexes in addition to `namespace`, `ownerUID` and `nodeName`.
    public convenience init(client: any KubeAPIClient, resource: ResourceType, namespace: String? = nil,
                labelSelector: String? = nil, fieldSelector: String? = nil,
                indexers: [String: IndexFunction] = [:], backoff: ExponentialBackoff = .reflectorDefault,
                pageSize: Int? = 500) {
        self.init(client: client,
                  configuration: Reflector.Configuration(resource: resource, namespace: namespace,
                                                         labelSelector: labelSelector, fieldSelector: fieldSelector,
                                                         pageSize: pageSize, backoff: backoff),
                  indexers: indexers)
    }

    /// An informer with full control over its reflector's configuration.
    public init(client: any KubeAPIClient, configuration: Reflector.Configuration, indexers: [String: IndexFunction] = [:]) {
        self.client = client
        self.configuration = configuration
        self.resource = configuration.resource
        self.cache = ObjectCache(indexers: indexers)
    }

    // MARK: Handlers

    public func addEventHandler(_ handler: ResourceEventHandler) {
        let replay: [JSON] = state.withLock { s in
            s.handlers.append(handler)
            return s.started ? cache.list() : []
        }
        for object in replay { handler.onAdd(object) }
    }

    public func onAdd(_ body: @escaping @Sendable (JSON) -> Void) {
        addEventHandler(ResourceEventHandler(onAdd: body))
    }

    public func onUpdate(_ body: @escaping @Sendable (_ old: JSON, _ new: JSON) -> Void) {
        addEventHandler(ResourceEventHandler(onUpdate: body))
    }

    public func onDelete(_ body: @escaping @Sendable (JSON) -> Void) {
        addEventHandler(ResourceEventHandler(onDelete: body))
    }

    // MARK: Running

    /// Lists and watches until the task is cancelled. Call once (or use `start()`).
    public func run() async {
        let reflector = Reflector(client: client, configuration: configuration, cache: cache,
                                  onDeltas: { [weak self] deltas in self?.dispatch(deltas) },
                                  onSynced: { [weak self] in self?.markSynced() })
        self.reflector.withLock { $0 = reflector }
        state.withLock { $0.started = true }
        await reflector.run()
    }

    /// Starts `run()` in a task of its own (once; later calls do nothing). `stop()` cancels it.
    public func start() {
        state.withLock { s in
            guard s.task == nil else { return }
            s.task = Task { [self] in await self.run() }
        }
    }

    /// Cancels the task `start()` created.
    public func stop() {
        let task = state.withLock { s in defer { s.task = nil }; return s.task }
        task?.cancel()
    }

    /// True once the first list is in the cache and its events were delivered.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// The reflector's last seen resourceVersion ("" before the first list).
    public var lastSyncResourceVersion: String { reflector.withLock { $0?.lastSyncResourceVersion ?? "" } }

    /// Waits until the informer has synced; false if the waiting task is cancelled first.
    public func waitForSync() async -> Bool {
        let id: Int = state.withLock { s in defer { s.nextWaiterID += 1 }; return s.nextWaiterID }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let result: Bool? = state.withLock { s in
                    if s.synced { return true }
                    if s.cancelledWaiters.remove(id) != nil { return false }
                    s.syncWaiters[id] = continuation
                    return nil
                }
                if let result { continuation.resume(returning: result) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Bool, Never>? = state.withLock { s in
                if let waiter = s.syncWaiters.removeValue(forKey: id) { return waiter }
                if !s.synced { s.cancelledWaiters.insert(id) }
                return nil
            }
            waiter?.resume(returning: false)
        }
    }

    func markSynced() {
        let waiters = state.withLock { s in
            s.synced = true
            defer { s.syncWaiters = [:]; s.cancelledWaiters = [] }
            return Array(s.syncWaiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    func dispatch(_ deltas: [CacheDelta]) {
        let handlers = state.withLock { $0.handlers }
        guard !handlers.isEmpty else { return }
        for delta in deltas {
            for handler in handlers {
                switch delta {
                case .added(let object): handler.onAdd(object)
                case .updated(let old, let new): handler.onUpdate(old, new)
                case .deleted(let object): handler.onDelete(object)
                }
            }
        }
    }
}
