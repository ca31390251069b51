import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// An in-memory API server for the simulated kubelet's tests: objects with resourceVersions and
/// UIDs, status subresources, label and field selectors on list and watch, resumable watches, a log
/// of writes, and injectable failures.
final class FakeCluster: KubeAPIClient {
    struct Key: Hashable {
        var resource: ResourceType
        var namespace: String
        var name: String
    }

    struct Watcher {
        var resource: ResourceType
        var namespace: String?
        var labels: LabelSelector?
        var fields: FieldSelector?
        var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    /// One write the client made, for assertions.
    struct Write: Hashable {
        var verb: String
        var resource: ResourceType
        var namespace: String?
        var name: String
        var subresource: String?
        var gracePeriodSeconds: Int?
        var preconditionUID: String?
    }

    struct State {
        var objects: [Key: JSON] = [:]
        var revision = 1
        var uid = 0
        var history: [(revision: Int, resource: ResourceType, event: WatchEvent)] = []
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var writes: [Write] = []
        /// verb -> errors to throw on the next calls of that verb ("create", "update", "updateStatus", ...).
        var failures: [String: [any Error]] = [:]
    }

    let state = Mutex(State())

    var writes: [Write] { state.withLock { $0.writes } }

    func objects(_ resource: ResourceType, namespace: String? = nil) -> [JSON] {
        state.withLock { s in
            s.objects.filter { $0.key.resource == resource && (namespace == nil || $0.key.namespace == namespace) }
                .sorted { $0.key.name < $1.key.name }.map(\.value)
        }
    }

    func object(_ resource: ResourceType, namespace: String? = nil, name: String) -> JSON? {
        state.withLock { $0.objects[Key(resource: resource, namespace: namespace ?? "", name: name)] }
    }

    /// Events recorded about an object, as `reason: message`.
    func events(about name: String) -> [String] {
        objects(.events).filter { $0["involvedObject"]["name"].stringValue == name }
            .map { "\($0["reason"].stringValue ?? ""): \($0["message"].stringValue ?? "")" }
    }

    func failNext(_ verb: String, _ errors: [any Error]) {
        state.withLock { $0.failures[verb, default: []] += errors }
    }

    private func injected(_ verb: String) throws {
        let error: (any Error)? = state.withLock { s in
            guard var list = s.failures[verb], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            s.failures[verb] = list
            return first
        }
        if let error { throw error }
    }

    // MARK: Direct writes (what other components would do)

    /// Stores `object` as is (assigning uid and resourceVersion) and notifies watchers.
    @discardableResult
    func put(_ resource: ResourceType, _ object: JSON) -> JSON {
        let (stored, deliveries) = state.withLock { s -> (JSON, [(Watcher, WatchEvent)]) in
            var object = object
            let key = Key(resource: resource, namespace: object["metadata"]["namespace"].stringValue ?? "",
                          name: object["metadata"]["name"].stringValue ?? "")
            let existing = s.objects[key]
            if object["metadata"]["uid"].isNull {
                s.uid += 1
                object["metadata"]["uid"] = existing?["metadata"]["uid"] ?? .string("uid-\(s.uid)")
            }
            if object["metadata"]["creationTimestamp"].isNull {
                object["metadata"]["creationTimestamp"] = .string(Timestamp.format(Date()))
            }
            s.revision += 1
            object["metadata"]["resourceVersion"] = .string(String(s.revision))
            s.objects[key] = object
            let event = WatchEvent(type: existing == nil ? .added : .modified, object: object)
            return (object, s.publish(resource, event))
        }
        for (watcher, event) in deliveries { watcher.continuation.yield(event) }
        return stored
    }

    func remove(_ resource: ResourceType, namespace: String?, name: String) {
        let deliveries = state.withLock { s -> [(Watcher, WatchEvent)] in
            guard var object = s.objects.removeValue(forKey: Key(resource: resource, namespace: namespace ?? "", name: name)) else { return [] }
            s.revision += 1
            object["metadata"]["resourceVersion"] = .string(String(s.revision))
            return s.publish(resource, WatchEvent(type: .deleted, object: object))
        }
        for (watcher, event) in deliveries { watcher.continuation.yield(event) }
    }

    // MARK: KubeAPIClient

    func get(_ type: ResourceType, namespace: String?, name: String, subresource: String?) async throws -> JSON {
        try injected("get")
        guard let object = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        return object
    }

    func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> ObjectList {
        try injected("list")
        let labels = try options.labelSelector.map { text throws(StatusError) in try LabelSelector(parsing: text) }
        let fields = try options.fieldSelector.map { text throws(StatusError) in try FieldSelector(parsing: text) }
        return state.withLock { s in
            let items = s.objects.filter { $0.key.resource == type && (namespace == nil || $0.key.namespace == namespace) }
                .sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }.map(\.value)
                .filter { FakeCluster.matches($0, labels, fields) }
            return ObjectList(items: items, resourceVersion: String(s.revision))
        }
    }

    func watch(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        try injected("watch")
        let labels = try options.labelSelector.map { text throws(StatusError) in try LabelSelector(parsing: text) }
        let fields = try options.fieldSelector.map { text throws(StatusError) in try FieldSelector(parsing: text) }
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let id = state.withLock { s -> Int in
            let from = Int(options.resourceVersion ?? "") ?? s.revision
            let watcher = Watcher(resource: type, namespace: namespace, labels: labels, fields: fields, continuation: continuation)
            for entry in s.history where entry.revision > from && entry.resource == type && watcher.wants(entry.event.object) {
                continuation.yield(entry.event)
            }
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = watcher
            return s.nextWatcher
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } }
        return stream
    }

    func create(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        let name = object["metadata"]["name"].stringValue ?? ""
        state.withLock { $0.writes.append(Write(verb: "create", resource: type, namespace: namespace, name: name)) }
        try injected("create")
        var object = object
        if let namespace { object["metadata"]["namespace"] = .string(namespace) }
        if self.object(type, namespace: namespace, name: name) != nil {
            throw StatusError.alreadyExists(type.plural, group: type.group, name: name)
        }
        object["metadata"]["uid"] = .null
        return put(type, object)
    }

    func update(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        let name = object["metadata"]["name"].stringValue ?? ""
        let verb = subresource == "status" ? "updateStatus" : "update"
        state.withLock { $0.writes.append(Write(verb: verb, resource: type, namespace: namespace, name: name, subresource: subresource)) }
        try injected(verb)
        guard var current = self.object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        if let rv = object["metadata"]["resourceVersion"].stringValue, rv != current["metadata"]["resourceVersion"].stringValue {
            throw StatusError.conflict(type.plural, group: type.group, name: name)
        }
        if subresource == "status" {
            current["status"] = object["status"]
        } else {
            let status = current["status"]
            current = object
            current["metadata"]["uid"] = self.object(type, namespace: namespace, name: name)?["metadata"]["uid"] ?? .null
            if !status.isNull { current["status"] = status }
        }
        return put(type, current)
    }

    func patch(_ type: ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType,
               subresource: String?) async throws -> JSON {
        state.withLock { $0.writes.append(Write(verb: "patch", resource: type, namespace: namespace, name: name, subresource: subresource)) }
        try injected("patch")
        guard var current = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        for (key, value) in patch.objectValue ?? [:] { current[key] = value }
        return put(type, current)
    }

    func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) async throws -> JSON {
        state.withLock {
            $0.writes.append(Write(verb: "delete", resource: type, namespace: namespace, name: name,
                                   gracePeriodSeconds: options.gracePeriodSeconds, preconditionUID: options.preconditionUID))
        }
        try injected("delete")
        guard let current = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        if let uid = options.preconditionUID, current["metadata"]["uid"].stringValue != uid {
            throw StatusError.conflict(type.plural, group: type.group, name: name, reason: "precondition failed: UID")
        }
        if type == .pods, options.gracePeriodSeconds != 0 {
            // Graceful: the pod only gets a deletionTimestamp; the kubelet finishes the deletion.
            var terminating = current
            terminating["metadata"]["deletionTimestamp"] = .string(Timestamp.format(Date()))
            terminating["metadata"]["deletionGracePeriodSeconds"] = .int(Int64(options.gracePeriodSeconds ?? 30))
            return put(type, terminating)
        }
        remove(type, namespace: namespace, name: name)
        return current
    }

    static func matches(_ object: JSON, _ labels: LabelSelector?, _ fields: FieldSelector?) -> Bool {
        if let labels {
            let map = (object["metadata"]["labels"].objectValue ?? [:]).reduce(into: [String: String]()) { $0[$1.key] = $1.value.stringValue ?? "" }
            guard labels.matches(map) else { return false }
        }
        if let fields {
            return fields.matches { field in
                object[path: field.split(separator: ".").map(String.init)].stringValue ?? ""
            }
        }
        return true
    }
}

extension FakeCluster.Watcher {
    func wants(_ object: JSON) -> Bool {
        (namespace == nil || object["metadata"]["namespace"].stringValue == namespace) && FakeCluster.matches(object, labels, fields)
    }
}

extension FakeCluster.State {
    mutating func publish(_ resource: ResourceType, _ event: WatchEvent) -> [(FakeCluster.Watcher, WatchEvent)] {
        history.append((revision, resource, event))
        return watchers.values.filter { $0.resource == resource && $0.wants(event.object) }.map { ($0, event) }
    }
}
