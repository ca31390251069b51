import KubeAPI

/// What the scheduler's informer caches keep of each object. Handlers still see every object as
/// received (the scheduler's own model, `PodInfo`/`NodeInfo`, is built from that); the caches only
/// serve the writes after a decision and the `old` side of updates. Keeping a few hundred bytes
/// per pod instead of the whole object is most of the scheduler's memory with 10,000 pods.
enum CacheProjections {
    /// A pod as the scheduler's writes need it: identity for events and binding, `spec.nodeName`
    /// for the cache's node index, and, while pending, the `PodScheduled` condition that
    /// `SchedulerWrites.unschedulableStatusPatch` compares against.
    static func pod(_ pod: JSON) -> JSON {
        var root: JSONObject = ["apiVersion": pod["apiVersion"], "kind": pod["kind"]]
        root["metadata"] = .object(pick(pod["metadata"], ["name", "namespace", "uid", "resourceVersion"]))
        if let node = pod[path: ["spec", "nodeName"]].stringValue, !node.isEmpty {
            root["spec"] = ["nodeName": .string(node)]
        } else {
            // Only a pending pod's condition is ever compared (FailedScheduling); a placed pod
            // keeps nothing of its status.
            let scheduled = (pod[path: ["status", "conditions"]].arrayValue ?? []).filter { $0["type"] == "PodScheduled" }
            if !scheduled.isEmpty { root["status"] = ["conditions": .array(scheduled)] }
        }
        return .object(root)
    }

    /// A node with exactly the fields `NodeInfo(json:)` reads, so `NodeInfo(old) == NodeInfo(new)`
    /// still detects irrelevant updates (heartbeat times, images, addresses are dropped).
    static func node(_ node: JSON) -> JSON {
        var root: JSONObject = ["apiVersion": node["apiVersion"], "kind": node["kind"]]
        root["metadata"] = .object(pick(node["metadata"], ["name", "uid", "resourceVersion", "labels"]))
        root["spec"] = .object(pick(node["spec"], ["taints", "unschedulable"]))
        var status = pick(node["status"], ["allocatable", "capacity"])
        let conditions = (node[path: ["status", "conditions"]].arrayValue ?? []).map { condition in
            JSON.object(pick(condition, ["type", "status"]))
        }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        root["status"] = .object(status)
        return .object(root)
    }

    /// The named members of an object that are present, in the order given.
    private static func pick(_ object: JSON, _ keys: [String]) -> JSONObject {
        var picked = JSONObject()
        guard case .object(let members) = object else { return picked }
        for key in keys { if let value = members[key] { picked[key] = value } }
        return picked
    }
}
