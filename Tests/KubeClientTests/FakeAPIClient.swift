import KubeAPI
import KubeClient
import Synchronization

struct TransportError: Error, Equatable {
    var message = "connection reset"
}

/// An in-memory API server for the client library's tests: objects with resourceVersions, an event
/// history for resumable watches, and switches to inject failures (410, stream end, errors, conflicts).
final class FakeAPIClient: KubeAPIClient {
    struct ObjectKey: Hashable {
        var resource: ResourceType
        var namespace: String
        var name: String
    }

    struct Watcher {
        var resource: ResourceType
        var namespace: String?
        var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    struct State {
        var objects: [ObjectKey: JSON] = [:]
        var revision = 100
        var history: [(revision: Int, resource: ResourceType, event: WatchEvent)] = []
        /// Watches from a revision below this get 410 Expired.
        var oldestWatchable = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 0
        var listCalls: [ListOptions] = []
        var watchCalls: [ListOptions] = []
        var listFailures: [any Error] = []
        var watchFailures: [any Error] = []
        var updateFailure: (@Sendable (JSON) -> (any Error)?)?
        var uid = 0
    }

    let state = Mutex(State())

    var listCalls: [ListOptions] { state.withLock { $0.listCalls } }
    var watchCalls: [ListOptions] { state.withLock { $0.watchCalls } }
    var activeWatchers: Int { state.withLock { $0.watchers.count } }
    var revision: Int { state.withLock { $0.revision } }

    // MARK: Failure injection

    func failNextLists(_ errors: [any Error]) { state.withLock { $0.listFailures += errors } }
    func failNextWatches(_ errors: [any Error]) { state.withLock { $0.watchFailures += errors } }
    func failUpdates(_ rule: (@Sendable (JSON) -> (any Error)?)?) { state.withLock { $0.updateFailure = rule } }

    /// Ends every open watch stream normally (as a server timeout does).
    func endWatches() {
        for watcher in takeWatchers() { watcher.continuation.finish() }
    }

    /// Ends every open watch stream with a transport error.
    func breakWatches(_ error: any Error = TransportError()) {
        for watcher in takeWatchers() { watcher.continuation.finish(throwing: error) }
    }

    /// Sends an ERROR event with `status` on every open watch, then ends the streams.
    func sendErrorEvent(_ status: StatusError) {
        for watcher in takeWatchers() {
            watcher.continuation.yield(WatchEvent(type: .error, object: status.status))
            watcher.continuation.finish()
        }
    }

    /// Forgets all history: watches from any revision seen so far get 410.
    func compact() {
        state.withLock { s in
            s.history.removeAll()
            s.oldestWatchable = s.revision + 1
        }
    }

    /// Sends a BOOKMARK carrying the current revision to every open watch.
    func bookmark() {
        let (rv, watchers) = state.withLock { s in (s.revision, Array(s.watchers.values)) }
        for watcher in watchers {
            watcher.continuation.yield(WatchEvent(type: .bookmark, object: [
                "kind": .string(watcher.resource.kind), "apiVersion": .string(watcher.resource.apiVersion),
                "metadata": ["resourceVersion": .string(String(rv))],
            ]))
        }
    }

    private func takeWatchers() -> [Watcher] {
        state.withLock { s in
            defer { s.watchers.removeAll() }
            return Array(s.watchers.values)
        }
    }

    // MARK: Direct writes (silent ones simulate changes a watcher missed)

    @discardableResult
    func put(_ resource: ResourceType, _ object: JSON, silently: Bool = false) -> JSON {
        let (stored, event, deliveries) = state.withLock { s -> (JSON, WatchEvent?, [Watcher]) in
            var object = object
            let key = ObjectKey(resource: resource, namespace: object["metadata"]["namespace"].stringValue ?? "",
                                name: object["metadata"]["name"].stringValue ?? "")
            let existed = s.objects[key] != nil
            s.revision += 1
            if object["metadata"]["uid"].isNull {
                s.uid += 1
                object["metadata"]["uid"] = s.objects[key]?["metadata"]["uid"] ?? .string("uid-\(s.uid)")
            }
            object["metadata"]["resourceVersion"] = .string(String(s.revision))
            s.objects[key] = object
            if silently { return (object, nil, []) }
            let event = WatchEvent(type: existed ? .modified : .added, object: object)
            return (object, event, s.record(resource, event, key.namespace))
        }
        if let event { for watcher in deliveries { watcher.continuation.yield(event) } }
        return stored
    }

    func remove(_ resource: ResourceType, namespace: String?, name: String, silently: Bool = false) {
        let (event, deliveries) = state.withLock { s -> (WatchEvent?, [Watcher]) in
            let key = ObjectKey(resource: resource, namespace: namespace ?? "", name: name)
            guard var object = s.objects.removeValue(forKey: key) else { return (nil, []) }
            s.revision += 1
            object["metadata"]["resourceVersion"] = .string(String(s.revision))
            if silently { return (nil, []) }
            let event = WatchEvent(type: .deleted, object: object)
            return (event, s.record(resource, event, key.namespace))
        }
        if let event { for watcher in deliveries { watcher.continuation.yield(event) } }
    }

    // MARK: KubeAPIClient

    func get(_ type: ResourceType, namespace: String?, name: String, subresource: String?) async throws -> JSON {
        let key = ObjectKey(resource: type, namespace: namespace ?? "", name: name)
        guard let object = state.withLock({ $0.objects[key] }) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        return object
    }

    func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> ObjectList {
        try state.withLock { s in
            s.listCalls.append(options)
            if !s.listFailures.isEmpty { throw s.listFailures.removeFirst() }
            let all = s.objects.filter { $0.key.resource == type && (namespace == nil || $0.key.namespace == namespace) }
                .sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }.map(\.value)
            let start = options.continueToken.flatMap { Int($0) } ?? 0
            guard start <= all.count else { throw StatusError.badRequest("bad continue token") }
            let end = options.limit.map { min(all.count, start + $0) } ?? all.count
            return ObjectList(items: Array(all[start..<end]), resourceVersion: String(s.revision),
                              continueToken: end < all.count ? String(end) : nil)
        }
    }

    func watch(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let id = try state.withLock { s -> Int in
            s.watchCalls.append(options)
            if !s.watchFailures.isEmpty { throw s.watchFailures.removeFirst() }
            let from = Int(options.resourceVersion ?? "") ?? s.revision
            if from < s.oldestWatchable - 1 {
                throw StatusError.expired("too old resource version: \(from) (\(s.oldestWatchable))")
            }
            for entry in s.history where entry.revision > from && entry.resource == type {
                if namespace == nil || entry.event.object["metadata"]["namespace"].stringValue == namespace {
                    continuation.yield(entry.event)
                }
            }
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            s.watchers[id] = Watcher(resource: type, namespace: namespace, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    func create(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        var object = object
        if let namespace { object["metadata"]["namespace"] = .string(namespace) }
        let key = ObjectKey(resource: type, namespace: namespace ?? "", name: object["metadata"]["name"].stringValue ?? "")
        if state.withLock({ $0.objects[key] != nil }) {
            throw StatusError.alreadyExists(type.plural, group: type.group, name: key.name)
        }
        return put(type, object)
    }

    func update(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        if let error = state.withLock({ $0.updateFailure?(object) }) { throw error }
        let key = ObjectKey(resource: type, namespace: namespace ?? "", name: object["metadata"]["name"].stringValue ?? "")
        // Check-and-write under one lock so two concurrent writers cannot both pass the precondition.
        let conflict: StatusError? = state.withLock { s in
            guard let current = s.objects[key] else { return StatusError.notFound(type.plural, group: type.group, name: key.name) }
            if let rv = object["metadata"]["resourceVersion"].stringValue, rv != current["metadata"]["resourceVersion"].stringValue {
                return StatusError.conflict(type.plural, group: type.group, name: key.name)
            }
            s.revision += 1
            var stored = object
            stored["metadata"]["resourceVersion"] = .string(String(s.revision))
            s.objects[key] = stored
            return nil
        }
        if let conflict { throw conflict }
        return state.withLock { $0.objects[key]! }
    }

    func patch(_ type: ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType,
               subresource: String?) async throws -> JSON {
        throw StatusError.methodNotSupported(type.plural, verb: "patch")
    }

    func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) async throws -> JSON {
        guard let object = try? await get(type, namespace: namespace, name: name, subresource: nil) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        remove(type, namespace: namespace, name: name)
        return object
    }
}

extension FakeAPIClient.State {
    /// Appends an event to the history; returns the watchers that should receive it.
    mutating func record(_ resource: ResourceType, _ event: WatchEvent, _ namespace: String) -> [FakeAPIClient.Watcher] {
        history.append((revision, resource, event))
        return watchers.values.filter { $0.resource == resource && ($0.namespace == nil || $0.namespace == namespace) }
    }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

/// Records strings from `@Sendable` callbacks.
final class Recorder: Sendable {
    let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

func pod(_ name: String, namespace: String = "default", labels: [String: String] = [:], node: String? = nil,
         owner: String? = nil, image: String = "nginx") -> JSON {
    var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace)]
    if !labels.isEmpty { metadata["labels"] = .object(JSONObject(uniqueKeysWithValues: labels.map { ($0.key, JSON.string($0.value)) })) }
    if let owner { metadata["ownerReferences"] = [["kind": "ReplicaSet", "name": "rs", "uid": .string(owner)]] }
    var spec: JSONObject = ["containers": [["name": "c", "image": .string(image)]]]
    if let node { spec["nodeName"] = .string(node) }
    return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": .object(spec)]
}
