import KubeAPI
import Synchronization

/// Hands out one `Informer` per resource type, so every controller of a process shares one watch
/// and one cache per type (client-go's `SharedInformerFactory`).
///
/// Typical use: each controller asks for the informers it needs and registers its handlers and
/// indexes; then `start()`; then `waitForCacheSync()` before the workers run.
public final class SharedInformerFactory: Sendable {
    let client: any KubeAPIClient
    /// nil: all namespaces.
    public let namespace: String?
    let backoff: ExponentialBackoff
    let pageSize: Int?
    let informers = Mutex<[ResourceType: Informer]>([:])
    let transforms = Mutex<[ResourceType: (transform: ObjectTransform, storage: ObjectStorage)]>([:])

    public init(client: any KubeAPIClient, namespace: String? = nil, backoff: ExponentialBackoff = .reflectorDefault,
                pageSize: Int? = 500) {
        self.client = client
        self.namespace = namespace
        self.backoff = backoff
        self.pageSize = pageSize
    }

    /// The shared informer of `resource`, created on first use. Custom indexes can be added to its
    /// cache with `informer.cache.addIndex(_:_:)` (before or after start).
    public func informer(for resource: ResourceType) -> Informer {
        informers.withLock { all in
            if let existing = all[resource] { return existing }
            let informer = Informer(client: client, resource: resource, namespace: resource.namespaced ? namespace : nil,
                                    backoff: backoff, pageSize: pageSize)
            if let setting = transforms.withLock({ $0[resource] }) {
                informer.cache.setTransform(setting.transform)
                informer.cache.setStorage(setting.storage)
            }
            all[resource] = informer
            return informer
        }
    }

    /// Sets what the cache of `resource` keeps (see `ObjectCache.setTransform`) and how it holds
    /// it (`ObjectCache.setStorage`), for its informer whether it exists yet or is created later;
    /// call before the informers start.
    public func setTransform(_ transform: @escaping ObjectTransform, for resource: ResourceType,
                             storage: ObjectStorage = .tree) {
        transforms.withLock { $0[resource] = (transform, storage) }
        if let existing = informers.withLock({ $0[resource] }) {
            existing.cache.setTransform(transform)
            existing.cache.setStorage(storage)
        }
    }

    /// The resource types that have an informer.
    public var resources: [ResourceType] {
        informers.withLock { Array($0.keys) }.sorted { $0.description < $1.description }
    }

    /// Starts every informer created so far that is not running yet (call again after creating more).
    public func start() {
        for informer in informers.withLock({ Array($0.values) }) { informer.start() }
    }

    /// Waits until every informer created so far has synced; false if the task is cancelled first.
    public func waitForCacheSync() async -> Bool {
        for informer in informers.withLock({ Array($0.values) }) {
            guard await informer.waitForSync() else { return false }
        }
        return true
    }

    /// Stops every informer.
    public func shutdown() {
        for informer in informers.withLock({ Array($0.values) }) { informer.stop() }
    }
}
