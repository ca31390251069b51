import Foundation
import KubeAPI
import Synchronization

/// An in-memory API server for driving the controller manager: objects per resource type, a global
/// resourceVersion, watches that replay from a resourceVersion, generateName, optimistic
/// concurrency (409 on a stale resourceVersion), the status and finalize subresources, merge /
/// strategic / JSON patches, and deletion with finalizers and propagation policies.
final class FakeKubeClient: KubeAPIClient {
    struct Watcher {
        var type: ResourceType
        var namespace: String?
        var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    struct State {
        var revision = 100
        var objects: [ResourceType: [String: JSON]] = [:]
        var log: [(revision: Int, type: ResourceType, event: WatchEvent)] = []
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var nextUID = 0
        var writes: [String] = []
        /// Types whose watch events are held back (a lagging watch) until `releaseEvents`.
        var held: Set<ResourceType> = []
        var heldEvents: [(revision: Int, type: ResourceType, event: WatchEvent)] = []
    }

    let state = Mutex(State())

    // MARK: Test helpers

    /// Objects of a type (optionally one namespace), sorted by name.
    func objects(_ type: ResourceType, namespace: String? = nil) -> [JSON] {
        state.withLock { s in
            (s.objects[type] ?? [:]).values
                .filter { namespace == nil || $0["metadata"]["namespace"].stringValue == namespace }
                .sorted { ($0["metadata"]["name"].stringValue ?? "") < ($1["metadata"]["name"].stringValue ?? "") }
        }
    }

    func object(_ type: ResourceType, namespace: String?, name: String) -> JSON? {
        state.withLock { $0.objects[type]?[Self.key(namespace, name)] }
    }

    /// Writes performed so far, as `verb plural` lines (for asserting that a loop did nothing).
    var writes: [String] { state.withLock { $0.writes } }

    /// Holds back watch events of `type` as a lagging watch would; writes still succeed.
    func holdEvents(_ type: ResourceType) {
        state.withLock { _ = $0.held.insert(type) }
    }

    /// Delivers the held events of `type` and stops holding.
    func releaseEvents(_ type: ResourceType) {
        state.withLock { s in
            s.held.remove(type)
            let due = s.heldEvents.filter { $0.type == type }
            s.heldEvents.removeAll { $0.type == type }
            for entry in due { s.deliver(entry) }
        }
    }

    /// Changes an object in place as another client would (e.g. a kubelet setting pod status).
    func mutate(_ type: ResourceType, namespace: String?, name: String, _ body: (inout JSON) -> Void) throws {
        guard var object = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        body(&object)
        object["metadata"]["resourceVersion"] = .null
        _ = try store(type, object, verb: "mutate")
    }

    // MARK: KubeAPIClient

    func get(_ type: ResourceType, namespace: String?, name: String, subresource: String?) async throws -> JSON {
        guard let object = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        return object
    }

    func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> ObjectList {
        state.withLock { s in
            let items = (s.objects[type] ?? [:]).values
                .filter { namespace == nil || $0["metadata"]["namespace"].stringValue == namespace }
                .sorted { ($0["metadata"]["name"].stringValue ?? "") < ($1["metadata"]["name"].stringValue ?? "") }
            return ObjectList(items: items, resourceVersion: String(s.revision))
        }
    }

    func watch(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let from = Int(options.resourceVersion ?? "") ?? 0
        let id: Int = state.withLock { s in
            for entry in s.log where entry.revision > from && Self.matches(entry, type, namespace) {
                continuation.yield(entry.event)
            }
            let id = s.nextWatcher
            s.nextWatcher += 1
            s.watchers[id] = Watcher(type: type, namespace: namespace, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    func create(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        var object = object
        var name = object["metadata"]["name"].stringValue ?? ""
        if name.isEmpty, let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty {
            name = prefix + String(UUID().uuidString.lowercased().prefix(5))
        }
        guard !name.isEmpty else {
            throw StatusError.invalid(kind: type.kind, group: type.group, name: "",
                                      causes: [.init(reason: "FieldValueRequired", message: "name or generateName is required",
                                                     field: "metadata.name")])
        }
        let ns = type.namespaced ? (namespace ?? object["metadata"]["namespace"].stringValue ?? "default") : nil
        return try state.withLock { s in
            if s.objects[type]?[Self.key(ns, name)] != nil {
                throw StatusError.alreadyExists(type.plural, group: type.group, name: name)
            }
            s.nextUID += 1
            object["apiVersion"] = .string(type.apiVersion)
            object["kind"] = .string(type.kind)
            object["metadata"]["name"] = .string(name)
            if let ns { object["metadata"]["namespace"] = .string(ns) }
            object["metadata"]["uid"] = .string("uid-\(s.nextUID)")
            object["metadata"]["creationTimestamp"] = .string(Timestamp.format(Date()))
            object["metadata"]["generation"] = 1
            if type == .namespaces {
                object["spec"]["finalizers"] = ["kubernetes"]
                object["status"]["phase"] = "Active"
            }
            return s.commit(type, object, verb: "create", eventType: .added)
        }
    }

    func update(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        let name = object["metadata"]["name"].stringValue ?? ""
        guard let existing = self.object(type, namespace: type.namespaced ? namespace : nil, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        if let sent = object["metadata"]["resourceVersion"].stringValue, !sent.isEmpty,
           sent != existing["metadata"]["resourceVersion"].stringValue {
            throw StatusError.conflict(type.plural, group: type.group, name: name,
                                       reason: "the object has been modified; please apply your changes to the latest version and try again")
        }
        var updated = existing
        switch subresource {
        case "status":
            updated["status"] = object["status"]
        case "finalize":
            updated["spec"]["finalizers"] = object["spec"]["finalizers"]
        default:
            updated = object
            updated["status"] = existing["status"]
            for field in ["uid", "creationTimestamp", "deletionTimestamp", "generation", "namespace"] {
                updated["metadata"][field] = existing["metadata"][field]
            }
            if object["spec"] != existing["spec"] {
                updated["metadata"]["generation"] = .int((existing["metadata"]["generation"].intValue ?? 1) + 1)
            }
        }
        updated["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
        return try store(type, updated, verb: subresource.map { "update/\($0)" } ?? "update")
    }

    func patch(_ type: ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType,
               subresource: String?) async throws -> JSON {
        guard let existing = object(type, namespace: type.namespaced ? namespace : nil, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        var patched: JSON
        do {
            switch patchType {
            case .merge: patched = MergePatch.apply(patch, to: existing)
            case .json: patched = try JSONPatch.apply(patch, to: existing)
            case .strategic, .apply:
                let gvk = GroupVersionKind(group: type.group, version: type.version, kind: type.kind)
                patched = try StrategicMergePatch.apply(patch, to: existing, schema: BuiltinMergeSchemas.schema(for: gvk))
            }
        } catch {
            throw StatusError(code: 422, reason: "Invalid", message: "\(error)")
        }
        if subresource == "status" {
            var onlyStatus = existing
            onlyStatus["status"] = patched["status"]
            patched = onlyStatus
        } else if patched["spec"] != existing["spec"] {
            patched["metadata"]["generation"] = .int((existing["metadata"]["generation"].intValue ?? 1) + 1)
        }
        patched["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
        return try store(type, patched, verb: "patch")
    }

    func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) async throws -> JSON {
        guard var object = object(type, namespace: type.namespaced ? namespace : nil, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        if let uid = options.preconditionUID, uid != object["metadata"]["uid"].stringValue {
            throw StatusError.conflict(type.plural, group: type.group, name: name, reason: "precondition failed: UID mismatch")
        }
        var finalizers = object["metadata"]["finalizers"].arrayValue ?? []
        switch options.propagationPolicy {
        case "Foreground": if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
        case "Orphan": if !finalizers.contains("orphan") { finalizers.append("orphan") }
        default: break
        }
        object["metadata"]["finalizers"] = finalizers.isEmpty ? .null : .array(finalizers)
        if object["metadata"]["deletionTimestamp"].isNull {
            object["metadata"]["deletionTimestamp"] = .string(Timestamp.format(Date()))
        }
        if type == .namespaces { object["status"]["phase"] = "Terminating" }
        return try store(type, object, verb: "delete")
    }

    // MARK: Storage

    static func key(_ namespace: String?, _ name: String) -> String {
        namespace.map { "\($0)/\(name)" } ?? name
    }

    static func matches(_ entry: (revision: Int, type: ResourceType, event: WatchEvent), _ type: ResourceType,
                        _ namespace: String?) -> Bool {
        entry.type == type && (namespace == nil || entry.event.object["metadata"]["namespace"].stringValue == namespace)
    }

    /// Stores a changed object (conflict-checked against `metadata.resourceVersion` when set), or
    /// removes it when it is being deleted and no finalizer is left.
    func store(_ type: ResourceType, _ object: JSON, verb: String) throws -> JSON {
        try state.withLock { s in
            let name = object["metadata"]["name"].stringValue ?? ""
            let key = Self.key(object["metadata"]["namespace"].stringValue, name)
            guard let current = s.objects[type]?[key] else {
                throw StatusError.notFound(type.plural, group: type.group, name: name)
            }
            if let sent = object["metadata"]["resourceVersion"].stringValue,
               sent != current["metadata"]["resourceVersion"].stringValue {
                throw StatusError.conflict(type.plural, group: type.group, name: name)
            }
            let finalizers = object["metadata"]["finalizers"].arrayValue ?? []
            let namespaceFinalizers = type == .namespaces ? (object["spec"]["finalizers"].arrayValue ?? []) : []
            if !object["metadata"]["deletionTimestamp"].isNull && finalizers.isEmpty && namespaceFinalizers.isEmpty {
                s.revision += 1
                var gone = object
                gone["metadata"]["resourceVersion"] = .string(String(s.revision))
                s.objects[type]?[key] = nil
                s.publish(type, WatchEvent(type: .deleted, object: gone))
                s.writes.append("\(verb) \(type.plural)")
                return gone
            }
            return s.commit(type, object, verb: verb, eventType: .modified)
        }
    }
}

extension FakeKubeClient.State {
    mutating func commit(_ type: ResourceType, _ object: JSON, verb: String, eventType: WatchEventType) -> JSON {
        revision += 1
        var object = object
        object["metadata"]["resourceVersion"] = .string(String(revision))
        let key = FakeKubeClient.key(object["metadata"]["namespace"].stringValue, object["metadata"]["name"].stringValue ?? "")
        objects[type, default: [:]][key] = object
        publish(type, WatchEvent(type: eventType, object: object))
        writes.append("\(verb) \(type.plural)")
        return object
    }

    mutating func publish(_ type: ResourceType, _ event: WatchEvent) {
        log.append((revision, type, event))
        if held.contains(type) {
            heldEvents.append((revision, type, event))
        } else {
            deliver((revision, type, event))
        }
    }

    func deliver(_ entry: (revision: Int, type: ResourceType, event: WatchEvent)) {
        for watcher in watchers.values where FakeKubeClient.matches(entry, watcher.type, watcher.namespace) {
            watcher.continuation.yield(entry.event)
        }
    }
}
