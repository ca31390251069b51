import FoundationEssentials
import KubeAPI

/// Small readers over API objects shared by the garbage collector, namespace, endpoints, service
/// account, node and disruption-budget controllers. Everything here tolerates malformed objects:
/// a missing or mistyped field reads as absent, never as a crash.
enum Meta {
    static func name(_ object: JSON) -> String { object["metadata"]["name"].stringValue ?? "" }
    static func namespace(_ object: JSON) -> String? {
        guard let ns = object["metadata"]["namespace"].stringValue, !ns.isEmpty else { return nil }
        return ns
    }
    static func uid(_ object: JSON) -> String { object["metadata"]["uid"].stringValue ?? "" }
    static func isDeleting(_ object: JSON) -> Bool { !object["metadata"]["deletionTimestamp"].isNull }
    static func finalizers(_ object: JSON) -> [String] {
        (object["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
    }
    /// A string map (`labels`, `annotations`, a service `selector`); non-string values are skipped.
    static func stringMap(_ json: JSON) -> [String: String] {
        guard case .object(let object) = json else { return [:] }
        var map: [String: String] = [:]
        for (key, value) in object { if let s = value.stringValue { map[key] = s } }
        return map
    }
    static func labels(_ object: JSON) -> [String: String] { stringMap(object["metadata"]["labels"]) }
    static func timestamp(_ json: JSON) -> Date? { json.stringValue.flatMap(Timestamp.parse) }

    /// The `ownerReferences` entry that points at `owner` as its controller.
    static func controllerRef(for owner: JSON) -> JSON {
        [
            "apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": .string(name(owner)), "uid": .string(uid(owner)),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }
}

/// Pod state as the endpoint, node and disruption controllers read it.
enum PodState {
    /// The `Ready` condition is `True` (upstream `podutil.IsPodReady`).
    static func isReady(_ pod: JSON) -> Bool {
        conditionStatus(pod, "Ready") == "True"
    }
    static func conditionStatus(_ object: JSON, _ type: String) -> String? {
        condition(object, type)?["status"].stringValue
    }
    static func condition(_ object: JSON, _ type: String) -> JSON? {
        (object["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
    }
    /// Succeeded and Failed pods never come back (upstream `ShouldPodBeInEndpoints`).
    static func isFinished(_ pod: JSON) -> Bool {
        let phase = pod["status"]["phase"].stringValue
        return phase == "Succeeded" || phase == "Failed"
    }
    static func nodeName(_ pod: JSON) -> String? {
        guard let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty else { return nil }
        return node
    }
}

/// Status conditions kept in upstream's shape: a transition time changes only with the status.
enum Conditions {
    /// Sets or replaces condition `type` in `conditions`; returns whether anything changed.
    @discardableResult
    static func set(_ conditions: inout [JSON], type: String, status: String, reason: String, message: String,
                    now: Date, extra: JSONObject = [:]) -> Bool {
        var entry: JSONObject = ["type": .string(type), "status": .string(status)]
        for (key, value) in extra { entry[key] = value }
        if let index = conditions.firstIndex(where: { $0["type"].stringValue == type }) {
            let old = conditions[index]
            let transition = old["status"].stringValue == status ? old["lastTransitionTime"] : .string(Timestamp.format(now))
            entry["lastTransitionTime"] = transition.isNull ? .string(Timestamp.format(now)) : transition
            entry["reason"] = .string(reason)
            entry["message"] = .string(message)
            let new = JSON.object(entry)
            if stripped(old) == stripped(new) && old["lastTransitionTime"] == new["lastTransitionTime"] { return false }
            conditions[index] = new
            return true
        }
        entry["lastTransitionTime"] = .string(Timestamp.format(now))
        entry["reason"] = .string(reason)
        entry["message"] = .string(message)
        conditions.append(.object(entry))
        return true
    }

    /// Key order does not matter when deciding whether a condition changed.
    private static func stripped(_ condition: JSON) -> [String: JSON] {
        guard case .object(let o) = condition else { return [:] }
        return Dictionary(uniqueKeysWithValues: o.map { ($0.key, $0.value) })
    }
}

/// An error a controller reports about one object instead of crashing on bad input.
public struct ControllerInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ControllerAction {
    /// A `Warning` event about `object`.
    static func warning(_ object: JSON, reason: String, message: String) -> ControllerAction {
        .event(EventRecord(involvedObject: object, type: "Warning", reason: reason, message: message))
    }
    static func normal(_ object: JSON, reason: String, message: String) -> ControllerAction {
        .event(EventRecord(involvedObject: object, type: "Normal", reason: reason, message: message))
    }
}
