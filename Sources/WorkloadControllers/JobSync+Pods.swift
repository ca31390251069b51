import FoundationEssentials
import KubeAPI

extension JobSync {
    /// `manageJob`: delete surplus pods, create missing ones (after the failure backoff).
    /// Returns the number of active pods once the actions are performed.
    mutating func manageJob(randomSuffix: () -> String) -> Int {
        if suspended {
            for pod in active.prefix(JobController.maxPodChangesPerSync) { deletePod(pod, keepFinalizer: false) }
            let deleted = min(active.count, JobController.maxPodChangesPerSync)
            ready -= active.prefix(deleted).filter(JobSupport.isReady).count
            return active.count - deleted
        }
        let wantActive: Int
        if let completions {
            wantActive = min(parallelism, max(0, completions - succeededTotal))
        } else {
            // Without completions the first success ends the Job: start nothing new after it.
            wantActive = succeededTotal > 0 ? active.count : parallelism
        }
        var keep = active.sorted(by: Self.keepFirst)
        if indexed {
            // Pods whose index is already done, out of range, or duplicated are surplus.
            var seen = Set<Int>()
            var unwanted: [JSON] = []
            keep = keep.filter { pod in
                guard let ix = completionIndex(pod), !succeededIndexes.contains(ix), seen.insert(ix).inserted else {
                    unwanted.append(pod)
                    return false
                }
                return true
            }
            for pod in unwanted { deletePod(pod, keepFinalizer: false) }
        }
        let surplus = min(keep.count - wantActive, JobController.maxPodChangesPerSync)
        if surplus > 0 {
            // keepFirst puts the least valuable pods last.
            for pod in keep.suffix(surplus) {
                deletePod(pod, keepFinalizer: false)
                if JobSupport.isReady(pod) { ready -= 1 }
            }
            return keep.count - surplus
        }
        let occupied = keep.count + (replaceOnlyFailed ? terminating : 0)
        guard occupied < wantActive else { return keep.count }
        let wait = remainingBackoff()
        if wait > .zero {
            result.requeue(after: wait)
            return keep.count
        }
        let count = min(wantActive - occupied, JobController.maxPodChangesPerSync)
        if indexed {
            var held = Set(keep.compactMap(completionIndex))
            if replaceOnlyFailed {
                for pod in owned where JobSupport.isBeingDeleted(pod) && !JobSupport.isTerminal(pod) {
                    if let ix = completionIndex(pod) { held.insert(ix) }
                }
            }
            let done = succeededIndexes
            var chosen: [Int] = []
            for ix in 0..<(completions ?? 0) where chosen.count < count && !done.contains(ix) && !held.contains(ix) {
                chosen.append(ix)
            }
            for ix in chosen { createPod(index: ix, suffix: randomSuffix()) }
            return keep.count + chosen.count
        }
        for _ in 0..<count { createPod(index: nil, suffix: randomSuffix()) }
        return keep.count + count
    }

    /// Upstream's `ActivePods` order reversed: pods to keep first (scheduled, running, ready,
    /// older); the tail is deleted first.
    static func keepFirst(_ a: JSON, _ b: JSON) -> Bool {
        let scheduledA = !a["spec"]["nodeName"].jobString.isEmpty, scheduledB = !b["spec"]["nodeName"].jobString.isEmpty
        if scheduledA != scheduledB { return scheduledA }
        let rank = ["Pending": 0, "Unknown": 1, "Running": 2]
        let phaseA = rank[JobSupport.phase(a)] ?? 0, phaseB = rank[JobSupport.phase(b)] ?? 0
        if phaseA != phaseB { return phaseA > phaseB }
        let readyA = JobSupport.isReady(a), readyB = JobSupport.isReady(b)
        if readyA != readyB { return readyA }
        let createdA = JobSupport.creationTime(a) ?? .distantPast, createdB = JobSupport.creationTime(b) ?? .distantPast
        if createdA != createdB { return createdA < createdB }
        return JobSupport.name(a) < JobSupport.name(b)
    }

    /// The pod-creation delay left after recent failures: 10 s doubling per failure since the last
    /// success (a failure in the same second counts), capped, counted from the latest failure. Derived from the cached pods, so it
    /// survives a controller restart (upstream keeps it in memory).
    func remainingBackoff() -> Duration {
        let lastSuccess = owned.filter { JobSupport.phase($0) == "Succeeded" }.compactMap(JobSupport.finishTime).max()
        let failures = owned.filter { JobSupport.phase($0) == "Failed" }.compactMap(JobSupport.finishTime)
            .filter { lastSuccess == nil || $0 >= lastSuccess! }
        guard let lastFailure = failures.max() else { return .zero }
        var delay = JobController.podFailureBackoffBase
        for _ in 1..<failures.count {
            delay *= 2
            if delay >= JobController.podFailureBackoffMax { break }
        }
        delay = min(delay, JobController.podFailureBackoffMax)
        let elapsed = Duration.milliseconds(Int64(now.timeIntervalSince(lastFailure) * 1000))
        return elapsed >= delay ? .zero : delay - elapsed
    }

    /// Deletes a pod with an event. Pods the Job no longer wants lose the tracking finalizer first,
    /// so they are not counted as failures (`deleteJobPods`); when the Job is finishing the
    /// finalizer stays until the pod is counted (`deleteActivePods`).
    mutating func deletePod(_ pod: JSON, keepFinalizer: Bool) {
        if !keepFinalizer && hasFinalizer(pod) { result.actions.append(JobController.removeFinalizerPatch(pod)) }
        let name = JobSupport.name(pod)
        result.actions.append(.delete(.pods, namespace: JobSupport.namespace(job), name: name,
                                      options: DeleteOptions(preconditionUID: JobSupport.uid(pod))))
        result.event(job, "Normal", "SuccessfulDelete", "Deleted pod: \(name)")
    }

    /// A pod from the template: controller reference, tracking finalizer and, for Indexed jobs, the
    /// completion index (annotation, label, hostname and the `JOB_COMPLETION_INDEX` variable).
    mutating func createPod(index: Int?, suffix: String) {
        let jobName = JobSupport.name(job)
        let template = spec["template"]
        var metadata: JSONObject = [:]
        var prefix = String(jobName.prefix(58)) + "-"
        if let index {
            let tail = "-\(index)-"
            prefix = jobName.count + tail.count > 58 ? String(jobName.prefix(58 - tail.count)) + tail : jobName + tail
        }
        metadata["name"] = .string(prefix + suffix)
        metadata["generateName"] = .string(prefix)
        metadata["namespace"] = .string(JobSupport.namespace(job))
        var labels = template["metadata"]["labels"].jobObject
        var annotations = template["metadata"]["annotations"].jobObject
        if let index {
            labels[JobController.completionIndexKey] = .string(String(index))
            annotations[JobController.completionIndexKey] = .string(String(index))
        }
        if !labels.isEmpty { metadata["labels"] = .object(labels) }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        metadata["ownerReferences"] = [JobSupport.controllerReference(to: job, apiVersion: "batch/v1", kind: "Job")]
        metadata["finalizers"] = [.string(JobController.trackingFinalizer)]
        var podSpec = template["spec"]
        if let index {
            if podSpec["hostname"].jobString.isEmpty { podSpec["hostname"] = .string("\(jobName)-\(index)") }
            for key in ["initContainers", "containers"] where podSpec[key].arrayValue != nil {
                podSpec[key] = .array(podSpec[key].jobArray.map(Self.addingCompletionIndexEnv))
            }
        }
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": podSpec]
        result.actions.append(.create(.pods, namespace: JobSupport.namespace(job), object: pod))
        result.event(job, "Normal", "SuccessfulCreate", "Created pod: \(prefix + suffix)")
    }

    /// `JOB_COMPLETION_INDEX` from the index annotation via the downward API, unless already set.
    static func addingCompletionIndexEnv(_ container: JSON) -> JSON {
        var env = container["env"].jobArray
        guard !env.contains(where: { $0["name"].stringValue == "JOB_COMPLETION_INDEX" }) else { return container }
        let path = "metadata.annotations['\(JobController.completionIndexKey)']"
        env.append(["name": "JOB_COMPLETION_INDEX", "valueFrom": ["fieldRef": ["fieldPath": .string(path)]]])
        var updated = container
        updated["env"] = .array(env)
        return updated
    }
}

/// `status.completedIndexes`: sorted intervals, `1,3-5,7` (two neighbours are written `1,2`).
enum JobIndexes {
    static func parse(_ text: String, below limit: Int) -> Set<Int> {
        var result = Set<Int>()
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard let first = bounds.first ?? nil else { continue }
            let last = bounds.count == 2 ? (bounds[1] ?? first) : first
            guard first >= 0, last >= first, first < limit else { continue }
            for ix in first...min(last, limit - 1) { result.insert(ix) }
        }
        return result
    }

    static func format(_ indexes: Set<Int>) -> String {
        var parts: [String] = []
        var sorted = indexes.sorted()[...]
        while let first = sorted.first {
            var last = first
            sorted = sorted.dropFirst()
            while sorted.first == last + 1 { last += 1; sorted = sorted.dropFirst() }
            switch last - first {
            case 0: parts.append("\(first)")
            case 1: parts.append("\(first),\(last)")
            default: parts.append("\(first)-\(last)")
            }
        }
        return parts.joined(separator: ",")
    }
}
