import FoundationEssentials
import KubeAPI

extension DeploymentController {
    /// Annotations never copied from the Deployment to its ReplicaSets (upstream `skipCopyAnnotation`).
    static let annotationsNotCopied: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation, revisionHistoryAnnotation,
        desiredReplicasAnnotation, maxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ]
    /// Upstream `maxRevHistoryLengthInChars`.
    static let maxRevisionHistoryLength = 2000

    enum NewReplicaSetOutcome {
        case found(String)
        case none
        /// A hash collision was recorded in the status; the sync must stop here.
        case collision
    }

    /// Upstream `getNewReplicaSet`: syncs the existing new ReplicaSet's annotations and revision
    /// (the rollback case: an old template became current again and gets max(old)+1), or creates
    /// the new ReplicaSet when `create` is set.
    static func syncNewReplicaSet(_ plan: inout DeploymentPlan, create: Bool, allInNamespace: [JSON]) -> NewReplicaSetOutcome {
        let (existing, old) = findNewAndOld(plan)
        let maxOldRevision = old.compactMap { plan.replicaSets[$0].flatMap(ReplicaSetView.revision) }.max() ?? 0
        let newRevision = maxOldRevision + 1

        if let existing {
            var rs = plan.replicaSets[existing]!
            let before = rs
            _ = setNewReplicaSetAnnotations(deployment: plan.deployment, rs: &rs, newRevision: newRevision, exists: true)
            let minReady = plan.spec.minReadySeconds
            if (rs[path: ["spec", "minReadySeconds"]].intValue ?? 0) != minReady {
                rs["spec"]["minReadySeconds"] = .int(minReady)
            }
            if rs != before { plan.modify(existing) { $0 = rs } }
            let revision = WorkloadMeta.annotations(rs)[revisionAnnotation] ?? String(newRevision)
            setDeploymentRevision(&plan.deployment, revision)
            if plan.spec.progressDeadlineSeconds != nil,
               WorkloadConditions.find(plan.deployment["status"], type: "Progressing") == nil {
                setCondition(&plan, type: "Progressing", status: "True", reason: "FoundNewReplicaSet",
                             message: "Found new replica set \"\(existing)\"")
            }
            return .found(existing)
        }
        guard create else { return .none }

        let template = plan.spec.template
        let hash = PodTemplateHash.compute(template: template, collisionCount: plan.spec.collisionCount)
        let name = "\(plan.spec.name)-\(hash)"
        if allInNamespace.contains(where: { WorkloadMeta.name($0) == name }) {
            // Upstream learns this from AlreadyExists; the cache shows it up front. A ReplicaSet of
            // ours with an equal template would have been found above, so this one is foreign.
            let count = (plan.spec.collisionCount ?? 0) + 1
            plan.deployment["status"]["collisionCount"] = .int(count)
            plan.requeueAfter = .zero
            return .collision
        }
        var rs = newReplicaSetObject(plan: plan, name: name, hash: hash)
        plan.insert(rs)
        plan.created = name
        plan.order.removeAll { $0 == name }
        plan.order.append(name)
        let count = newReplicaSetReplicas(plan, newRS: name)
        rs["spec"]["replicas"] = .int(Int64(count))
        _ = setNewReplicaSetAnnotations(deployment: plan.deployment, rs: &rs, newRevision: newRevision, exists: false)
        plan.replicaSets[name] = rs
        if count > 0 {
            plan.eventsByReplicaSet[name, default: []].append(EventRecord(
                involvedObject: plan.original, reason: "ScalingReplicaSet",
                message: "Scaled up replica set \(name) to \(count)"))
        }
        setDeploymentRevision(&plan.deployment, String(newRevision))
        if plan.spec.progressDeadlineSeconds != nil {
            setCondition(&plan, type: "Progressing", status: "True", reason: "NewReplicaSetCreated",
                         message: "Created new replica set \"\(name)\"")
        }
        return .found(name)
    }

    /// The new ReplicaSet: named `<deployment>-<hash>`, the hash label added to its labels,
    /// selector and template, controlled by the Deployment.
    static func newReplicaSetObject(plan: DeploymentPlan, name: String, hash: String) -> JSON {
        var template = plan.spec.template
        var labels = template[path: ["metadata", "labels"]].objectValue ?? [:]
        labels[PodTemplateHash.labelKey] = .string(hash)
        template["metadata"]["labels"] = .object(labels)
        var selector = plan.deployment[path: ["spec", "selector"]]
        var matchLabels = selector["matchLabels"].objectValue ?? [:]
        matchLabels[PodTemplateHash.labelKey] = .string(hash)
        selector["matchLabels"] = .object(matchLabels)
        let metadata: JSON = [
            "name": .string(name),
            "namespace": .string(WorkloadMeta.namespace(plan.original)),
            "labels": .object(labels),
            "ownerReferences": [OwnerReferenceSupport.makeControllerRef(owner: plan.original, apiVersion: apiVersion,
                                                                        kind: kind)],
        ]
        return [
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": metadata,
            "spec": [
                "replicas": 0, "minReadySeconds": .int(plan.spec.minReadySeconds),
                "selector": selector, "template": template,
            ],
        ]
    }

    /// Upstream `NewRSNewReplicas`: Recreate goes straight to `replicas`; RollingUpdate adds at
    /// most up to `replicas + maxSurge` pods in total.
    static func newReplicaSetReplicas(_ plan: DeploymentPlan, newRS: String) -> Int {
        let spec = plan.spec
        guard spec.isRollingUpdate else { return spec.replicas }
        let newCount = plan.replicaSets[newRS].map(ReplicaSetView.specReplicas) ?? 0
        let current = plan.all.reduce(0) { $0 + ReplicaSetView.specReplicas($1) }
        let maxTotal = spec.replicas + spec.maxSurge
        if current >= maxTotal { return newCount }
        let scaleUp = min(maxTotal - current, spec.replicas - newCount)
        return newCount + scaleUp
    }

    /// Upstream `SetNewReplicaSetAnnotations`; returns whether anything changed.
    static func setNewReplicaSetAnnotations(deployment: JSON, rs: inout JSON, newRevision: Int64, exists: Bool) -> Bool {
        var annotations = rs[path: ["metadata", "annotations"]].objectValue ?? [:]
        let before = annotations
        for (key, value) in deployment[path: ["metadata", "annotations"]].objectValue ?? [:]
        where !annotationsNotCopied.contains(key) && annotations[key] != value {
            annotations[key] = value
        }
        let oldRevisionText = annotations[revisionAnnotation]?.stringValue
        let oldRevision: Int64
        if let text = oldRevisionText {
            guard let parsed = Int64(text) else { return false }  // upstream refuses non-numeric revisions
            oldRevision = parsed
        } else {
            oldRevision = 0
        }
        if oldRevision < newRevision {
            annotations[revisionAnnotation] = .string(String(newRevision))
            if let oldRevisionText {
                annotations[revisionHistoryAnnotation] = .string(appendingHistory(
                    annotations[revisionHistoryAnnotation]?.stringValue ?? "", oldRevisionText))
            }
        }
        if !exists {
            let spec = DeploymentSpecView(object: deployment)
            annotations[desiredReplicasAnnotation] = .string(String(spec.replicas))
            annotations[maxReplicasAnnotation] = .string(String(spec.replicas + spec.maxSurge))
        }
        guard annotations != before else { return false }
        rs["metadata"]["annotations"] = .object(annotations)
        return true
    }

    /// Appends a revision to `revision-history`, dropping the oldest entries past 2000 characters.
    static func appendingHistory(_ history: String, _ revision: String) -> String {
        if history.isEmpty { return revision }
        var entries = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var total = history.count + revision.count + 1
        while total > maxRevisionHistoryLength && !entries.isEmpty {
            total -= entries.removeFirst().count + 1
        }
        if total > maxRevisionHistoryLength { return history }
        return (entries + [revision]).joined(separator: ",")
    }

    static func setDeploymentRevision(_ deployment: inout JSON, _ revision: String) {
        if WorkloadMeta.annotations(deployment)[revisionAnnotation] != revision {
            deployment["metadata"]["annotations"][revisionAnnotation] = .string(revision)
        }
    }

    static func replicasAnnotationsNeedUpdate(_ rs: JSON, desired: Int, max: Int) -> Bool {
        let annotations = WorkloadMeta.annotations(rs)
        return annotations[desiredReplicasAnnotation] != String(desired) || annotations[maxReplicasAnnotation] != String(max)
    }

    static func setReplicasAnnotations(_ rs: inout JSON, desired: Int, max: Int) {
        rs["metadata"]["annotations"][desiredReplicasAnnotation] = .string(String(desired))
        rs["metadata"]["annotations"][maxReplicasAnnotation] = .string(String(max))
    }
}
