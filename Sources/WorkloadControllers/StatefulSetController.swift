import FoundationEssentials
import KubeAPI

/// The StatefulSet controller's reconcile logic, after upstream's `pkg/controller/statefulset`:
/// stable pod identities `<set>-<ordinal>`, per-ordinal PersistentVolumeClaims, ordered or parallel
/// pod management, RollingUpdate (with partition and maxUnavailable) or OnDelete updates, and
/// ControllerRevision history.
public enum StatefulSetController {
    /// Pod label holding the pod's own name (used by per-pod Services).
    public static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    /// Pod label holding the pod's ordinal.
    public static let podIndexLabel = "apps.kubernetes.io/pod-index"
    /// Pod label naming the ControllerRevision the pod was made from.
    public static let revisionLabel = "controller-revision-hash"

    /// Computes the writes that move a StatefulSet's pods, claims and history towards its spec, and
    /// its new status. Pure: nothing is read besides the arguments.
    ///
    /// - Parameters:
    ///   - set: the StatefulSet as in the informer cache.
    ///   - pods: pods of the set's namespace (others are ignored); orphans matching the selector and
    ///     named like members are adopted.
    ///   - claims: PersistentVolumeClaims of the namespace.
    ///   - revisions: ControllerRevisions of the namespace.
    ///   - now: the clock, for `minReadySeconds`.
    /// - Returns: the actions; a spec that cannot be acted on yields one Warning event instead.
    public static func reconcile(set: JSON, pods: [JSON], claims: [JSON], revisions: [JSON], now: Date) -> SetReconcileResult {
        do {
            let spec = try StatefulSetSpec(set)
            var sync = StatefulSetSync(set: set, spec: spec, now: now)
            return sync.run(pods: pods, claims: claims, revisions: revisions)
        } catch {
            let event = EventRecord(involvedObject: set, type: "Warning", reason: "FailedReconcile",
                                    message: "StatefulSet cannot be reconciled: \(error.message)")
            return SetReconcileResult(actions: [.event(event)])
        }
    }
}

/// The parts of a StatefulSet spec the controller acts on, validated and defaulted.
struct StatefulSetSpec {
    var name: String
    var namespace: String
    var uid: String
    var generation: Int64
    var replicas: Int
    var startOrdinal: Int
    var selector: LabelSelector
    var serviceName: String
    /// `Parallel` pod management (otherwise `OrderedReady`, the default).
    var parallel: Bool
    var onDelete: Bool
    var partition: Int
    /// Set only when `rollingUpdate.maxUnavailable` is given (upstream's feature-gated path).
    var maxUnavailable: JSON?
    var historyLimit: Int
    var minReadySeconds: Int
    var claimTemplates: [JSON]
    /// `persistentVolumeClaimRetentionPolicy.whenDeleted == Delete`.
    var deleteClaimsWithSet: Bool
    /// `persistentVolumeClaimRetentionPolicy.whenScaled == Delete`.
    var deleteClaimsOnScaleDown: Bool
    var collisionCount: Int64
    var currentRevisionName: String?
    var deleting: Bool

    init(_ set: JSON) throws(SetsInputError) {
        guard case .object = set else { throw SetsInputError("the object is not a JSON object") }
        name = SetsSupport.name(set)
        guard !name.isEmpty else { throw SetsInputError("metadata.name is missing") }
        namespace = SetsSupport.namespace(set)
        uid = SetsSupport.uid(set)
        generation = set[path: ["metadata", "generation"]].intValue ?? 0
        let spec = set["spec"]
        replicas = try SetsSupport.int(spec["replicas"], field: "spec.replicas", default: 1)
        startOrdinal = try SetsSupport.int(spec[path: ["ordinals", "start"]], field: "spec.ordinals.start", default: 0)
        guard case .object = spec["template"] else { throw SetsInputError("spec.template must be an object") }
        selector = try SetsSupport.selector(of: set)
        serviceName = spec["serviceName"].stringValue ?? ""
        switch spec["podManagementPolicy"].stringValue ?? "OrderedReady" {
        case "OrderedReady": parallel = false
        case "Parallel": parallel = true
        case let other: throw SetsInputError("spec.podManagementPolicy \"\(other)\" is not OrderedReady or Parallel")
        }
        let strategy = spec["updateStrategy"]
        switch strategy["type"].stringValue ?? "RollingUpdate" {
        case "RollingUpdate": onDelete = false
        case "OnDelete": onDelete = true
        case let other: throw SetsInputError("spec.updateStrategy.type \"\(other)\" is not RollingUpdate or OnDelete")
        }
        partition = try SetsSupport.int(strategy[path: ["rollingUpdate", "partition"]],
                                        field: "spec.updateStrategy.rollingUpdate.partition", default: 0)
        let maxUnavailable = strategy[path: ["rollingUpdate", "maxUnavailable"]]
        if !maxUnavailable.isNull {
            // Validate now so a bad value is reported even when no update is in progress.
            _ = try SetsSupport.scaledValue(maxUnavailable, total: 100, roundUp: true,
                                            field: "spec.updateStrategy.rollingUpdate.maxUnavailable")
            self.maxUnavailable = maxUnavailable
        }
        historyLimit = try SetsSupport.int(spec["revisionHistoryLimit"], field: "spec.revisionHistoryLimit",
                                           default: RevisionHistory.defaultHistoryLimit)
        minReadySeconds = try SetsSupport.int(spec["minReadySeconds"], field: "spec.minReadySeconds", default: 0)
        claimTemplates = []
        for (index, template) in (spec["volumeClaimTemplates"].arrayValue ?? []).enumerated() {
            guard let claimName = template[path: ["metadata", "name"]].stringValue, !claimName.isEmpty else {
                throw SetsInputError("spec.volumeClaimTemplates[\(index)].metadata.name is missing")
            }
            claimTemplates.append(template)
        }
        let retention = spec["persistentVolumeClaimRetentionPolicy"]
        func policy(_ key: String) throws(SetsInputError) -> Bool {
            switch retention[key].stringValue ?? "Retain" {
            case "Retain": return false
            case "Delete": return true
            case let other:
                throw SetsInputError("spec.persistentVolumeClaimRetentionPolicy.\(key) \"\(other)\" is not Retain or Delete")
            }
        }
        deleteClaimsWithSet = try policy("whenDeleted")
        deleteClaimsOnScaleDown = try policy("whenScaled")
        collisionCount = set[path: ["status", "collisionCount"]].intValue ?? 0
        currentRevisionName = set[path: ["status", "currentRevision"]].stringValue
        deleting = SetsSupport.isTerminating(set)
    }
}
