import KubeAPI
import Synchronization

/// An in-memory API server for the driver's tests: objects with resourceVersions and uids, watch
/// streams resumable from a resourceVersion, the `pods/binding` subresource with the server's
/// checks (404 for a missing pod, 409 when already bound), a merge/strategic patch good enough
/// for status conditions, and injectable binding failures.
final class InMemoryAPI: KubeAPIClient {
    struct Key: Hashable {
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
        var objects: [Key: JSON] = [:]
        var revision = 1
        var history: [(revision: Int, resource: ResourceType, event: WatchEvent)] = []
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var uid = 0
        /// Bindings in the order the server received them: `ns/pod -> node`.
        var bindings: [String] = []
        /// Errors to throw for the next bindings of a pod key.
        var bindingFailures: [String: [any Error]] = [:]
        /// Runs before a binding is applied (to simulate a race such as a concurrent delete).
        var beforeBinding: (@Sendable (String) -> Void)?
    }

    let state = Mutex(State())

    var bindings: [String] { state.withLock { $0.bindings } }

    func failBinding(of key: String, with errors: [any Error]) {
        state.withLock { $0.bindingFailures[key, default: []] += errors }
    }

    func onBinding(_ body: (@Sendable (String) -> Void)?) { state.withLock { $0.beforeBinding = body } }

    func objects(_ resource: ResourceType, namespace: String? = nil) -> [JSON] {
        state.withLock { s in
            s.objects.filter { $0.key.resource == resource && (namespace == nil || $0.key.namespace == namespace) }
                .sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }.map(\.value)
        }
    }

    func object(_ resource: ResourceType, namespace: String? = nil, name: String) -> JSON? {
        state.withLock { $0.objects[Key(resource: resource, namespace: namespace ?? "", name: name)] }
    }

    /// Events (core/v1) with the given reason, as `ns/name: message`.
    func events(reason: String) -> [String] {
        objects(.events).filter { $0["reason"].stringValue == reason }.map {
            "\($0[path: ["involvedObject", "namespace"]].stringValue ?? "")/\($0[path: ["involvedObject", "name"]].stringValue ?? ""): "
                + ($0["message"].stringValue ?? "")
        }
    }

    // MARK: Direct writes (as other clients would make them)

    @discardableResult
    func put(_ resource: ResourceType, _ object: JSON) -> JSON {
        let (stored, event, targets) = state.withLock { s -> (JSON, WatchEvent, [Watcher]) in
            var object = object
            let key = Key(resource: resource, namespace: object[path: ["metadata", "namespace"]].stringValue ?? "",
                          name: object[path: ["metadata", "name"]].stringValue ?? "")
            let old = s.objects[key]
            if object[path: ["metadata", "uid"]].isNull {
                s.uid += 1
                object["metadata"]["uid"] = old?["metadata"]["uid"] ?? .string("uid-\(s.uid)")
            }
            if object[path: ["metadata", "creationTimestamp"]].isNull {
                object["metadata"]["creationTimestamp"] = old?["metadata"]["creationTimestamp"] ?? .string("2024-01-01T00:00:\(String(format2: s.uid % 60))Z")
            }
            s.revision += 1
            object["metadata"]["resourceVersion"] = .string(String(s.revision))
            s.objects[key] = object
            let event = WatchEvent(type: old == nil ? .added : .modified, object: object)
            return (object, event, s.record(resource, event, key.namespace))
        }
        for watcher in targets { watcher.continuation.yield(event) }
        return stored
    }

    func remove(_ resource: ResourceType, namespace: String? = nil, name: String) {
        let (event, targets) = state.withLock { s -> (WatchEvent?, [Watcher]) in
            guard var object = s.objects.removeValue(forKey: Key(resource: resource, namespace: namespace ?? "", name: name)) else {
                return (nil, [])
            }
            s.revision += 1
            object["metadata"]["resourceVersion"] = .string(String(s.revision))
            let event = WatchEvent(type: .deleted, object: object)
            return (event, s.record(resource, event, namespace ?? ""))
        }
        if let event { for watcher in targets { watcher.continuation.yield(event) } }
    }

    // MARK: KubeAPIClient

    func get(_ type: ResourceType, namespace: String?, name: String, subresource: String?) async throws -> JSON {
        guard let object = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        return object
    }

    func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> ObjectList {
        let revision = state.withLock { $0.revision }
        return ObjectList(items: objects(type, namespace: namespace), resourceVersion: String(revision))
    }

    func watch(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let id = state.withLock { s -> Int in
            let from = Int(options.resourceVersion ?? "") ?? s.revision
            for entry in s.history where entry.revision > from && entry.resource == type {
                if namespace == nil || entry.event.object[path: ["metadata", "namespace"]].stringValue == namespace {
                    continuation.yield(entry.event)
                }
            }
            defer { s.nextWatcher += 1 }
            s.watchers[s.nextWatcher] = Watcher(resource: type, namespace: namespace, continuation: continuation)
            return s.nextWatcher
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    func create(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        if type == .pods && subresource == "binding" { return try bind(namespace: namespace ?? "", binding: object) }
        var object = object
        if let namespace { object["metadata"]["namespace"] = .string(namespace) }
        let name = object[path: ["metadata", "name"]].stringValue ?? ""
        if self.object(type, namespace: namespace, name: name) != nil {
            throw StatusError.alreadyExists(type.plural, group: type.group, name: name)
        }
        return put(type, object)
    }

    func update(_ type: ResourceType, namespace: String?, object: JSON, subresource: String?) async throws -> JSON {
        let name = object[path: ["metadata", "name"]].stringValue ?? ""
        guard let current = self.object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        if let rv = object[path: ["metadata", "resourceVersion"]].stringValue, rv != current[path: ["metadata", "resourceVersion"]].stringValue {
            throw StatusError.conflict(type.plural, group: type.group, name: name)
        }
        return put(type, object)
    }

    func patch(_ type: ResourceType, namespace: String?, name: String, patch: JSON, patchType: PatchType,
               subresource: String?) async throws -> JSON {
        guard let current = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        return put(type, Self.merge(current, patch))
    }

    func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) async throws -> JSON {
        guard let object = object(type, namespace: namespace, name: name) else {
            throw StatusError.notFound(type.plural, group: type.group, name: name)
        }
        remove(type, namespace: namespace, name: name)
        return object
    }

    // MARK: Server-side behaviour

    private func bind(namespace: String, binding: JSON) throws -> JSON {
        let name = binding[path: ["metadata", "name"]].stringValue ?? ""
        let key = namespace + "/" + name
        let (failure, hook) = state.withLock { s -> ((any Error)?, (@Sendable (String) -> Void)?) in
            let failure = s.bindingFailures[key]?.isEmpty == false ? s.bindingFailures[key]!.removeFirst() : nil
            return (failure, s.beforeBinding)
        }
        hook?(key)
        if let failure { throw failure }
        guard var pod = object(.pods, namespace: namespace, name: name) else {
            throw StatusError.notFound("pods", group: "", name: name)
        }
        if let uid = binding[path: ["metadata", "uid"]].stringValue, uid != pod[path: ["metadata", "uid"]].stringValue {
            throw StatusError.conflict("pods", group: "", name: name)
        }
        if let node = pod[path: ["spec", "nodeName"]].stringValue, !node.isEmpty {
            throw StatusError.conflict("pods", group: "", name: name)
        }
        let node = binding[path: ["target", "name"]].stringValue ?? ""
        pod["spec"]["nodeName"] = .string(node)
        state.withLock { $0.bindings.append("\(key) -> \(node)") }
        put(.pods, pod)
        return ["kind": "Status", "apiVersion": "v1", "status": "Success"]
    }

    /// JSON merge patch, except that `conditions` lists merge by `type` as strategic merge does.
    static func merge(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchObject {
            if value.isNull {
                result[key] = nil
            } else if key == "conditions", let incoming = value.arrayValue {
                var merged = result[key]?.arrayValue ?? []
                for condition in incoming {
                    if let index = merged.firstIndex(where: { $0["type"] == condition["type"] }) {
                        merged[index] = merge(merged[index], condition)
                    } else {
                        merged.append(condition)
                    }
                }
                result[key] = .array(merged)
            } else {
                result[key] = merge(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }
}

extension InMemoryAPI.State {
    mutating func record(_ resource: ResourceType, _ event: WatchEvent, _ namespace: String) -> [InMemoryAPI.Watcher] {
        history.append((revision, resource, event))
        return watchers.values.filter { $0.resource == resource && ($0.namespace == nil || $0.namespace == namespace) }
    }
}

extension String {
    /// Two digits, zero-padded.
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
