import FoundationEssentials
import KubeAPI

/// The Deployment controller's reconcile logic (upstream `pkg/controller/deployment`) as a pure
/// function over informer-cache objects.
///
/// Driver contract: perform `actions` in order; an `.event` right after a ReplicaSet write
/// describes that write (skip it if the write failed); on any failed write, requeue the
/// Deployment with backoff (the next reconcile recomputes everything from the caches). An
/// AlreadyExists error creating the new ReplicaSet is harmless: the next reconcile either finds
/// it or, if it is someone else's, bumps `status.collisionCount`. Reconcile again after
/// `requeueAfter` when set (progress-deadline checks).
public enum DeploymentController {
    /// What one reconcile decided.
    public struct ReconcileResult: Sendable, Hashable {
        public var actions: [ControllerAction]
        public var requeueAfter: Duration?

        public init(actions: [ControllerAction] = [], requeueAfter: Duration? = nil) {
            self.actions = actions
            self.requeueAfter = requeueAfter
        }
    }

    public static let revisionAnnotation = "deployment.kubernetes.io/revision"
    public static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    public static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let apiVersion = "apps/v1"
    static let kind = "Deployment"

    /// Reconciles one Deployment.
    ///
    /// - Parameters:
    ///   - deployment: the Deployment from the cache.
    ///   - replicaSets: the ReplicaSets of its namespace (orphans matching the selector are
    ///     adopted; a ReplicaSet holding the new ReplicaSet's name reveals a hash collision).
    ///   - pods: the pods of its namespace (only read for Recreate, to wait for old pods to go).
    ///   - now: the current time (condition times, progress deadline).
    public static func reconcile(deployment: JSON, replicaSets: [JSON], pods: [JSON], now: Date) -> ReconcileResult {
        guard deployment.objectValue != nil, !WorkloadMeta.name(deployment).isEmpty else { return ReconcileResult() }
        var plan = DeploymentPlan(deployment: deployment, now: now)
        let namespace = WorkloadMeta.namespace(deployment)
        let inNamespace = replicaSets.filter { WorkloadMeta.namespace($0) == namespace }

        guard let selector = validate(&plan) else { return ReconcileResult(actions: plan.actions()) }
        claim(&plan, selector: selector, replicaSets: inNamespace)

        if WorkloadMeta.isBeingDeleted(deployment) {
            let (newRS, _) = findNewAndOld(plan)
            syncDeploymentStatus(&plan, newRS: newRS)
            return ReconcileResult(actions: plan.actions())
        }
        checkPausedConditions(&plan)
        if plan.spec.paused || isScalingEvent(plan) {
            syncScaling(&plan)
        } else if plan.spec.isRecreate {
            rolloutRecreate(&plan, allInNamespace: inNamespace, pods: pods)
        } else {
            rolloutRolling(&plan, allInNamespace: inNamespace)
        }
        return ReconcileResult(actions: plan.actions(), requeueAfter: plan.requeueAfter)
    }

    /// Checks the selector, template and strategy; bad input becomes a Warning event (and, for an
    /// empty selector, upstream's `SelectingAll` handling), never a crash.
    static func validate(_ plan: inout DeploymentPlan) -> LabelSelector? {
        let selectorJSON = plan.deployment[path: ["spec", "selector"]]
        if selectorJSON.objectValue?.isEmpty == true {
            plan.event("SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.",
                       warning: true)
            if (plan.deployment[path: ["status", "observedGeneration"]].intValue ?? 0) < plan.spec.generation {
                plan.deployment["status"]["observedGeneration"] = .int(plan.spec.generation)
            }
            return nil
        }
        guard !selectorJSON.isNull else {
            plan.event("InvalidSelector", "spec.selector is required", warning: true)
            return nil
        }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(labelSelectorJSON: selectorJSON)
        } catch {
            plan.event("InvalidSelector", "invalid spec.selector: \(error.message)", warning: true)
            return nil
        }
        guard plan.spec.template.objectValue != nil else {
            plan.event("InvalidTemplate", "spec.template is required", warning: true)
            return nil
        }
        if !selector.matches(WorkloadMeta.stringMap(plan.spec.template[path: ["metadata", "labels"]])) {
            plan.event("InvalidTemplate",
                       "spec.template.metadata.labels do not match spec.selector \"\(selector)\"", warning: true)
            return nil
        }
        if plan.spec.isRollingUpdate, case .failure(let error) = plan.spec.fenceposts() {
            plan.event("InvalidStrategy", error.message, warning: true)
            return nil
        }
        return selector
    }

    /// Upstream `getReplicaSetsForDeployment` (ClaimReplicaSets on the ReplicaSets' own labels).
    static func claim(_ plan: inout DeploymentPlan, selector: LabelSelector, replicaSets: [JSON]) {
        let namespace = WorkloadMeta.namespace(plan.original)
        for rs in replicaSets.sorted(by: WorkloadMeta.olderFirst) {
            let matches = selector.matches(WorkloadMeta.labels(rs))
            switch OwnerReferenceSupport.claim(object: rs, owner: plan.original, matches: matches) {
            case .owned:
                plan.insert(rs)
            case .adopt:
                let patch = OwnerReferenceSupport.adoptionPatch(object: rs, owner: plan.original,
                                                                apiVersion: apiVersion, kind: kind)
                plan.claimActions.append(.patch(.replicaSets, namespace: namespace, name: WorkloadMeta.name(rs),
                                                patch: patch, patchType: .strategic, subresource: nil))
                var adopted = rs
                adopted["metadata"]["ownerReferences"] = [OwnerReferenceSupport.makeControllerRef(
                    owner: plan.original, apiVersion: apiVersion, kind: kind)]
                plan.insert(adopted)
            case .release:
                let patch = OwnerReferenceSupport.releasePatch(object: rs, ownerUID: WorkloadMeta.uid(plan.original))
                plan.claimActions.append(.patch(.replicaSets, namespace: namespace, name: WorkloadMeta.name(rs),
                                                patch: patch, patchType: .strategic, subresource: nil))
            case .ignore:
                break
            }
        }
    }

    /// Upstream `FindNewReplicaSet`/`FindOldReplicaSets`: the oldest ReplicaSet whose template
    /// equals the Deployment's (ignoring the hash label) is the new one; the rest are old.
    static func findNewAndOld(_ plan: DeploymentPlan) -> (new: String?, old: [String]) {
        let template = plan.spec.template
        let newRS = plan.all.first { PodTemplateHash.equalIgnoringHash($0[path: ["spec", "template"]], template) }
            .map(WorkloadMeta.name)
        return (newRS, plan.order.filter { $0 != newRS && !plan.deleted.contains($0) })
    }

    /// Upstream `isScalingEvent`: an active ReplicaSet was sized for a different `spec.replicas`.
    static func isScalingEvent(_ plan: DeploymentPlan) -> Bool {
        for rs in ReplicaSetView.active(plan.all) {
            if let desired = ReplicaSetView.intAnnotation(rs, desiredReplicasAnnotation), desired != plan.spec.replicas {
                return true
            }
        }
        return false
    }
}
