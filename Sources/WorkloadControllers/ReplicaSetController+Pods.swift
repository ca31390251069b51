import FoundationEssentials
import KubeAPI

extension ReplicaSetController {
    /// Upstream `claimPods`: keeps owned matching pods, adopts matching orphans (strategic-merge
    /// patch of ownerReferences), releases owned pods that no longer match.
    static func claimPods(replicaSet: JSON, selector: LabelSelector, pods: [JSON],
                          actions: inout [ControllerAction]) -> [JSON] {
        var claimed: [JSON] = []
        let namespace = WorkloadMeta.namespace(replicaSet)
        for pod in pods {
            let matches = selector.matches(WorkloadMeta.labels(pod))
            switch OwnerReferenceSupport.claim(object: pod, owner: replicaSet, matches: matches) {
            case .owned:
                claimed.append(pod)
            case .adopt:
                let patch = OwnerReferenceSupport.adoptionPatch(object: pod, owner: replicaSet,
                                                                apiVersion: apiVersion, kind: kind)
                actions.append(.patch(.pods, namespace: namespace, name: WorkloadMeta.name(pod), patch: patch,
                                      patchType: .strategic, subresource: nil))
                claimed.append(pod)
            case .release:
                let patch = OwnerReferenceSupport.releasePatch(object: pod, ownerUID: WorkloadMeta.uid(replicaSet))
                actions.append(.patch(.pods, namespace: namespace, name: WorkloadMeta.name(pod), patch: patch,
                                      patchType: .strategic, subresource: nil))
            case .ignore:
                break
            }
        }
        return claimed
    }

    struct ManageOutcome {
        var actions: [ControllerAction] = []
        var expectations: ReplicaExpectations?
        var error: ManageError?
    }

    /// Upstream `manageReplicas`: create the missing pods or delete the surplus, at most
    /// `burstReplicas` at a time, and expect exactly those.
    static func manageReplicas(replicaSet: JSON, selector: LabelSelector, claimed: [JSON], relatedPods: [JSON],
                               now: Date, podNameSuffix: () -> String) -> ManageOutcome {
        let desired = Int(replicaSet[path: ["spec", "replicas"]].intValue ?? 1)
        let diff = claimed.count - max(0, desired)
        var outcome = ManageOutcome()
        if diff < 0 {
            let template = replicaSet[path: ["spec", "template"]]
            if let problem = templateProblem(template: template, selector: selector) {
                let message = "Error creating: \(problem)"
                outcome.actions.append(.event(EventRecord(involvedObject: replicaSet, type: "Warning",
                                                          reason: "FailedCreate", message: message)))
                outcome.error = ManageError(operation: .create, message: problem)
                return outcome
            }
            var names: Set<String> = []
            let existing = Set(claimed.map(WorkloadMeta.name))
            for _ in 0..<min(-diff, burstReplicas) {
                let pod = podFromTemplate(replicaSet: replicaSet, template: template, avoiding: existing.union(names),
                                          podNameSuffix: podNameSuffix)
                let name = WorkloadMeta.name(pod)
                names.insert(name)
                outcome.actions.append(.create(.pods, namespace: WorkloadMeta.namespace(replicaSet), object: pod))
                outcome.actions.append(.event(EventRecord(involvedObject: replicaSet, reason: "SuccessfulCreate",
                                                          message: "Created pod: \(name)")))
            }
            outcome.expectations = ReplicaExpectations(pendingCreations: names, setAt: now)
        } else if diff > 0 {
            let victims = podsToDelete(claimed, related: relatedPods, count: min(diff, burstReplicas), now: now)
            for pod in victims {
                let name = WorkloadMeta.name(pod)
                outcome.actions.append(.delete(.pods, namespace: WorkloadMeta.namespace(pod), name: name,
                                               options: DeleteOptions(preconditionUID: WorkloadMeta.uid(pod).isEmpty
                                                   ? nil : WorkloadMeta.uid(pod))))
                outcome.actions.append(.event(EventRecord(involvedObject: replicaSet, reason: "SuccessfulDelete",
                                                          message: "Deleted pod: \(name)")))
            }
            outcome.expectations = ReplicaExpectations(pendingDeletions: Set(victims.map(WorkloadMeta.name)),
                                                       setAt: now)
        }
        return outcome
    }

    /// Why pods cannot be made from `template`, if they cannot: no template, no containers, or
    /// labels the selector would not match (the new pods would never be counted, so the
    /// controller would create pods forever).
    static func templateProblem(template: JSON, selector: LabelSelector) -> String? {
        guard template.objectValue != nil else { return "spec.template is required" }
        guard let containers = template[path: ["spec", "containers"]].arrayValue, !containers.isEmpty else {
            return "spec.template.spec.containers must not be empty"
        }
        if !selector.matches(WorkloadMeta.stringMap(template[path: ["metadata", "labels"]])) {
            return "spec.template.metadata.labels do not match spec.selector \"\(selector)\""
        }
        return nil
    }

    /// Upstream `GetPodFromTemplate`: template labels, annotations and finalizers, the spec, and a
    /// controller reference; named `<rs>-<suffix>` (also recorded as `generateName`).
    static func podFromTemplate(replicaSet: JSON, template: JSON, avoiding: Set<String>,
                                podNameSuffix: () -> String) -> JSON {
        let prefix = "\(WorkloadMeta.name(replicaSet))-"
        var name = prefix + podNameSuffix()
        var attempts = 0
        while avoiding.contains(name) && attempts < 16 {
            name = prefix + podNameSuffix()
            attempts += 1
        }
        var metadata: JSONObject = [
            "name": .string(name),
            "generateName": .string(prefix),
            "namespace": .string(WorkloadMeta.namespace(replicaSet)),
        ]
        for key in ["labels", "annotations", "finalizers"] {
            let value = template[path: ["metadata", key]]
            if !value.isNull { metadata[key] = value }
        }
        metadata["ownerReferences"] = [OwnerReferenceSupport.makeControllerRef(owner: replicaSet, apiVersion: apiVersion,
                                                                               kind: kind)]
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": template["spec"]]
    }

    /// Upstream `getPodsToDelete`: the first `count` pods in `ActivePodsWithRanks` order.
    static func podsToDelete(_ pods: [JSON], related: [JSON], count: Int, now: Date) -> [JSON] {
        guard count < pods.count else { return pods }
        var perNode: [String: Int] = [:]
        for pod in related where PodReadiness.isActive(pod) {
            let node = pod[path: ["spec", "nodeName"]].stringValue ?? ""
            if !node.isEmpty { perNode[node, default: 0] += 1 }
        }
        let ranked = pods.enumerated().map { index, pod in
            RankedPod(pod: pod, rank: perNode[pod[path: ["spec", "nodeName"]].stringValue ?? ""] ?? 0, index: index)
        }
        let sorted = ranked.sorted { a, b in
            if deletesFirst(a, b, now: now) { return true }
            if deletesFirst(b, a, now: now) { return false }
            return a.index < b.index
        }
        return sorted.prefix(count).map(\.pod)
    }

    struct RankedPod {
        var pod: JSON
        var rank: Int
        var index: Int
    }
}
