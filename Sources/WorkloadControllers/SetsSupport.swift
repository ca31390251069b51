import FoundationEssentials
import KubeAPI

/// What one reconcile of a StatefulSet or DaemonSet decided.
public struct SetReconcileResult: Sendable, Hashable {
    /// Writes to perform, in order. An `.event` describes the action just before it; a driver should
    /// drop that event when the action failed (upstream records events only after a successful call).
    public var actions: [ControllerAction]
    /// Reconcile again after this long even without a watch event (e.g. a pod becomes available
    /// once `minReadySeconds` have passed); nil when only watch events matter.
    public var requeueAfter: Duration?

    public init(actions: [ControllerAction] = [], requeueAfter: Duration? = nil) {
        self.actions = actions
        self.requeueAfter = requeueAfter
    }
}

/// A set's spec that cannot be acted on; reported as a Warning event on the set, never a crash.
struct SetsInputError: Error, Sendable, Hashable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Object accessors and pod-state predicates shared by the StatefulSet and DaemonSet controllers.
enum SetsSupport {
    static func name(_ object: JSON) -> String { object[path: ["metadata", "name"]].stringValue ?? "" }
    static func namespace(_ object: JSON) -> String {
        object[path: ["metadata", "namespace"]].stringValue ?? "default"
    }
    static func uid(_ object: JSON) -> String { object[path: ["metadata", "uid"]].stringValue ?? "" }

    static func labels(_ object: JSON) -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in object[path: ["metadata", "labels"]].objectValue ?? [:] {
            if let text = value.stringValue { labels[key] = text }
        }
        return labels
    }

    static func creationTimestamp(_ object: JSON) -> Date? {
        object[path: ["metadata", "creationTimestamp"]].stringValue.flatMap(Timestamp.parse)
    }

    static func ownerReferences(_ object: JSON) -> [JSON] {
        object[path: ["metadata", "ownerReferences"]].arrayValue ?? []
    }

    /// The owner reference with `controller: true`, if any.
    static func controllerRef(_ object: JSON) -> JSON? {
        ownerReferences(object).first { $0["controller"].boolValue == true }
    }

    static func isControlled(_ object: JSON, by ownerUID: String) -> Bool {
        controllerRef(object)?["uid"].stringValue == ownerUID
    }

    /// An owner reference to `owner`; `controller` references also block owner deletion, as
    /// upstream's `NewControllerRef` does.
    static func ownerReference(to owner: JSON, apiVersion: String, kind: String, controller: Bool) -> JSON {
        var ref: JSON = [
            "apiVersion": .string(apiVersion), "kind": .string(kind),
            "name": .string(name(owner)), "uid": .string(uid(owner)),
        ]
        if controller {
            ref["controller"] = true
            ref["blockOwnerDeletion"] = true
        }
        return ref
    }

    /// Returns `object` with an owner reference to `uid` added (replacing one with the same uid).
    static func addingOwnerReference(_ ref: JSON, to object: JSON) -> JSON {
        let uid = ref["uid"].stringValue
        var refs = ownerReferences(object).filter { $0["uid"].stringValue != uid }
        refs.append(ref)
        var copy = object
        copy["metadata"]["ownerReferences"] = .array(refs)
        return copy
    }

    /// Returns `object` without owner references to `uid` (the field removed when none remain).
    static func removingOwnerReference(uid: String, from object: JSON) -> JSON {
        let refs = ownerReferences(object).filter { $0["uid"].stringValue != uid }
        var copy = object
        if refs.isEmpty {
            if case .object(var meta) = copy["metadata"] {
                meta.removeValue(forKey: "ownerReferences")
                copy["metadata"] = .object(meta)
            }
        } else {
            copy["metadata"]["ownerReferences"] = .array(refs)
        }
        return copy
    }

    static func hasOwnerReference(_ object: JSON, uid: String) -> Bool {
        ownerReferences(object).contains { $0["uid"].stringValue == uid }
    }

    // MARK: Pod state

    static func isTerminating(_ object: JSON) -> Bool {
        !object[path: ["metadata", "deletionTimestamp"]].isNull
    }

    static func phase(_ pod: JSON) -> String { pod[path: ["status", "phase"]].stringValue ?? "" }

    /// The `Ready` condition, when present and `True`.
    static func readyCondition(_ pod: JSON) -> JSON? {
        let conditions = pod[path: ["status", "conditions"]].arrayValue ?? []
        return conditions.first {
            $0["type"].stringValue == "Ready" && $0["status"].stringValue == "True"
        }
    }

    static func isReady(_ pod: JSON) -> Bool { readyCondition(pod) != nil }

    static func isRunningAndReady(_ pod: JSON) -> Bool { phase(pod) == "Running" && isReady(pod) }

    /// Ready for at least `minReadySeconds` (upstream `IsPodAvailable`).
    static func isAvailable(_ pod: JSON, minReadySeconds: Int, now: Date) -> Bool {
        guard let condition = readyCondition(pod) else { return false }
        if minReadySeconds <= 0 { return true }
        guard let since = condition["lastTransitionTime"].stringValue.flatMap(Timestamp.parse) else {
            return false
        }
        return since.addingTimeInterval(TimeInterval(minReadySeconds)) <= now
    }

    /// How long until a ready pod becomes available; nil when it is not ready or already available.
    static func timeUntilAvailable(_ pod: JSON, minReadySeconds: Int, now: Date) -> TimeInterval? {
        guard minReadySeconds > 0, let condition = readyCondition(pod),
              let since = condition["lastTransitionTime"].stringValue.flatMap(Timestamp.parse) else { return nil }
        let remaining = since.addingTimeInterval(TimeInterval(minReadySeconds)).timeIntervalSince(now)
        return remaining > 0 ? remaining : nil
    }

    // MARK: Spec values

    /// An optional non-negative integer field; `defaultValue` when absent.
    static func int(_ value: JSON, field: String, default defaultValue: Int) throws(SetsInputError) -> Int {
        if value.isNull { return defaultValue }
        guard let number = value.intValue, number >= 0, number <= Int64(Int32.max) else {
            throw SetsInputError("\(field) must be a non-negative integer, got \(value.jsonString)")
        }
        return Int(number)
    }

    /// Resolves an IntOrString (`3` or `"25%"`) against `total`, as `GetScaledValueFromIntOrPercent`.
    static func scaledValue(_ value: JSON, total: Int, roundUp: Bool, field: String) throws(SetsInputError) -> Int {
        if let number = value.intValue {
            guard number >= 0, number <= Int64(Int32.max) else { throw SetsInputError("\(field) must not be negative") }
            return Int(number)
        }
        guard let text = value.stringValue, text.hasSuffix("%"),
              let percent = Int(text.dropLast()), percent >= 0 else {
            throw SetsInputError("\(field) must be an integer or a percentage like \"25%\", got \(value.jsonString)")
        }
        let product = percent * total
        return roundUp ? (product + 99) / 100 : product / 100
    }

    /// Converts a `Duration`-free interval to the result's requeue type.
    static func duration(_ interval: TimeInterval) -> Duration {
        .milliseconds(Int64((interval * 1000).rounded(.up)))
    }
}

extension SetsSupport {
    /// The write that turns `old` into `new` when only their metadata labels, annotations or owner
    /// references differ: a JSON merge patch of just those members, pinned to `old`'s
    /// resourceVersion (a concurrent change gets a 409 and the controller retries from its cache).
    /// A patch rather than a PUT because the controllers' caches do not keep every field of a pod.
    static func metadataPatch(_ resource: ResourceType, from old: JSON, to new: JSON) -> ControllerAction {
        var metadata: JSONObject = [:]
        for key in ["labels", "annotations", "ownerReferences"] where old["metadata"][key] != new["metadata"][key] {
            metadata[key] = new["metadata"][key]
        }
        if let version = old["metadata"]["resourceVersion"].stringValue { metadata["resourceVersion"] = .string(version) }
        return .patch(resource, namespace: namespace(new).isEmpty ? nil : namespace(new), name: name(new),
                      patch: ["metadata": .object(metadata)], patchType: .merge, subresource: nil)
    }
}
