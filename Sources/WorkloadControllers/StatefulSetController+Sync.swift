import FoundationEssentials
import KubeAPI

/// One reconcile pass, after upstream's `defaultStatefulSetControl.updateStatefulSet`.
///
/// In `OrderedReady` mode ("monotonic" upstream) the pass stops at the first thing to wait for:
/// a pod just created, a pod not yet Running and Ready, a pod terminating. Scale-down removes the
/// highest ordinal first, one at a time, and only once every kept replica is healthy. `Parallel`
/// mode does all creations and deletions at once. Updates run last, only after the above.
struct StatefulSetSync {
    let set: JSON
    let spec: StatefulSetSpec
    let now: Date
    var actions: [ControllerAction] = []
    /// The soonest a pod turns available (for `requeueAfter`).
    var soonestAvailable: TimeInterval?

    init(set: JSON, spec: StatefulSetSpec, now: Date) {
        self.set = set
        self.spec = spec
        self.now = now
    }

    mutating func run(pods: [JSON], claims: [JSON], revisions: [JSON]) -> SetReconcileResult {
        let spec = self.spec
        let podClaim = SetsSupport.claim(pods, owner: set, ownerKind: "StatefulSet", selector: spec.selector,
                                         resource: .pods, filter: { spec.ordinal(of: $0) != nil })
        actions += podClaim.actions
        let members = podClaim.owned.filter { spec.ordinal(of: $0) != nil }

        let revisionClaim = SetsSupport.claim(revisions, owner: set, ownerKind: "StatefulSet",
                                              selector: spec.selector, resource: .controllerRevisions)
        actions += revisionClaim.actions
        var allByName: [String: JSON] = [:]
        for revision in revisions where SetsSupport.namespace(revision) == spec.namespace {
            allByName[SetsSupport.name(revision)] = revision
        }
        let resolution = RevisionHistory.resolve(owner: set, ownerKind: "StatefulSet",
                                                 hashLabelKey: RevisionHistory.hashLabel, owned: revisionClaim.owned,
                                                 allByName: allByName, collisionCount: spec.collisionCount)
        actions += resolution.actions
        let update = resolution.updateRevision
        let current = resolution.revisions.first { SetsSupport.name($0) == spec.currentRevisionName } ?? update

        if !spec.deleting {
            var claimsByName: [String: JSON] = [:]
            for claim in claims where SetsSupport.namespace(claim) == spec.namespace {
                claimsByName[SetsSupport.name(claim)] = claim
            }
            syncPods(members, claimsByName: claimsByName, current: current, update: update)
        }

        var live: Set<String> = [SetsSupport.name(current), SetsSupport.name(update)]
        for pod in members {
            if let revision = SetsSupport.labels(pod)[StatefulSetController.revisionLabel] { live.insert(revision) }
        }
        actions += RevisionHistory.truncate(resolution.revisions, live: { live.contains(SetsSupport.name($0)) },
                                            limit: spec.historyLimit)

        let status = computeStatus(members, current: current, update: update, collisionCount: resolution.collisionCount)
        if !status.semanticallyEquals(set["status"]) {
            var updated = set
            updated["status"] = status
            actions.append(.updateStatus(.statefulSets, namespace: spec.namespace, object: updated))
        }
        return SetReconcileResult(actions: actions, requeueAfter: soonestAvailable.map(SetsSupport.duration))
    }

    // MARK: Pods

    private func revisionName(of pod: JSON) -> String {
        SetsSupport.labels(pod)[StatefulSetController.revisionLabel] ?? ""
    }

    /// Running, Ready, not terminating and (with `minReadySeconds`) available.
    private mutating func isHealthy(_ pod: JSON) -> Bool {
        guard SetsSupport.isRunningAndReady(pod), !SetsSupport.isTerminating(pod) else { return false }
        return isAvailable(pod)
    }

    private mutating func isAvailable(_ pod: JSON) -> Bool {
        if let wait = SetsSupport.timeUntilAvailable(pod, minReadySeconds: spec.minReadySeconds, now: now) {
            soonestAvailable = min(soonestAvailable ?? wait, wait)
            return false
        }
        return SetsSupport.isAvailable(pod, minReadySeconds: spec.minReadySeconds, now: now)
    }

    private mutating func record(_ verb: String, pod: JSON) {
        let message = "\(verb.lowercased()) Pod \(SetsSupport.name(pod)) in StatefulSet \(spec.name) successful"
        actions.append(.event(EventRecord(involvedObject: set, reason: "Successful\(verb)", message: message)))
    }

    private mutating func deletePod(_ pod: JSON) {
        actions.append(.delete(.pods, namespace: spec.namespace, name: SetsSupport.name(pod), options: DeleteOptions()))
        record("Delete", pod: pod)
    }

    private mutating func syncPods(_ members: [JSON], claimsByName: [String: JSON], current: JSON, update: JSON) {
        let monotonic = !spec.parallel
        var replicas = [JSON?](repeating: nil, count: spec.replicas)
        var condemned: [JSON] = []
        for pod in members {
            guard let ordinal = spec.ordinal(of: pod) else { continue }
            let index = ordinal - spec.startOrdinal
            if replicas.indices.contains(index) { replicas[index] = pod } else { condemned.append(pod) }
        }
        condemned.sort { (spec.ordinal(of: $0) ?? 0) < (spec.ordinal(of: $1) ?? 0) }
        // Upstream lets the first unhealthy pod be deleted on scale-down so a broken pod cannot
        // block shrinking the set.
        let firstUnhealthy = (replicas.compactMap { $0 } + condemned).first {
            !(SetsSupport.isRunningAndReady($0) && !SetsSupport.isTerminating($0))
        }

        for index in replicas.indices {
            let ordinal = spec.startOrdinal + index
            guard let pod = replicas[index] else {
                if let created = createReplica(ordinal: ordinal, index: index, claimsByName: claimsByName,
                                               current: current, update: update) {
                    replicas[index] = created
                }
                if monotonic { return }
                continue
            }
            let phase = SetsSupport.phase(pod)
            if phase == "Failed" || phase == "Succeeded" {
                // The replacement is made on a later pass, once the old pod is gone from the store.
                if !SetsSupport.isTerminating(pod) { deletePod(pod) }
                if monotonic { return }
                continue
            }
            if monotonic {
                if phase.isEmpty || SetsSupport.isTerminating(pod) || !SetsSupport.isRunningAndReady(pod) { return }
                if !isAvailable(pod) { return }
            }
            if SetsSupport.isTerminating(pod) { continue }
            let fixed = spec.podWithIdentityLabels(pod, ordinal: ordinal)
            if fixed != pod {
                actions.append(SetsSupport.metadataPatch(.pods, from: pod, to: fixed))
                record("Update", pod: pod)
            }
            syncClaims(ordinal: ordinal, pod: pod, condemned: false, claimsByName: claimsByName, createMissing: true)
        }

        for pod in condemned.reversed() {
            if SetsSupport.isTerminating(pod) {
                if monotonic { return }
                continue
            }
            if monotonic, pod != firstUnhealthy {
                if !SetsSupport.isRunningAndReady(pod) || !isAvailable(pod) { return }
            }
            if let ordinal = spec.ordinal(of: pod) {
                syncClaims(ordinal: ordinal, pod: pod, condemned: true, claimsByName: claimsByName, createMissing: false)
            }
            deletePod(pod)
            if monotonic { return }
        }

        if spec.onDelete { return }
        rollingUpdate(replicas, update: update)
    }

    /// Creates the claims (when missing) and then the pod for one ordinal. Returns the new pod, or
    /// nil when a claim of that ordinal is still being deleted (the pod would bind to it).
    private mutating func createReplica(ordinal: Int, index: Int, claimsByName: [String: JSON],
                                        current: JSON, update: JSON) -> JSON? {
        let rollingUpdate = set[path: ["spec", "updateStrategy", "rollingUpdate"]]
        let currentReplicas = Int(set[path: ["status", "currentReplicas"]].intValue ?? 0)
        // Ordinals below the partition keep the current revision during a RollingUpdate.
        let useCurrent = !spec.onDelete && (rollingUpdate.isNull ? index < currentReplicas : index < spec.partition)
        let revision = useCurrent ? current : update
        let template = useCurrent ? RevisionHistory.template(fromData: current["data"]) : set[path: ["spec", "template"]]
        let pod = spec.newPod(ordinal: ordinal, template: template, revisionName: SetsSupport.name(revision), owner: set)
        for claim in spec.newClaims(ordinal: ordinal, owner: set) {
            let claimName = SetsSupport.name(claim)
            if let existing = claimsByName[claimName] {
                if SetsSupport.isTerminating(existing) { return nil }
                continue
            }
            actions.append(.create(.persistentVolumeClaims, namespace: spec.namespace, object: claim))
            let message = "create Claim \(claimName) Pod \(SetsSupport.name(pod)) in StatefulSet \(spec.name) success"
            actions.append(.event(EventRecord(involvedObject: set, reason: "SuccessfulCreate", message: message)))
        }
        actions.append(.create(.pods, namespace: spec.namespace, object: pod))
        record("Create", pod: pod)
        return pod
    }

    /// Recreates missing claims of an existing pod and keeps the claims' owner references in line
    /// with the retention policy.
    private mutating func syncClaims(ordinal: Int, pod: JSON, condemned: Bool, claimsByName: [String: JSON],
                                     createMissing: Bool) {
        for claim in spec.newClaims(ordinal: ordinal, owner: set) {
            guard let existing = claimsByName[SetsSupport.name(claim)] else {
                if createMissing {
                    actions.append(.create(.persistentVolumeClaims, namespace: spec.namespace, object: claim))
                }
                continue
            }
            if SetsSupport.isTerminating(existing) { continue }
            if let updated = spec.claimWithRetentionRefs(existing, owner: set, pod: pod, condemned: condemned) {
                actions.append(.update(.persistentVolumeClaims, namespace: spec.namespace, object: updated))
            }
        }
    }

    /// RollingUpdate: replace pods not at the update revision, highest ordinal first, down to the
    /// partition. Without `maxUnavailable` one pod at a time, waiting for each to be healthy.
    private mutating func rollingUpdate(_ replicas: [JSON?], update: JSON) {
        let updateName = SetsSupport.name(update)
        let updateMin = spec.partition
        guard updateMin < replicas.count else { return }
        if let maxUnavailableValue = spec.maxUnavailable {
            let scaled = (try? SetsSupport.scaledValue(maxUnavailableValue, total: spec.replicas, roundUp: true,
                                                       field: "maxUnavailable")) ?? 1
            let maxUnavailable = max(1, scaled)
            var unavailable = 0
            for pod in replicas where pod.map({ !isHealthy($0) }) ?? true { unavailable += 1 }
            var budget = maxUnavailable - unavailable
            for index in stride(from: replicas.count - 1, through: updateMin, by: -1) where budget > 0 {
                guard let pod = replicas[index] else { continue }
                if revisionName(of: pod) != updateName, !SetsSupport.isTerminating(pod) {
                    deletePod(pod)
                    budget -= 1
                }
            }
            return
        }
        for index in stride(from: replicas.count - 1, through: updateMin, by: -1) {
            guard let pod = replicas[index] else { return }
            if revisionName(of: pod) != updateName, !SetsSupport.isTerminating(pod) {
                deletePod(pod)
                return
            }
            if !isHealthy(pod) { return }
        }
    }
}
