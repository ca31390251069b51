import FoundationEssentials
import KubeAPI

/// Pod readiness and availability as upstream's `podutil.IsPodReady`/`IsPodAvailable` and
/// `controller.FilterActivePods` define them, read from pod JSON.
public enum PodReadiness {
    /// The `Ready` condition, if present.
    public static func readyCondition(_ pod: JSON) -> JSON? {
        pod[path: ["status", "conditions"]].arrayValue?.first { $0["type"].stringValue == "Ready" }
    }

    /// Whether the pod's `Ready` condition is `True`.
    public static func isReady(_ pod: JSON) -> Bool {
        readyCondition(pod)?["status"].stringValue == "True"
    }

    /// When the pod last became ready (the Ready condition's `lastTransitionTime`), if ready.
    public static func readySince(_ pod: JSON) -> Date? {
        guard isReady(pod) else { return nil }
        return readyCondition(pod)?["lastTransitionTime"].stringValue.flatMap(Timestamp.parse)
    }

    /// Ready for at least `minReadySeconds` (a pod with no transition time counts only when
    /// `minReadySeconds` is 0, as upstream).
    public static func isAvailable(_ pod: JSON, minReadySeconds: Int64, now: Date) -> Bool {
        guard isReady(pod) else { return false }
        if minReadySeconds <= 0 { return true }
        guard let since = readySince(pod) else { return false }
        return since.addingTimeInterval(TimeInterval(minReadySeconds)) < now
    }

    /// Not finished (`Succeeded`/`Failed`) and not being deleted.
    public static func isActive(_ pod: JSON) -> Bool {
        let phase = pod[path: ["status", "phase"]].stringValue
        return phase != "Succeeded" && phase != "Failed" && !WorkloadMeta.isBeingDeleted(pod)
    }

    /// The highest restart count among the pod's containers.
    public static func maxContainerRestarts(_ pod: JSON) -> Int64 {
        let statuses = pod[path: ["status", "containerStatuses"]].arrayValue ?? []
        return statuses.map { $0["restartCount"].intValue ?? 0 }.max() ?? 0
    }
}
