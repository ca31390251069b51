import FoundationEssentials
import KubeAPI

/// RollingUpdate and status, after upstream's `daemon/update.go` and `updateDaemonSetStatus`.
extension DaemonSetSync {
    /// The node's updated and old pod (terminating pods ignored); nil when the node has more than
    /// one of either (`manage` removes the extras first).
    private func updatedAndOld(_ pods: [JSON], hash: String) -> (new: JSON?, old: JSON?)? {
        var new: JSON?, old: JSON?
        for pod in pods where !SetsSupport.isTerminating(pod) {
            if spec.isUpdated(pod, hash: hash) {
                if new != nil { return nil }
                new = pod
            } else {
                if old != nil { return nil }
                old = pod
            }
        }
        return (new, old)
    }

    /// Replaces old pods within the budget: without surge, deletes old pods while fewer than
    /// `maxUnavailable` nodes lack an available pod (unavailable old pods go at once); with surge,
    /// creates new pods beside old ones on up to `maxSurge` nodes and deletes an old pod once the
    /// new one on its node is available.
    mutating func rollingUpdate(_ eligibility: Eligibility, nodeToPods: [String: [JSON]], hash: String) {
        var candidates = nodeToPods
        var desired = 0
        var shouldRun: Set<String> = []
        for entry in eligibility where entry.shouldRun {
            desired += 1
            let nodeName = SetsSupport.name(entry.node)
            shouldRun.insert(nodeName)
            if candidates[nodeName] == nil { candidates[nodeName] = [] }
        }
        var maxUnavailable = (try? SetsSupport.scaledValue(spec.maxUnavailable, total: desired, roundUp: true,
                                                           field: "maxUnavailable")) ?? 1
        let maxSurge = (try? SetsSupport.scaledValue(spec.maxSurge, total: desired, roundUp: true,
                                                     field: "maxSurge")) ?? 0
        // An impossible 0/0 configuration behaves as maxUnavailable 1, as upstream.
        if desired > 0, maxUnavailable == 0, maxSurge == 0 { maxUnavailable = 1 }
        let nodeNames = candidates.keys.sorted()

        if maxSurge == 0 {
            var unavailable = 0
            var immediate: [JSON] = [], budgeted: [JSON] = []
            for nodeName in nodeNames {
                guard let (new, old) = updatedAndOld(candidates[nodeName]!, hash: hash) else {
                    unavailable += 1
                    continue
                }
                switch (new, old) {
                case (nil, nil), (.some, .some): unavailable += 1
                case (.some(let new), nil): if !isAvailable(new) { unavailable += 1 }
                case (nil, .some(let old)):
                    if !isAvailable(old) {
                        immediate.append(old)
                    } else if unavailable < maxUnavailable {
                        budgeted.append(old)
                    }
                }
            }
            let remaining = min(max(maxUnavailable - unavailable, 0), budgeted.count)
            for pod in immediate + budgeted.prefix(remaining) { delete(pod) }
            return
        }

        var surged = 0
        var immediate: [String] = [], budgeted: [String] = []
        for nodeName in nodeNames {
            guard let (new, old) = updatedAndOld(candidates[nodeName]!, hash: hash) else {
                surged += 1
                continue
            }
            switch (new, old) {
            case (_, nil): break  // manage creates or keeps the pod
            case (nil, .some(let old)):
                guard shouldRun.contains(nodeName) else { continue }
                if !isAvailable(old) {
                    immediate.append(nodeName)
                } else if surged < maxSurge {
                    budgeted.append(nodeName)
                }
            case (.some(let new), .some(let old)):
                if !isAvailable(new) {
                    surged += 1
                } else {
                    delete(old)
                }
            }
        }
        let remaining = min(max(maxSurge - surged, 0), budgeted.count)
        for nodeName in immediate + budgeted.prefix(remaining) { create(onNode: nodeName, hash: hash) }
    }

    /// The counters `kubectl rollout status daemonset` reads; for each node the oldest pod counts.
    func computeStatus(_ eligibility: Eligibility, nodeToPods: [String: [JSON]], hash: String,
                       collisionCount: Int64) -> JSON {
        var desired: Int64 = 0, current: Int64 = 0, misscheduled: Int64 = 0
        var ready: Int64 = 0, available: Int64 = 0, updated: Int64 = 0
        for (node, shouldRun, _) in eligibility {
            let pods = nodeToPods[SetsSupport.name(node)] ?? []
            if !shouldRun {
                if !pods.isEmpty { misscheduled += 1 }
                continue
            }
            desired += 1
            guard let pod = pods.first else { continue }
            current += 1
            if SetsSupport.isReady(pod) {
                ready += 1
                if SetsSupport.isAvailable(pod, minReadySeconds: spec.minReadySeconds, now: now) { available += 1 }
            }
            if spec.isUpdated(pod, hash: hash) { updated += 1 }
        }
        var status: JSON = [
            "currentNumberScheduled": .int(current),
            "numberMisscheduled": .int(misscheduled),
            "desiredNumberScheduled": .int(desired),
            "numberReady": .int(ready),
            "observedGeneration": .int(spec.generation),
            "updatedNumberScheduled": .int(updated),
            "numberAvailable": .int(available),
            "numberUnavailable": .int(desired - available),
            "collisionCount": .int(collisionCount),
        ]
        let conditions = daemonSet[path: ["status", "conditions"]]
        if !conditions.isNull { status["conditions"] = conditions }
        return status
    }
}
