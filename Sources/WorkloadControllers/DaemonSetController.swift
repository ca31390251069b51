import FoundationEssentials
import KubeAPI

/// The DaemonSet controller's reconcile logic, after upstream's `pkg/controller/daemon`: one pod
/// per eligible node, pinned to it by node affinity (`matchFields metadata.name In [node]`) so
/// the default scheduler binds it; pods on ineligible nodes and duplicates removed; RollingUpdate
/// (maxUnavailable / maxSurge) or OnDelete; ControllerRevision history.
public enum DaemonSetController {
    /// Pod and revision label holding the revision hash.
    public static let revisionLabel = "controller-revision-hash"
    /// Pod label holding the template generation (`deprecated.daemonset.template.generation`).
    public static let templateGenerationLabel = "pod-template-generation"
    /// The annotation the apiserver keeps the template generation in.
    public static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"
    /// Upstream's cap on pod creations and deletions per pass (`BurstReplicas`).
    static let burstReplicas = 250

    /// Computes the writes that move a DaemonSet's pods and history towards its spec, and its new status.
    ///
    /// - Parameters:
    ///   - daemonSet: the DaemonSet as in the informer cache.
    ///   - nodes: all nodes.
    ///   - pods: pods of the DaemonSet's namespace; orphans matching the selector are adopted.
    ///   - revisions: ControllerRevisions of the namespace.
    ///   - now: the clock, for `minReadySeconds`.
    /// - Returns: the actions; a spec that cannot be acted on yields one Warning event instead.
    public static func reconcile(daemonSet: JSON, nodes: [JSON], pods: [JSON], revisions: [JSON], now: Date) -> SetReconcileResult {
        do {
            let spec = try DaemonSetSpec(daemonSet)
            var sync = DaemonSetSync(daemonSet: daemonSet, spec: spec, now: now)
            return sync.run(nodes: nodes, pods: pods, revisions: revisions)
        } catch {
            let event = EventRecord(involvedObject: daemonSet, type: "Warning", reason: "FailedReconcile",
                                    message: "DaemonSet cannot be reconciled: \(error.message)")
            return SetReconcileResult(actions: [.event(event)])
        }
    }

    /// Tolerations every DaemonSet pod gets (upstream `AddOrUpdateDaemonPodTolerations`), so
    /// daemons keep running on nodes that are not ready, under pressure or cordoned.
    static func defaultTolerations(hostNetwork: Bool) -> [JSON] {
        var tolerations: [JSON] = [
            toleration("node.kubernetes.io/not-ready", "NoExecute"),
            toleration("node.kubernetes.io/unreachable", "NoExecute"),
            toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
            toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
            toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
            toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
        ]
        if hostNetwork { tolerations.append(toleration("node.kubernetes.io/network-unavailable", "NoSchedule")) }
        return tolerations
    }

    private static func toleration(_ key: String, _ effect: String) -> JSON {
        ["key": .string(key), "operator": "Exists", "effect": .string(effect)]
    }
}

/// The parts of a DaemonSet spec the controller acts on, validated and defaulted.
struct DaemonSetSpec {
    var name: String
    var namespace: String
    var generation: Int64
    var templateGeneration: String?
    var selector: LabelSelector
    var template: JSON
    var onDelete: Bool
    var maxUnavailable: JSON
    var maxSurge: JSON
    var historyLimit: Int
    var minReadySeconds: Int
    var collisionCount: Int64
    var deleting: Bool

    init(_ daemonSet: JSON) throws(SetsInputError) {
        guard case .object = daemonSet else { throw SetsInputError("the object is not a JSON object") }
        name = SetsSupport.name(daemonSet)
        guard !name.isEmpty else { throw SetsInputError("metadata.name is missing") }
        namespace = SetsSupport.namespace(daemonSet)
        generation = daemonSet[path: ["metadata", "generation"]].intValue ?? 0
        templateGeneration = daemonSet[path: ["metadata", "annotations", DaemonSetController.templateGenerationAnnotation]].stringValue
        let spec = daemonSet["spec"]
        guard case .object = spec["template"] else { throw SetsInputError("spec.template must be an object") }
        template = spec["template"]
        selector = try SetsSupport.selector(of: daemonSet)
        let strategy = spec["updateStrategy"]
        switch strategy["type"].stringValue ?? "RollingUpdate" {
        case "RollingUpdate": onDelete = false
        case "OnDelete": onDelete = true
        case let other: throw SetsInputError("spec.updateStrategy.type \"\(other)\" is not RollingUpdate or OnDelete")
        }
        let rolling = strategy["rollingUpdate"]
        maxUnavailable = rolling["maxUnavailable"].isNull ? 1 : rolling["maxUnavailable"]
        maxSurge = rolling["maxSurge"].isNull ? 0 : rolling["maxSurge"]
        // Validate now so bad values are reported even when no update is in progress.
        _ = try SetsSupport.scaledValue(maxUnavailable, total: 100, roundUp: true,
                                        field: "spec.updateStrategy.rollingUpdate.maxUnavailable")
        _ = try SetsSupport.scaledValue(maxSurge, total: 100, roundUp: true,
                                        field: "spec.updateStrategy.rollingUpdate.maxSurge")
        historyLimit = try SetsSupport.int(spec["revisionHistoryLimit"], field: "spec.revisionHistoryLimit",
                                           default: RevisionHistory.defaultHistoryLimit)
        minReadySeconds = try SetsSupport.int(spec["minReadySeconds"], field: "spec.minReadySeconds", default: 0)
        collisionCount = daemonSet[path: ["status", "collisionCount"]].intValue ?? 0
        deleting = SetsSupport.isTerminating(daemonSet)
    }

    /// Whether surge is configured (a non-zero `maxSurge`), which changes how duplicates are kept.
    var allowsSurge: Bool {
        ((try? SetsSupport.scaledValue(maxSurge, total: 100, roundUp: true, field: "maxSurge")) ?? 0) > 0
    }
}
