import KubeAPI
import Synchronization

/// Computes the values under which an object is indexed (none: not indexed).
public typealias IndexFunction = @Sendable (JSON) -> [String]

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
        var items: [String: JSON] = [:]
        var indexers: [String: IndexFunction] = [:]
        /// index name -> index value -> keys.
        var indices: [String: [String: Set<String>]] = [:]
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

    public init(indexers: [String: IndexFunction] = [:]) {
        var state = State()
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
        state.withLock { $0.items[key] }
    }

    public func get(namespace: String?, name: String) -> JSON? {
        get(key: ObjectCache.key(namespace: namespace, name: name))
    }

    /// All objects, in key order (stable, so callers' output does not depend on hashing).
    public func list() -> [JSON] {
        state.withLock { s in s.items.keys.sorted().compactMap { s.items[$0] } }
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
        state.withLock { s in
            guard let keys = s.indices[indexName]?[value] else { return [] }
            return keys.sorted().compactMap { s.items[$0] }
        }
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
            for (key, object) in s.items {
                for value in function(object) { index[value, default: []].insert(key) }
            }
            s.indices[name] = index
        }
    }

    /// Inserts or replaces an object; returns what changed (nil for an object without a name).
    @discardableResult
    public func upsert(_ object: JSON) -> CacheDelta? {
        guard let key = ObjectCache.key(for: object) else { return nil }
        let object = ObjectCache.slim(object)
        return state.withLock { s in
            let old = s.items[key]
            s.store(key, object)
            return old.map { .updated(old: $0, new: object) } ?? .added(object)
        }
    }

    /// Removes an object by its key; returns the last stored state (or the given object when it
    /// was not stored, so a delete seen on a watch is still reported).
    @discardableResult
    public func remove(_ object: JSON) -> CacheDelta? {
        guard let key = ObjectCache.key(for: object) else { return nil }
        return state.withLock { s in
            let old = s.items[key]
            s.drop(key)
            return .deleted(old ?? object)
        }
    }

    /// Replaces the whole content with `objects` (a fresh list) and returns the differences:
    /// deletes (with the last known object) for keys that disappeared, adds for new keys, and
    /// updates for objects whose content changed. Unchanged objects produce nothing.
    public func replace(with objects: [JSON]) -> [CacheDelta] {
        var fresh: [String: JSON] = [:]
        var order: [String] = []
        for object in objects {
            guard let key = ObjectCache.key(for: object) else { continue }
            if fresh.updateValue(ObjectCache.slim(object), forKey: key) == nil { order.append(key) }
        }
        return state.withLock { s in
            var deltas: [CacheDelta] = []
            for key in s.items.keys.sorted() where fresh[key] == nil {
                if let old = s.items[key] { deltas.append(.deleted(old)) }
                s.drop(key)
            }
            for key in order {
                guard let object = fresh[key] else { continue }
                if let old = s.items[key] {
                    if old != object { deltas.append(.updated(old: old, new: object)) }
                } else {
                    deltas.append(.added(object))
                }
                s.store(key, object)
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
    mutating func store(_ key: String, _ object: JSON) {
        if items[key] != nil { unindex(key) }
        items[key] = object
        for (name, function) in indexers {
            for value in function(object) { indices[name, default: [:]][value, default: []].insert(key) }
        }
    }

    mutating func drop(_ key: String) {
        guard items[key] != nil else { return }
        unindex(key)
        items[key] = nil
    }

    private mutating func unindex(_ key: String) {
        guard let old = items[key] else { return }
        for (name, function) in indexers {
            for value in function(old) {
                indices[name]?[value]?.remove(key)
                if indices[name]?[value]?.isEmpty == true { indices[name]?[value] = nil }
            }
        }
    }
}
