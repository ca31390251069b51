import FoundationEssentials
import KubeAPI
import Logging

/// Carries out `ControllerAction`s through a `KubeAPIClient`, recording events as core/v1 Events.
///
/// Reconcile functions decide; this performs. Actions run in order and stop at the first failed
/// write (the caller requeues); an `.event` directly after a failed write is dropped with it.
public struct ActionExecutor: Sendable {
    public let client: any KubeAPIClient
    public let recorder: EventRecorder
    public let logger: Logger

    public init(client: any KubeAPIClient, component: String, host: String? = nil, logger: Logger) {
        self.client = client
        self.recorder = EventRecorder(client: client, component: component, host: host, logger: logger)
        self.logger = logger
    }

    /// The outcome of one batch: how many writes succeeded and the first failure, if any.
    public struct Outcome: Sendable {
        public var completed: Int
        public var failure: (action: ControllerAction, error: any Error)?
        public var succeeded: Bool { failure == nil }
    }

    /// Runs `actions` in order. `NotFound` on delete/patch/update counts as done when
    /// `ignoreNotFound` (the object is already gone); `AlreadyExists` on create likewise when
    /// `ignoreAlreadyExists`.
    @discardableResult
    public func perform(_ actions: [ControllerAction], ignoreNotFound: Bool = true,
                        ignoreAlreadyExists: Bool = false) async -> Outcome {
        var completed = 0
        for action in actions {
            do {
                try await perform(action)
                completed += 1
            } catch let error as StatusError where ignoreNotFound && error.code == 404 && action.isWriteToExisting {
                completed += 1
            } catch let error as StatusError where ignoreAlreadyExists && error.code == 409 && error.reason == "AlreadyExists" {
                completed += 1
            } catch {
                logger.debug("action failed", metadata: ["action": "\(action.summary)", "error": "\(error)"])
                return Outcome(completed: completed, failure: (action, error))
            }
        }
        return Outcome(completed: completed, failure: nil)
    }

    /// Performs one action; the result object of writes is returned (nil for events).
    @discardableResult
    public func perform(_ action: ControllerAction) async throws -> JSON? {
        switch action {
        case .create(let type, let namespace, let object):
            return try await client.create(type, namespace: namespace, object: object, subresource: nil)
        case .update(let type, let namespace, let object):
            return try await client.update(type, namespace: namespace, object: object, subresource: nil)
        case .updateStatus(let type, let namespace, let object):
            return try await client.update(type, namespace: namespace, object: object, subresource: "status")
        case .patch(let type, let namespace, let name, let patch, let patchType, let subresource):
            return try await client.patch(type, namespace: namespace, name: name, patch: patch, patchType: patchType,
                                          subresource: subresource)
        case .delete(let type, let namespace, let name, let options):
            return try await client.delete(type, namespace: namespace, name: name, options: options)
        case .event(let record):
            await recorder.record(record)
            return nil
        }
    }
}

extension ControllerAction {
    /// Writes that address an existing object (a 404 means it is already gone).
    var isWriteToExisting: Bool {
        switch self {
        case .update, .updateStatus, .patch, .delete: true
        case .create, .event: false
        }
    }

    /// `create pods default/web-1`-style text for logs.
    public var summary: String {
        func target(_ type: ResourceType, _ namespace: String?, _ name: String?) -> String {
            "\(type) " + [namespace, name].compactMap { $0 }.joined(separator: "/")
        }
        switch self {
        case .create(let type, let namespace, let object): return "create " + target(type, namespace, object[path: ["metadata", "name"]].stringValue)
        case .update(let type, let namespace, let object): return "update " + target(type, namespace, object[path: ["metadata", "name"]].stringValue)
        case .updateStatus(let type, let namespace, let object): return "update status " + target(type, namespace, object[path: ["metadata", "name"]].stringValue)
        case .patch(let type, let namespace, let name, _, _, let subresource): return "patch " + target(type, namespace, name) + (subresource.map { "/\($0)" } ?? "")
        case .delete(let type, let namespace, let name, _): return "delete " + target(type, namespace, name)
        case .event(let record): return "event \(record.reason)"
        }
    }
}

/// Writes core/v1 Events like client-go's recorder: `<object>.<hex>` names, `source.component`,
/// `reportingComponent`, and a repeated event (same object, reason and message) within 10 minutes
/// bumps `count`/`lastTimestamp` of the first instead of creating another.
public actor EventRecorder {
    /// How many recent events are remembered for that (client-go's correlator keeps an LRU cache
    /// of 4096). Most events never repeat (one `Scheduled` per pod), so without a bound a burst of
    /// 10,000 pods left 10,000 entries, 4.5 MB of the scheduler's peak, for ten minutes.
    public static let maximumRemembered = 4096

    let client: any KubeAPIClient
    let component: String
    let host: String?
    let logger: Logger
    private var recent: [String: (name: String, namespace: String, count: Int64, seen: Date)] = [:]
    /// When `recent` was last pruned: pruning on every event made recording quadratic (the
    /// scheduler records one event per pod, so 10,000 pods meant 10,000 scans of up to 10,000 entries).
    private var lastPrune = Date.distantPast

    public init(client: any KubeAPIClient, component: String, host: String? = nil, logger: Logger) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
    }

    /// Records one event; failures are logged, never thrown (events are best effort).
    public func record(_ record: EventRecord, now: Date = Date()) async {
        let object = record.involvedObject
        let namespace = object[path: ["metadata", "namespace"]].stringValue ?? "default"
        let name = object[path: ["metadata", "name"]].stringValue ?? "unknown"
        let key = [namespace, name, object[path: ["metadata", "uid"]].stringValue ?? "", record.type, record.reason, record.message]
            .joined(separator: "\u{1}")
        let timestamp = Timestamp.format(now)
        if now.timeIntervalSince(lastPrune) >= 30 {
            recent = recent.filter { now.timeIntervalSince($0.value.seen) < 600 }
            lastPrune = now
        }
        if let previous = recent[key], now.timeIntervalSince(previous.seen) < 600 {
            let count = previous.count + 1
            let patch: JSON = ["count": .int(count), "lastTimestamp": .string(timestamp)]
            if (try? await client.patch(.events, namespace: previous.namespace, name: previous.name, patch: patch, patchType: .merge)) != nil {
                recent[key] = (previous.name, previous.namespace, count, now)
                return
            }
        }
        let eventName = "\(name).\(String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16))"
        var source: JSONObject = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        var involved: JSONObject = [:]
        for (field, path) in [("kind", ["kind"]), ("apiVersion", ["apiVersion"]), ("namespace", ["metadata", "namespace"]),
                              ("name", ["metadata", "name"]), ("uid", ["metadata", "uid"]),
                              ("resourceVersion", ["metadata", "resourceVersion"])] {
            if let value = object[path: path].stringValue { involved[field] = .string(value) }
        }
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(eventName), "namespace": .string(namespace)],
            "involvedObject": .object(involved),
            "reason": .string(record.reason), "message": .string(record.message), "type": .string(record.type),
            "source": .object(source), "firstTimestamp": .string(timestamp), "lastTimestamp": .string(timestamp),
            "count": 1, "reportingComponent": .string(component), "reportingInstance": .string(host ?? ""),
        ]
        do {
            _ = try await client.create(.events, namespace: namespace, object: event)
            remember(key, (eventName, namespace, 1, now))
        } catch {
            logger.debug("cannot record event", metadata: ["reason": "\(record.reason)", "error": "\(error)"])
        }
    }

    /// Events remembered for aggregation now (for tests and diagnostics).
    public var rememberedEvents: Int { recent.count }

    /// Adds an entry; at the bound the least recently seen quarter goes (rebuilding the
    /// dictionary, which also gives its storage back: Swift dictionaries never shrink otherwise).
    private func remember(_ key: String, _ entry: (name: String, namespace: String, count: Int64, seen: Date)) {
        if recent[key] == nil && recent.count >= Self.maximumRemembered {
            let cutoff = recent.values.map(\.seen).sorted()[recent.count / 4]
            recent = recent.filter { $0.value.seen > cutoff }
        }
        recent[key] = entry
    }
}
