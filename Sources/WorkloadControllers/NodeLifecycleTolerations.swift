import FoundationEssentials
import KubeAPI

/// Toleration matching and eviction deadlines of the taint-eviction controller.
enum Tolerations {
    enum Eviction: Equatable { case never, now, at(Date) }

    /// Upstream `Toleration.ToleratesTaint`: an empty key with Exists matches every taint, an empty
    /// effect every effect; Equal (the default) also compares the value.
    static func tolerates(_ toleration: JSON, _ taint: JSON) -> Bool {
        let effect = toleration["effect"].stringValue ?? ""
        if !effect.isEmpty && effect != taint["effect"].stringValue { return false }
        let key = toleration["key"].stringValue ?? ""
        if !key.isEmpty && key != taint["key"].stringValue { return false }
        switch toleration["operator"].stringValue ?? "Equal" {
        case "Exists": return true
        case "Equal", "": return !key.isEmpty && (toleration["value"].stringValue ?? "") == (taint["value"].stringValue ?? "")
        default: return false
        }
    }

    /// When `pod` must leave a node with these NoExecute taints: now if one is not tolerated, at the
    /// earliest taint time plus the smallest tolerationSeconds otherwise, never if all are unbounded.
    static func evictionTime(pod: JSON, taints: [JSON], defaultSeconds: Int64?) -> Eviction {
        var tolerations = pod["spec"]["tolerations"].arrayValue ?? []
        if let defaultSeconds {
            // What DefaultTolerationSeconds admission adds when the pod has none for these keys.
            for key in [NodeLifecycleController.notReadyTaint, NodeLifecycleController.unreachableTaint] {
                let probe: JSON = ["key": .string(key), "effect": "NoExecute"]
                if !tolerations.contains(where: { tolerates($0, probe) }) {
                    tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute",
                                        "tolerationSeconds": .int(defaultSeconds)])
                }
            }
        }
        var minSeconds: Int64?
        var start: Date?
        for taint in taints {
            let matching = tolerations.filter { tolerates($0, taint) }
            if matching.isEmpty { return .now }
            for toleration in matching {
                guard let seconds = toleration["tolerationSeconds"].intValue else { continue }
                minSeconds = min(minSeconds ?? seconds, seconds)
            }
            if let added = Meta.timestamp(taint["timeAdded"]) { start = min(start ?? added, added) }
        }
        guard let minSeconds else { return .never }
        if minSeconds <= 0 { return .now }
        guard let start else { return .now }  // a taint without a time: its toleration window is unknown
        return .at(start.addingTimeInterval(TimeInterval(minSeconds)))
    }
}
