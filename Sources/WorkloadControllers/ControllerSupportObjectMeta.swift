import FoundationEssentials
import KubeAPI

/// Read-only accessors for the `metadata` fields the workload controllers use. A namespace enum
/// (not a `JSON` extension) so other controllers in this module can add their own helpers without
/// name clashes.
enum WorkloadMeta {
    static func name(_ object: JSON) -> String { object[path: ["metadata", "name"]].stringValue ?? "" }
    static func namespace(_ object: JSON) -> String { object[path: ["metadata", "namespace"]].stringValue ?? "" }
    static func uid(_ object: JSON) -> String { object[path: ["metadata", "uid"]].stringValue ?? "" }
    static func generation(_ object: JSON) -> Int64 { object[path: ["metadata", "generation"]].intValue ?? 0 }

    static func labels(_ object: JSON) -> [String: String] { stringMap(object[path: ["metadata", "labels"]]) }
    static func annotations(_ object: JSON) -> [String: String] {
        stringMap(object[path: ["metadata", "annotations"]])
    }

    static func creationTimestamp(_ object: JSON) -> Date? {
        object[path: ["metadata", "creationTimestamp"]].stringValue.flatMap(Timestamp.parse)
    }

    static func isBeingDeleted(_ object: JSON) -> Bool {
        !object[path: ["metadata", "deletionTimestamp"]].isNull
    }

    /// A `map[string]string` field; non-string values are skipped rather than trapping.
    static func stringMap(_ json: JSON) -> [String: String] {
        guard let object = json.objectValue else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in object { if let s = value.stringValue { result[key] = s } }
        return result
    }

    /// Orders by creation time, then name: upstream's `ReplicaSetsByCreationTimestamp` and friends.
    static func olderFirst(_ a: JSON, _ b: JSON) -> Bool {
        let ta = creationTimestamp(a) ?? .distantPast, tb = creationTimestamp(b) ?? .distantPast
        if ta != tb { return ta < tb }
        return name(a) < name(b)
    }
}

/// Standard `status.conditions` handling shared by the workload kinds (type, status, reason,
/// message, lastTransitionTime and, for Deployments, lastUpdateTime).
enum WorkloadConditions {
    static func find(_ status: JSON, type: String) -> JSON? {
        status["conditions"].arrayValue?.first { $0["type"].stringValue == type }
    }

    static func removing(_ status: JSON, type: String) -> JSON {
        var status = status
        guard let list = status["conditions"].arrayValue else { return status }
        let kept = list.filter { $0["type"].stringValue != type }
        status["conditions"] = kept.isEmpty ? .null : .array(kept)
        if kept.isEmpty, case .object(var o) = status { o.removeValue(forKey: "conditions"); status = .object(o) }
        return status
    }

    /// Upstream `SetDeploymentCondition`/`SetCondition`: no change when status and reason are the
    /// same; the transition time is kept when only reason or message changes.
    static func setting(_ status: JSON, _ condition: JSON) -> JSON {
        let type = condition["type"].stringValue ?? ""
        var condition = condition
        if let current = find(status, type: type) {
            if current["status"] == condition["status"], current["reason"] == condition["reason"] { return status }
            if current["status"] == condition["status"] { condition["lastTransitionTime"] = current["lastTransitionTime"] }
        }
        var status = removing(status, type: type)
        var list = status["conditions"].arrayValue ?? []
        list.append(condition)
        status["conditions"] = .array(list)
        return status
    }

    static func make(type: String, status: String, reason: String, message: String, now: Date,
                     withUpdateTime: Bool) -> JSON {
        let stamp = JSON.string(Timestamp.format(now))
        var condition: JSONObject = ["type": .string(type), "status": .string(status)]
        if withUpdateTime { condition["lastUpdateTime"] = stamp }
        condition["lastTransitionTime"] = stamp
        condition["reason"] = .string(reason)
        condition["message"] = .string(message)
        return .object(condition)
    }
}
