import KubeAPI
import KubeClient

/// What the controllers' pod cache keeps. Pods are by far the most numerous objects a controller
/// manager caches, and most of a pod is for the kubelet: volumes, container images and commands,
/// security settings, image ids in the container statuses. The loops read labels, owners,
/// phase, conditions, addresses, ports, restart counts and terminations, so everything else is
/// dropped on the way into the cache. (Loops never write a cached pod back whole: pod changes
/// are patches, see `SetsSupport.metadataPatch` and the node lifecycle's status patch.)
enum CacheProjections {
    /// Pod spec members no loop reads.
    static let droppedSpec: Set<String> = [
        "volumes", "securityContext", "dnsPolicy", "dnsConfig", "enableServiceLinks", "schedulerName",
        "preemptionPolicy", "serviceAccountName", "serviceAccount", "automountServiceAccountToken",
        "imagePullSecrets", "hostAliases", "topologySpreadConstraints", "terminationGracePeriodSeconds",
        "overhead", "runtimeClassName", "resourceClaims", "os", "shareProcessNamespace",
    ]
    /// What each container keeps: its name, its ports (named target ports of Services) and the
    /// restart policy that makes an init container a sidecar.
    static let containerKeys = ["name", "ports", "restartPolicy"]
    /// What each container status keeps (Job failure accounting and readiness counters).
    static let containerStatusKeys = ["name", "ready", "restartCount", "state"]

    static func pod(_ pod: JSON) -> JSON {
        guard case .object(var root) = ObjectCache.slim(pod) else { return pod }
        if case .object(var spec)? = root["spec"] {
            for key in droppedSpec { spec.removeValue(forKey: key) }
            for key in ["containers", "initContainers", "ephemeralContainers"] {
                if case .array(let containers)? = spec[key] { spec[key] = .array(containers.map { pick($0, containerKeys) }) }
            }
            root["spec"] = .object(spec)
        }
        if case .object(var status)? = root["status"] {
            status.removeValue(forKey: "qosClass")
            status.removeValue(forKey: "hostIPs")
            for key in ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"] {
                if case .array(let statuses)? = status[key] { status[key] = .array(statuses.map { pick($0, containerStatusKeys) }) }
            }
            if case .array(let conditions)? = status["conditions"] {
                status["conditions"] = .array(conditions.map(withoutNullProbeTime))
            }
            root["status"] = .object(status)
        }
        return .object(root)
    }

    private static func pick(_ object: JSON, _ keys: [String]) -> JSON {
        guard case .object(let members) = object else { return object }
        var picked = JSONObject()
        for key in keys { if let value = members[key] { picked[key] = value } }
        return .object(picked)
    }

    /// The kubelet writes `lastProbeTime: null` into every condition.
    private static func withoutNullProbeTime(_ condition: JSON) -> JSON {
        guard case .object(var members) = condition, members["lastProbeTime"]?.isNull == true else { return condition }
        members.removeValue(forKey: "lastProbeTime")
        return .object(members)
    }
}
