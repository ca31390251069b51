import FoundationEssentials
import KubeAPI

/// One reconcile pass, after upstream's `syncDaemonSet`: history, `manage` (create and delete per
/// node), `rollingUpdate`, history cleanup, status.
struct DaemonSetSync {
    let daemonSet: JSON
    let spec: DaemonSetSpec
    let now: Date
    var actions: [ControllerAction] = []
    var deleted: Set<String> = []
    var creations = 0
    var soonestAvailable: TimeInterval?

    init(daemonSet: JSON, spec: DaemonSetSpec, now: Date) {
        self.daemonSet = daemonSet
        self.spec = spec
        self.now = now
    }

    /// Node name -> eligibility, in node-name order.
    typealias Eligibility = [(node: JSON, shouldRun: Bool, shouldContinueRunning: Bool)]

    mutating func run(nodes: [JSON], pods: [JSON], revisions: [JSON]) -> SetReconcileResult {
        let podClaim = SetsSupport.claim(pods, owner: daemonSet, ownerKind: "DaemonSet", selector: spec.selector,
                                         resource: .pods)
        actions += podClaim.actions
        let revisionClaim = SetsSupport.claim(revisions, owner: daemonSet, ownerKind: "DaemonSet",
                                              selector: spec.selector, resource: .controllerRevisions)
        actions += revisionClaim.actions
        var allByName: [String: JSON] = [:]
        for revision in revisions where SetsSupport.namespace(revision) == spec.namespace {
            allByName[SetsSupport.name(revision)] = revision
        }
        let resolution = RevisionHistory.resolve(owner: daemonSet, ownerKind: "DaemonSet",
                                                 hashLabelKey: DaemonSetController.revisionLabel,
                                                 owned: revisionClaim.owned, allByName: allByName,
                                                 collisionCount: spec.collisionCount)
        actions += resolution.actions
        let hash = SetsSupport.labels(resolution.updateRevision)[DaemonSetController.revisionLabel] ?? ""

        let namedNodes = nodes.filter { !SetsSupport.name($0).isEmpty }
        let eligibility: Eligibility = namedNodes.sorted { SetsSupport.name($0) < SetsSupport.name($1) }.map {
            let result = spec.eligibility(of: $0)
            return ($0, result.shouldRun, result.shouldContinueRunning)
        }
        // Deleted pods that already finished are gone for every purpose (upstream's includeDeletedTerminal=false).
        var nodeToPods: [String: [JSON]] = [:]
        var withoutNode: [JSON] = []
        for pod in podClaim.owned {
            let phase = SetsSupport.phase(pod)
            if SetsSupport.isTerminating(pod), phase == "Failed" || phase == "Succeeded" { continue }
            guard let node = DaemonSetController.targetNode(of: pod) else { continue }
            if pod[path: ["spec", "nodeName"]].stringValue?.isEmpty ?? true { withoutNode.append(pod) }
            nodeToPods[node, default: []].append(pod)
        }
        for key in nodeToPods.keys { nodeToPods[key]!.sort(by: Self.olderFirst) }

        if !spec.deleting {
            manage(eligibility, nodeToPods: nodeToPods, unboundPods: withoutNode, hash: hash)
            if !spec.onDelete { rollingUpdate(eligibility, nodeToPods: nodeToPods, hash: hash) }
        }

        var liveHashes: Set<String> = [hash]
        for pod in podClaim.owned {
            if let podHash = SetsSupport.labels(pod)[DaemonSetController.revisionLabel] { liveHashes.insert(podHash) }
        }
        actions += RevisionHistory.truncate(resolution.revisions, live: {
            liveHashes.contains(SetsSupport.labels($0)[DaemonSetController.revisionLabel] ?? "")
        }, limit: spec.historyLimit)

        let status = computeStatus(eligibility, nodeToPods: nodeToPods, hash: hash,
                                   collisionCount: resolution.collisionCount)
        if !status.semanticallyEquals(daemonSet["status"]) {
            var updated = daemonSet
            updated["status"] = status
            actions.append(.updateStatus(.daemonSets, namespace: spec.namespace, object: updated))
        }
        return SetReconcileResult(actions: actions, requeueAfter: soonestAvailable.map(SetsSupport.duration))
    }

    /// Oldest first; among equals, by name (upstream sorts by creation time and phase).
    static func olderFirst(_ lhs: JSON, _ rhs: JSON) -> Bool {
        let (l, r) = (SetsSupport.creationTimestamp(lhs), SetsSupport.creationTimestamp(rhs))
        if let l, let r, l != r { return l < r }
        if (l == nil) != (r == nil) { return l != nil }
        return SetsSupport.name(lhs) < SetsSupport.name(rhs)
    }

    // MARK: Writes

    mutating func delete(_ pod: JSON) {
        let name = SetsSupport.name(pod)
        guard !name.isEmpty, deleted.insert(name).inserted, deleted.count <= DaemonSetController.burstReplicas else { return }
        actions.append(.delete(.pods, namespace: spec.namespace, name: name, options: DeleteOptions()))
        actions.append(.event(EventRecord(involvedObject: daemonSet, reason: "SuccessfulDelete",
                                          message: "Deleted pod: \(name)")))
    }

    mutating func create(onNode nodeName: String, hash: String) {
        guard creations < DaemonSetController.burstReplicas else { return }
        creations += 1
        actions.append(.create(.pods, namespace: spec.namespace,
                               object: spec.newPod(nodeName: nodeName, hash: hash, owner: daemonSet)))
        actions.append(.event(EventRecord(involvedObject: daemonSet, reason: "SuccessfulCreate",
                                          message: "Created pod on node: \(nodeName)")))
    }

    mutating func isAvailable(_ pod: JSON) -> Bool {
        if let wait = SetsSupport.timeUntilAvailable(pod, minReadySeconds: spec.minReadySeconds, now: now) {
            soonestAvailable = min(soonestAvailable ?? wait, wait)
            return false
        }
        return SetsSupport.isAvailable(pod, minReadySeconds: spec.minReadySeconds, now: now)
    }

    // MARK: manage

    /// Upstream `manage` / `podsShouldBeOnNode`: a pod on every node that should run one, failed
    /// pods replaced, extra pods removed (without surge all but the oldest; with surge the oldest
    /// updated and the oldest old pod are kept), pods removed from nodes that may not keep them.
    private mutating func manage(_ eligibility: Eligibility, nodeToPods: [String: [JSON]], unboundPods: [JSON], hash: String) {
        var nodesNeedingPods: [String] = []
        for (node, shouldRun, shouldContinueRunning) in eligibility {
            let nodeName = SetsSupport.name(node)
            let pods = nodeToPods[nodeName] ?? []
            if shouldRun && pods.isEmpty {
                nodesNeedingPods.append(nodeName)
            } else if shouldContinueRunning {
                var running: [JSON] = []
                for pod in pods where !SetsSupport.isTerminating(pod) {
                    if SetsSupport.phase(pod) == "Failed" {
                        let message = "Found failed daemon pod \(spec.namespace)/\(SetsSupport.name(pod)) on node \(nodeName), will try to kill it"
                        actions.append(.event(EventRecord(involvedObject: daemonSet, type: "Warning",
                                                          reason: "FailedDaemonPod", message: message)))
                        delete(pod)
                    } else {
                        running.append(pod)
                    }
                }
                if !spec.allowsSurge {
                    for pod in running.dropFirst() { delete(pod) }
                } else {
                    var keptNew = false, keptOld = false
                    for pod in running {
                        if spec.isUpdated(pod, hash: hash) {
                            if !keptNew { keptNew = true; continue }
                        } else if !keptOld {
                            keptOld = true
                            continue
                        }
                        delete(pod)
                    }
                }
            } else {
                for pod in pods where !SetsSupport.isTerminating(pod) { delete(pod) }
            }
        }
        // Pods waiting for the scheduler on a node that no longer exists can never run.
        let nodeNames = Set(eligibility.map { SetsSupport.name($0.node) })
        for pod in unboundPods where !SetsSupport.isTerminating(pod) {
            if let target = DaemonSetController.targetNode(of: pod), !nodeNames.contains(target) { delete(pod) }
        }
        for nodeName in nodesNeedingPods { create(onNode: nodeName, hash: hash) }
    }
}
