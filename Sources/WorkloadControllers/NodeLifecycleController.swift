import FoundationEssentials
import KubeAPI

/// Settings of the node lifecycle controller.
public struct NodeLifecycleConfig: Sendable, Hashable {
    /// How long a node may go without renewing its Lease before it is Unknown (upstream's
    /// `--node-monitor-grace-period`, 40 s).
    public var gracePeriod: Duration
    /// Swiftlet's apiserver has no DefaultTolerationSeconds admission yet: a pod without a
    /// toleration for `not-ready`/`unreachable` is treated as tolerating them this long, as the
    /// admission plugin would have added. nil evicts such pods at once (upstream without the plugin).
    public var defaultTolerationSeconds: Int64?

    public init(gracePeriod: Duration = .seconds(40), defaultTolerationSeconds: Int64? = 300) {
        self.gracePeriod = gracePeriod
        self.defaultTolerationSeconds = defaultTolerationSeconds
    }
}

/// What one pass over a node decided.
public struct NodeLifecycleResult: Sendable, Hashable {
    /// Node status, then taints, then pod status updates and evictions, in order.
    public var actions: [ControllerAction] = []
    /// Look again after this long (the next toleration expiry, or the Lease's grace deadline).
    public var requeueAfter: Duration?
}

/// The node lifecycle controller (upstream pkg/controller/nodelifecycle and tainteviction).
public enum NodeLifecycleController {
    public static let notReadyTaint = "node.kubernetes.io/not-ready"
    public static let unreachableTaint = "node.kubernetes.io/unreachable"
    static let managedConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]
    /// NoSchedule taints that follow a condition being True (upstream's TaintNodesByCondition).
    static let conditionTaints = [("MemoryPressure", "node.kubernetes.io/memory-pressure"),
                                  ("DiskPressure", "node.kubernetes.io/disk-pressure"),
                                  ("PIDPressure", "node.kubernetes.io/pid-pressure"),
                                  ("NetworkUnavailable", "node.kubernetes.io/network-unavailable")]

    /// - Parameters:
    ///   - node: the Node as cached.
    ///   - lease: its Lease in `kube-node-lease` (same name), if any.
    ///   - pods: pods bound to this node (others are ignored).
    public static func sync(node: JSON, lease: JSON?, pods: [JSON], now: Date,
                            config: NodeLifecycleConfig = NodeLifecycleConfig()) -> NodeLifecycleResult {
        var result = NodeLifecycleResult()
        let name = Meta.name(node)
        guard !name.isEmpty else { return result }
        let grace = TimeInterval(config.gracePeriod.components.seconds)
            + TimeInterval(config.gracePeriod.components.attoseconds) / 1e18

        // 1. Is the kubelet still alive? The Lease and the Ready heartbeat both count.
        let heartbeats = [Meta.timestamp(lease?["spec"]["renewTime"] ?? .null),
                          Meta.timestamp(PodState.condition(node, "Ready")?["lastHeartbeatTime"] ?? .null)].compactMap { $0 }
        let lastSeen = heartbeats.max() ?? Meta.timestamp(node["metadata"]["creationTimestamp"]) ?? now
        let stale = now.timeIntervalSince(lastSeen) > grace
        var current = node
        if stale {
            if let updated = markUnknown(node, now: now) {
                current = updated
                result.actions.append(.updateStatus(.nodes, namespace: nil, object: updated))
            }
        } else {
            result.requeueAfter = .seconds(max(1, Int64((grace - now.timeIntervalSince(lastSeen)).rounded(.up))))
        }

        // 2. Taints follow the Ready condition and the pressure conditions.
        let ready = PodState.conditionStatus(current, "Ready") ?? "Unknown"
        if let patch = taintPatch(current, ready: ready, now: now) {
            result.actions.append(.patch(.nodes, namespace: nil, name: name, patch: patch.patch, patchType: .merge, subresource: nil))
            current["spec"]["taints"] = patch.taints
        }

        // 3. Pods of a node that stopped reporting are not Ready any more.
        let onNode = pods.filter { PodState.nodeName($0) == name }
        if ready == "Unknown" {
            for pod in onNode where PodState.isReady(pod) && !Meta.isDeleting(pod) {
                result.actions.append(.patch(.pods, namespace: Meta.namespace(pod), name: Meta.name(pod),
                                             patch: notReadyPatch(now: now), patchType: .strategic, subresource: "status"))
            }
        }

        // 4. Evict what does not tolerate the node's NoExecute taints (long enough).
        let taints = (current["spec"]["taints"].arrayValue ?? []).filter { $0["effect"].stringValue == "NoExecute" }
        guard !taints.isEmpty else { return result }
        for pod in onNode where !Meta.isDeleting(pod) && !PodState.isFinished(pod) {
            switch Tolerations.evictionTime(pod: pod, taints: taints, defaultSeconds: config.defaultTolerationSeconds) {
            case .never: continue
            case .at(let deadline) where deadline > now:
                let wait = Duration.seconds(max(1, Int64(deadline.timeIntervalSince(now).rounded(.up))))
                result.requeueAfter = min(result.requeueAfter ?? wait, wait)
            case .at, .now:
                let podName = "\(Meta.namespace(pod) ?? "")/\(Meta.name(pod))"
                result.actions.append(.normal(pod, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(podName)"))
                result.actions.append(.delete(.pods, namespace: Meta.namespace(pod), name: Meta.name(pod),
                                              options: DeleteOptions(preconditionUID: Meta.uid(pod).isEmpty ? nil : Meta.uid(pod))))
            }
        }
        return result
    }

    /// The node with its kubelet-owned conditions set Unknown; nil when they already are.
    static func markUnknown(_ node: JSON, now: Date) -> JSON? {
        var conditions = node["status"]["conditions"].arrayValue ?? []
        var changed = false
        if PodState.condition(node, "Ready") == nil {
            let created = node["metadata"]["creationTimestamp"].stringValue ?? Timestamp.format(now)
            conditions.append(["type": "Ready", "status": "Unknown", "lastHeartbeatTime": .string(created),
                               "lastTransitionTime": .string(Timestamp.format(now)),
                               "reason": "NodeStatusNeverUpdated", "message": "Kubelet never posted node status."])
            changed = true
        }
        for index in conditions.indices {
            guard let type = conditions[index]["type"].stringValue, managedConditions.contains(type),
                  conditions[index]["status"].stringValue != "Unknown" else { continue }
            conditions[index]["status"] = "Unknown"
            conditions[index]["reason"] = "NodeStatusUnknown"
            conditions[index]["message"] = "Kubelet stopped posting node status."
            conditions[index]["lastTransitionTime"] = .string(Timestamp.format(now))
            changed = true
        }
        guard changed else { return nil }
        var updated = node
        updated["status"]["conditions"] = .array(conditions)
        return updated
    }

    /// The managed taints: NoSchedule and NoExecute of `not-ready` or `unreachable` for a Ready
    /// status that is not True, and a NoSchedule taint for each pressure condition that is True
    /// (all of them are left alone while the node is unreachable, as upstream does: the
    /// conditions are Unknown then).
    static func taintPatch(_ node: JSON, ready: String, now: Date) -> (patch: JSON, taints: JSON)? {
        let key: String? = ready == "False" ? notReadyTaint : ready == "Unknown" ? unreachableTaint : nil
        var wanted: [(String, String)] = key.map { [($0, "NoSchedule"), ($0, "NoExecute")] } ?? []
        let pressureKeys = Set(conditionTaints.map(\.1))
        for (condition, taintKey) in conditionTaints where PodState.conditionStatus(node, condition) == "True" {
            wanted.append((taintKey, "NoSchedule"))
        }
        let existing = node["spec"]["taints"].arrayValue ?? []
        var taints = existing.filter { taint in
            let k = taint["key"].stringValue ?? ""
            if ready == "Unknown", pressureKeys.contains(k) { return true }
            guard k == notReadyTaint || k == unreachableTaint || pressureKeys.contains(k) else { return true }
            return wanted.contains { $0.0 == k && $0.1 == taint["effect"].stringValue }
        }
        for (taintKey, effect) in wanted where !taints.contains(where: { $0["key"].stringValue == taintKey && $0["effect"].stringValue == effect }) {
            var taint: JSONObject = ["key": .string(taintKey), "effect": .string(effect)]
            if effect == "NoExecute" { taint["timeAdded"] = .string(Timestamp.format(now)) }
            taints.append(.object(taint))
        }
        guard taints != existing else { return nil }
        let value: JSON = taints.isEmpty ? .null : .array(taints)
        return (["spec": ["taints": value]], value)
    }

    /// The status patch upstream's `MarkPodsNotReady` sends: `Ready=False` (merged into the
    /// conditions list by type), leaving every other status field as the kubelet wrote it.
    static func notReadyPatch(now: Date) -> JSON {
        ["status": ["conditions": [["type": "Ready", "status": "False", "lastTransitionTime": .string(Timestamp.format(now))]]]]
    }
}
