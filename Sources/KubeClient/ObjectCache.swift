import KubeAPI
import Synchronization

/// Computes the values under which an object is indexed (none: not indexed).
public typealias IndexFunction = @Sendable (JSON) -> [String]

/// Turns an object as received into the form a cache keeps (client-go's `TransformFunc`). It must
/// keep `metadata.name`/`namespace` and whatever the cache's indexes and readers use.
public typealias ObjectTransform = @Sendable (JSON) -> JSON

/// What a write to an `ObjectCache` changed; informers turn these into handler calls.
public enum CacheDelta: Sendable, Hashable {
    case added(JSON)
    case updated(old: JSON, new: JSON)
    /// The last known state of the object.
    case deleted(JSON)
}

/// A thread-safe store of API objects keyed by `namespace/name` (or `name` for cluster-scoped
/// objects), with named indexes, like client-go's `cache.Indexer`.
///
/// Built-in indexes: `namespace`, `ownerUID` (`metadata.ownerReferences[].uid`) and `nodeName`
/// (`spec.nodeName`). More can be added at any time with `addIndex(_:_:)`; existing objects are
/// indexed at once.
public final class ObjectCache: Sendable {
    public static let namespaceIndex = "namespace"
    public static let ownerUIDIndex = "ownerUID"
    public static let nodeNameIndex = "nodeName"

    struct State {
        var items: [String: CachedObject] = [:]
        var storage: ObjectStorage = .tree
        var indexers: [String: IndexFunction] = [:]
        /// index name -> index value -> keys.
        var indices: [String: [String: Set<String>]] = [:]
        var transform: ObjectTransform = ObjectCache.slim
    }

    let state: Mutex<State>

    /// A cache with the built-in indexes plus `indexers`.
    /// The object as cached: without `metadata.managedFields`, which no component reads and which
    /// is a third of a typical pod's JSON. (An update sent without the field keeps the stored
    /// entries, so objects from the cache are still safe to PUT back.)
    public static func slim(_ object: JSON) -> JSON {
        guard case .object(var root) = object, case .object(var metadata)? = root["metadata"],
              metadata["managedFields"] != nil else { return object }
        metadata.removeValue(forKey: "managedFields")
        root["metadata"] = .object(metadata)
        return .object(root)
    }

    public init(indexers: [String: IndexFunction] = [:], transform: ObjectTransform? = nil) {
        var state = State()
        if let transform { state.transform = transform }
        state.indexers = ObjectCache.builtInIndexers.merging(indexers) { _, custom in custom }
        for name in state.indexers.keys { state.indices[name] = [:] }
        self.state = Mutex(state)
    }

    static let builtInIndexers: [String: IndexFunction] = [
        namespaceIndex: { object in
            object["metadata"]["namespace"].stringValue.map { [$0] } ?? []
        },
        ownerUIDIndex: { object in
            (object["metadata"]["ownerReferences"].arrayValue ?? []).compactMap { $0["uid"].stringValue }
        },
        nodeNameIndex: { object in
            guard let node = object["spec"]["nodeName"].stringValue, !node.isEmpty else { return [] }
            return [node]
        },
    ]

    /// The cache key of an object: `namespace/name`, or `name` without a namespace; nil when the
    /// object has no `metadata.name` (such objects are never stored).
    public static func key(for object: JSON) -> String? {
        guard let name = object["metadata"]["name"].stringValue, !name.isEmpty else { return nil }
        if let namespace = object["metadata"]["namespace"].stringValue, !namespace.isEmpty {
            return "\(namespace)/\(name)"
        }
        return name
    }

    /// The key for a namespace and name, as `key(for:)` builds it.
    public static func key(namespace: String?, name: String) -> String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }

    // MARK: Reads

    public func get(key: String) -> JSON? {
        state.withLock { $0.items[key] }?.object
    }

    public func get(namespace: String?, name: String) -> JSON? {
        get(key: ObjectCache.key(namespace: namespace, name: name))
    }

    /// All objects, in key order (stable, so callers' output does not depend on hashing).
    public func list() -> [JSON] {
        let entries: [CachedObject] = state.withLock { s in s.items.keys.sorted().compactMap { s.items[$0] } }
        return entries.map(\.object)
    }

    /// Objects of one namespace (through the `namespace` index).
    public func list(namespace: String) -> [JSON] {
        byIndex(ObjectCache.namespaceIndex, namespace)
    }

    /// Objects whose labels match `selector`, optionally within one namespace.
    public func list(matching selector: LabelSelector, namespace: String? = nil) -> [JSON] {
        let candidates = namespace.map { list(namespace: $0) } ?? list()
        return candidates.filter { selector.matches(ObjectCache.labels(of: $0)) }
    }

    /// Objects whose index `indexName` contains `value`, in key order; empty for an unknown index.
    public func byIndex(_ indexName: String, _ value: String) -> [JSON] {
        let entries: [CachedObject] = state.withLock { s in
            guard let keys = s.indices[indexName]?[value] else { return [] }
            return keys.sorted().compactMap { s.items[$0] }
        }
        return entries.map(\.object)
    }

    /// The values present in an index (e.g. every node name that has pods).
    public func indexValues(_ indexName: String) -> [String] {
        state.withLock { s in (s.indices[indexName] ?? [:]).keys.sorted() }
    }

    public func keys() -> [String] {
        state.withLock { $0.items.keys.sorted() }
    }

    public var count: Int { state.withLock { $0.items.count } }

    // MARK: Writes

    /// Adds an index; objects already stored are indexed immediately. Replaces an index of the same name.
    public func addIndex(_ name: String, _ function: @escaping IndexFunction) {
        state.withLock { s in
            s.indexers[name] = function
            var index: [String: Set<String>] = [:]
            for (key, entry) in s.items {
                for value in function(entry.object) { index[value, default: []].insert(key) }
            }
            s.indices[name] = index
        }
    }

    /// Sets what the cache keeps of each object from now on (default: `slim`). A component that
    /// reads a few fields of many objects keeps just those (the scheduler keeps a few hundred bytes
    /// of each pod instead of the whole object). Set it before the informer starts: objects already
    /// stored are not re-transformed.
    public func setTransform(_ transform: @escaping ObjectTransform) {
        state.withLock { $0.transform = transform }
    }

    /// Sets how the cache holds its objects from now on (default: `.tree`); set it before the
    /// informer starts, objects already stored keep their form.
    public func setStorage(_ storage: ObjectStorage) {
        state.withLock { $0.storage = storage }
    }

    /// Inserts or replaces an object; returns what changed (nil for an object without a name).
    /// The delta carries the object as received as `new`/added, and the cached (transformed) form
    /// as `old`; only the transformed form is kept.
    @discardableResult
    public func upsert(_ object: JSON) -> CacheDelta? {
        guard let key = ObjectCache.key(for: object) else { return nil }
        let (transform, storage) = state.withLock { ($0.transform, $0.storage) }
        let stored = transform(object)
        let entry = CachedObject(stored, storage)
        return state.withLock { s in
            let old = s.store(key, stored, entry)
            return old.map { .updated(old: $0, new: object) } ?? .added(object)
        }
    }

    /// Removes an object by its key; returns the last stored state (or the given object when it
    /// was not stored, so a delete seen on a watch is still reported).
    @discardableResult
    public func remove(_ object: JSON) -> CacheDelta? {
        guard let key = ObjectCache.key(for: object) else { return nil }
        return state.withLock { s in
            .deleted(s.drop(key) ?? object)
        }
    }

    /// Replaces the whole content with `objects` (a fresh list) and returns the differences:
    /// deletes (with the last known object) for keys that disappeared, adds for new keys, and
    /// updates for objects whose content changed. Unchanged objects produce nothing.
    /// Handlers get objects as listed for adds and updates, as with `upsert`.
    public func replace(with objects: [JSON]) -> [CacheDelta] {
        let (transform, storage) = state.withLock { ($0.transform, $0.storage) }
        var fresh: [String: (received: JSON, stored: JSON, entry: CachedObject)] = [:]
        var order: [String] = []
        for object in objects {
            guard let key = ObjectCache.key(for: object) else { continue }
            let stored = transform(object)
            if fresh.updateValue((object, stored, CachedObject(stored, storage)), forKey: key) == nil { order.append(key) }
        }
        return state.withLock { s in
            var deltas: [CacheDelta] = []
            for key in s.items.keys.sorted() where fresh[key] == nil {
                if let old = s.drop(key) { deltas.append(.deleted(old)) }
            }
            for key in order {
                guard let object = fresh[key] else { continue }
                if let previous = s.items[key] {
                    // Unchanged objects are left alone (no delta, no re-indexing).
                    guard previous != object.entry else { continue }
                    if let old = s.store(key, object.stored, object.entry) {
                        deltas.append(.updated(old: old, new: object.received))
                    }
                } else {
                    s.store(key, object.stored, object.entry)
                    deltas.append(.added(object.received))
                }
            }
            return deltas
        }
    }

    /// Labels of an object as a string map (non-string values are ignored).
    static func labels(of object: JSON) -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in object["metadata"]["labels"].objectValue ?? [:] {
            if let text = value.stringValue { labels[key] = text }
        }
        return labels
    }
}

extension ObjectCache.State {
    /// Stores `entry` (the form of `object`) under `key`; returns the object it replaced.
    @discardableResult
    mutating func store(_ key: String, _ object: JSON, _ entry: CachedObject) -> JSON? {
        let old = items[key]?.object
        if let old { unindex(key, old) }
        items[key] = entry
        for (name, function) in indexers {
            for value in function(object) { indices[name, default: [:]][value, default: []].insert(key) }
        }
        return old
    }

    /// Removes `key`; returns the object it held.
    @discardableResult
    mutating func drop(_ key: String) -> JSON? {
        guard let old = items.removeValue(forKey: key)?.object else { return nil }
        unindex(key, old)
        return old
    }

    private mutating func unindex(_ key: String, _ old: JSON) {
        for (name, function) in indexers {
            for value in function(old) {
                indices[name]?[value]?.remove(key)
                if indices[name]?[value]?.isEmpty == true { indices[name]?[value] = nil }
            }
        }
    }
}
