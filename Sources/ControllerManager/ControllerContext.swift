import ComponentKit
import FoundationEssentials
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// What every loop of the manager shares: one informer per resource type, the client, the action
/// executor (which records events), the clock and the options.
public struct ControllerContext: Sendable {
    public let client: any KubeAPIClient
    public let informers: SharedInformerFactory
    public let executor: ActionExecutor
    public let options: ControllerManagerOptions
    public let logger: Logger
    /// The wall clock handed to reconcile functions (injectable for tests).
    public let now: @Sendable () -> Date

    public init(client: any KubeAPIClient, informers: SharedInformerFactory, options: ControllerManagerOptions,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.informers = informers
        self.executor = ActionExecutor(client: client, component: "kube-controller-manager", logger: logger)
        self.options = options
        self.logger = logger
        self.now = now
    }

    /// The shared cache of `resource` (its informer is created on first use).
    public func cache(_ resource: ResourceType) -> ObjectCache {
        informers.informer(for: resource).cache
    }

    /// Performs `actions`, stopping at the first failed write; throws that failure so the loop
    /// retries the key with backoff.
    func perform(_ actions: [ControllerAction]) async throws {
        guard !actions.isEmpty else { return }
        let outcome = await executor.perform(actions)
        if let failure = outcome.failure { throw SyncError(failure) }
    }
}

/// Reading owner references and keys of cached objects.
enum Owners {
    /// The `ownerReferences` entry with `controller: true`, if any.
    static func controllerRef(_ object: JSON) -> JSON? {
        object["metadata"]["ownerReferences"].arrayValue?.first { $0["controller"].boolValue == true }
    }

    /// `namespace/name` of the object's controller when it is of `kind`; nil otherwise.
    static func controllerKey(of object: JSON, kind: String) -> String? {
        guard let ref = controllerRef(object), ref["kind"].stringValue == kind,
              let name = ref["name"].stringValue, !name.isEmpty else { return nil }
        return ObjectCache.key(namespace: namespace(object), name: name)
    }

    static func namespace(_ object: JSON) -> String? {
        object["metadata"]["namespace"].stringValue
    }

    static func name(_ object: JSON) -> String {
        object["metadata"]["name"].stringValue ?? ""
    }

    static func uid(_ object: JSON) -> String {
        object["metadata"]["uid"].stringValue ?? ""
    }

    /// Splits a `namespace/name` key (a key without `/` is a cluster-scoped name).
    static func split(_ key: String) -> (namespace: String?, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return (nil, key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    /// Labels as a string map.
    static func labels(_ object: JSON) -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in object["metadata"]["labels"].objectValue ?? [:] {
            if let text = value.stringValue { labels[key] = text }
        }
        return labels
    }
}

/// Per-key state a loop keeps between syncs (expectations, the last write error).
final class KeyedState<Value: Sendable>: Sendable {
    private let values = Mutex<[String: Value]>([:])

    init() {}

    subscript(key: String) -> Value? {
        get { values.withLock { $0[key] } }
        set { values.withLock { $0[key] = newValue } }
    }
}

extension Informer {
    /// Registers one handler for adds, updates and deletes alike.
    func onAnyChange(_ body: @escaping @Sendable (JSON) -> Void) {
        addEventHandler(ResourceEventHandler(onAdd: body, onUpdate: { _, new in body(new) }, onDelete: body))
    }
}
