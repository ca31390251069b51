import FoundationEssentials
import KubeAPI

/// The writes the scheduler's driver performs after a decision, built as upstream builds them.
public enum SchedulerWrites {
    /// The `Binding` object to POST to `pods/<name>/binding` (`ResourceType.pods` with
    /// subresource `binding`).
    public static func binding(pod: PodInfo, nodeName: String) -> JSON {
        var metadata: JSONObject = ["name": .string(pod.name), "namespace": .string(pod.namespace)]
        if !pod.uid.isEmpty { metadata["uid"] = .string(pod.uid) }
        return [
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": .object(metadata),
            "target": ["kind": "Node", "apiVersion": "v1", "name": .string(nodeName)],
        ]
    }

    /// The path of the binding subresource for the pod.
    public static func bindingPath(pod: PodInfo) -> String {
        ResourceType.pods.path(namespace: pod.namespace, name: pod.name, subresource: "binding")
    }

    /// The `Scheduled` event upstream records after a successful binding.
    public static func scheduledEvent(pod: JSON, nodeName: String) -> EventRecord {
        let info = PodInfo(json: pod)
        return EventRecord(involvedObject: pod, type: "Normal", reason: "Scheduled",
                           message: "Successfully assigned \(info.namespace)/\(info.name) to \(nodeName)")
    }

    /// The `FailedScheduling` warning event, with the message truncated as upstream does.
    public static func failedSchedulingEvent(pod: JSON, message: String) -> EventRecord {
        EventRecord(involvedObject: pod, type: "Warning", reason: "FailedScheduling", message: truncate(message))
    }

    /// The strategic-merge patch of `pods/<name>/status` setting `PodScheduled=False`
    /// (reason `Unschedulable`, or `SchedulerError` for errors other than no fit); nil when the
    /// pod already carries exactly that condition, so nothing needs writing. The transition time
    /// is kept when the status does not change, as upstream's `UpdatePodCondition` does.
    public static func unschedulableStatusPatch(pod: JSON, message: String, reason: String = "Unschedulable", now: Date) -> JSON? {
        let existing = (pod[path: ["status", "conditions"]].arrayValue ?? []).first { $0["type"].stringValue == "PodScheduled" }
        if let existing, existing["status"].stringValue == "False", existing["reason"].stringValue == reason,
           existing["message"].stringValue == message {
            return nil
        }
        var transition = JSON.string(Timestamp.format(now))
        if let existing, existing["status"].stringValue == "False", !existing["lastTransitionTime"].isNull {
            transition = existing["lastTransitionTime"]
        }
        let condition: JSON = [
            "type": "PodScheduled", "status": "False", "reason": .string(reason), "message": .string(message),
            "lastProbeTime": nil, "lastTransitionTime": transition,
        ]
        return ["status": ["conditions": [condition]]]
    }

    /// The status patch as a `ControllerAction`, or nil when nothing changes.
    public static func unschedulableStatusAction(pod: JSON, message: String, reason: String = "Unschedulable", now: Date) -> ControllerAction? {
        guard let patch = unschedulableStatusPatch(pod: pod, message: message, reason: reason, now: now) else { return nil }
        let info = PodInfo(json: pod)
        return .patch(.pods, namespace: info.namespace, name: info.name, patch: patch, patchType: .strategic, subresource: "status")
    }

    /// Upstream truncates event messages to 1024 bytes, ending in " ...".
    static func truncate(_ message: String, limit: Int = 1024) -> String {
        guard message.utf8.count > limit else { return message }
        let suffix = " ..."
        let bytes = Array(message.utf8)
        var end = limit - suffix.utf8.count
        // Cut before a lead byte, never inside a UTF-8 sequence.
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self) + suffix
    }
}
