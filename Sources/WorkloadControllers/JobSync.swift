import FoundationEssentials
import KubeAPI

/// One reconcile of an unfinished Job (upstream `syncJob`), accumulating actions in `result`.
struct JobSync {
    let job: JSON
    let spec: JSON
    let owned: [JSON]
    let now: Date
    let indexed: Bool
    let completions: Int?
    let parallelism: Int
    let backoffLimit: Int
    let suspended: Bool
    /// `podReplacementPolicy: Failed`: terminating pods still hold their slot.
    let replaceOnlyFailed: Bool
    var result = JobReconcileResult()

    // Counters as this reconcile derives them.
    var counted = (succeeded: 0, failed: 0)
    var uncounted = (succeeded: [String](), failed: [String]())
    var persistedUncounted = Set<String>()
    var persistedIndexes = Set<Int>()
    var succeededIndexes = Set<Int>()
    var active: [JSON] = []
    var terminating = 0
    var ready = 0
    var conditions: [JSON]

    init(job: JSON, owned: [JSON], now: Date) {
        self.job = job
        self.spec = job["spec"]
        self.owned = owned
        self.now = now
        indexed = spec["completionMode"].stringValue == "Indexed"
        completions = spec["completions"].intValue.map { Int(clamping: $0) }
        parallelism = Int(clamping: spec["parallelism"].intValue ?? 1)
        backoffLimit = Int(clamping: spec["backoffLimit"].intValue ?? 6)
        suspended = spec["suspend"].boolValue == true
        replaceOnlyFailed = spec["podReplacementPolicy"].stringValue == "Failed"
        conditions = job["status"]["conditions"].jobArray
    }

    var succeededTotal: Int { indexed ? succeededIndexes.count : counted.succeeded + uncounted.succeeded.count }
    var failedTotal: Int { counted.failed + uncounted.failed.count }

    func hasFinalizer(_ pod: JSON) -> Bool { JobSupport.hasFinalizer(pod, JobController.trackingFinalizer) }

    /// `isPodFailed`: Failed, or (unless only failed pods are replaced) deleted before succeeding.
    func isPodFailed(_ pod: JSON) -> Bool {
        let phase = JobSupport.phase(pod)
        if phase == "Failed" { return true }
        if replaceOnlyFailed { return false }
        return JobSupport.isBeingDeleted(pod) && phase != "Succeeded"
    }

    func completionIndex(_ pod: JSON) -> Int? {
        guard let text = pod["metadata"]["annotations"][JobController.completionIndexKey].stringValue,
              let ix = Int(text), ix >= 0, ix < (completions ?? 0) else { return nil }
        return ix
    }

    mutating func run(randomSuffix: () -> String) {
        let status = job["status"]
        trackTerminatedPods(status)
        var startTime = status["startTime"]
        if startTime.isNull && !suspended { startTime = .string(Timestamp.format(now)) }

        // The interim condition (FailureTarget / SuccessCriteriaMet) already stored or decided now.
        var finishing: (type: String, reason: String, message: String, isNew: Bool)?
        if let c = JobSupport.condition(job, "SuccessCriteriaMet"), c["status"].stringValue == "True" {
            finishing = ("Complete", c["reason"].jobString, c["message"].jobString, false)
        } else if let c = JobSupport.condition(job, "FailureTarget"), c["status"].stringValue == "True" {
            finishing = ("Failed", c["reason"].jobString, c["message"].jobString, false)
        } else if failedTotal > backoffLimit || pastBackoffLimitOnFailure() {
            finishing = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", true)
        } else if let deadline = spec["activeDeadlineSeconds"].intValue, !suspended,
                  let start = JobSupport.time(startTime) {
            let remaining = Double(deadline) - now.timeIntervalSince(start)
            if remaining <= 0 {
                finishing = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", true)
            } else {
                result.requeue(after: .milliseconds(Int64((remaining * 1000).rounded(.up))))
            }
        }

        var activeCount = active.count
        if let finishing {
            // Active pods are deleted with their finalizers kept; for a failure they count as failed.
            for pod in active { deletePod(pod, keepFinalizer: true) }
            terminating += active.count
            ready = 0
            activeCount = 0
            if finishing.type == "Failed" {
                for pod in owned where hasFinalizer(pod) && !persistedUncounted.contains(JobSupport.uid(pod))
                    && JobSupport.phase(pod) != "Succeeded" && !uncounted.failed.contains(JobSupport.uid(pod)) {
                    uncounted.failed.append(JobSupport.uid(pod))
                }
            }
        } else {
            if !JobSupport.isBeingDeleted(job) { activeCount = manageJob(randomSuffix: randomSuffix) }
            let complete = completions.map { succeededTotal >= $0 } ?? (succeededTotal > 0)
            if complete && activeCount == 0 {
                finishing = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods", true)
            } else if !JobSupport.isBeingDeleted(job) {
                updateSuspendCondition(&startTime)
            }
        }

        if let finishing, finishing.isNew {
            let interim = finishing.type == "Complete" ? "SuccessCriteriaMet" : "FailureTarget"
            JobSupport.setCondition(&conditions, interim, status: "True", reason: finishing.reason,
                                    message: finishing.message, now: now)
        }
        var completionTime = status["completionTime"]
        var finished = false
        if let finishing, uncounted.succeeded.isEmpty, uncounted.failed.isEmpty, terminating == 0, activeCount == 0 {
            JobSupport.setCondition(&conditions, finishing.type, status: "True", reason: finishing.reason,
                                    message: finishing.message, now: now)
            if finishing.type == "Complete" { completionTime = .string(Timestamp.format(now)) }
            finished = true
        }
        releaseRecordedFinalizers()

        var newStatus = status.objectValue ?? [:]
        newStatus["startTime"] = startTime.isNull ? nil : startTime
        newStatus["completionTime"] = completionTime.isNull ? nil : completionTime
        newStatus["active"] = .int(Int64(activeCount))
        newStatus["ready"] = .int(Int64(ready))
        newStatus["terminating"] = .int(Int64(terminating))
        newStatus["succeeded"] = .int(Int64(indexed ? succeededIndexes.count : counted.succeeded))
        newStatus["failed"] = .int(Int64(counted.failed))
        var uncountedObject: JSONObject = [:]
        if !uncounted.succeeded.isEmpty { uncountedObject["succeeded"] = .array(uncounted.succeeded.map { .string($0) }) }
        if !uncounted.failed.isEmpty { uncountedObject["failed"] = .array(uncounted.failed.map { .string($0) }) }
        newStatus["uncountedTerminatedPods"] = .object(uncountedObject)
        if indexed {
            let text = JobIndexes.format(succeededIndexes)
            newStatus["completedIndexes"] = text.isEmpty ? nil : .string(text)
        }
        newStatus["conditions"] = conditions.isEmpty ? nil : .array(conditions)
        if JSON.object(newStatus) != status {
            var updated = job
            updated["status"] = .object(newStatus)
            result.actions.append(.updateStatus(.jobs, namespace: JobSupport.namespace(job), object: updated))
        }
        if finished, let finishing {
            if finishing.type == "Complete" {
                if let completions, succeededTotal > completions {
                    result.event(job, "Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
                }
                result.event(job, "Normal", "Completed", "Job completed")
            } else {
                result.event(job, "Warning", finishing.reason, finishing.message)
            }
            JobController.cleanUpAfterTTL(finishedView(conditions), now: now, into: &result)
        }
    }

    /// The Job as it will be once this reconcile's status is written (for the TTL computation).
    func finishedView(_ conditions: [JSON]) -> JSON {
        var view = job
        view["status"]["conditions"] = .array(conditions)
        return view
    }

    /// Steps 2 and 4 of the finalizer protocol: fold recorded uids whose finalizer is gone into the
    /// counters, record newly terminated pods.
    mutating func trackTerminatedPods(_ status: JSON) {
        let withFinalizer = Set(owned.filter(hasFinalizer).map(JobSupport.uid))
        let recordedSucceeded = status["uncountedTerminatedPods"]["succeeded"].jobArray.compactMap(\.stringValue)
        let recordedFailed = status["uncountedTerminatedPods"]["failed"].jobArray.compactMap(\.stringValue)
        persistedUncounted = Set(recordedSucceeded + recordedFailed)
        counted.succeeded = Int(clamping: status["succeeded"].intValue ?? 0)
            + recordedSucceeded.filter { !withFinalizer.contains($0) }.count
        counted.failed = Int(clamping: status["failed"].intValue ?? 0)
            + recordedFailed.filter { !withFinalizer.contains($0) }.count
        uncounted.succeeded = recordedSucceeded.filter { withFinalizer.contains($0) }
        uncounted.failed = recordedFailed.filter { withFinalizer.contains($0) }
        if indexed {
            persistedIndexes = JobIndexes.parse(status["completedIndexes"].jobString, below: completions ?? 0)
            succeededIndexes = persistedIndexes
        }
        for pod in owned {
            let deleting = JobSupport.isBeingDeleted(pod)
            if !JobSupport.isTerminal(pod) {
                if deleting { terminating += 1 } else {
                    active.append(pod)
                    if JobSupport.isReady(pod) { ready += 1 }
                }
            }
            let uid = JobSupport.uid(pod)
            guard hasFinalizer(pod), !persistedUncounted.contains(uid) else { continue }
            if JobSupport.phase(pod) == "Succeeded" {
                if indexed {
                    if let ix = completionIndex(pod) { succeededIndexes.insert(ix) }
                } else {
                    uncounted.succeeded.append(uid)
                }
            } else if isPodFailed(pod) {
                uncounted.failed.append(uid)
            }
        }
    }

    /// Step 3: remove the finalizer only from pods the stored status already accounts for.
    mutating func releaseRecordedFinalizers() {
        for pod in owned where hasFinalizer(pod) {
            let recorded = persistedUncounted.contains(JobSupport.uid(pod))
                || (indexed && JobSupport.phase(pod) == "Succeeded" && completionIndex(pod).map(persistedIndexes.contains) == true)
            if recorded { result.actions.append(JobController.removeFinalizerPatch(pod)) }
        }
    }

    /// `pastBackoffLimitOnFailure`: with restartPolicy OnFailure, container restarts count as failures.
    func pastBackoffLimitOnFailure() -> Bool {
        guard spec["template"]["spec"]["restartPolicy"].stringValue == "OnFailure" else { return false }
        var restarts: Int64 = 0
        for pod in owned where ["Running", "Pending"].contains(JobSupport.phase(pod)) {
            for s in pod["status"]["initContainerStatuses"].jobArray + pod["status"]["containerStatuses"].jobArray {
                restarts += s["restartCount"].intValue ?? 0
            }
        }
        return backoffLimit == 0 ? restarts > 0 : restarts >= Int64(backoffLimit)
    }

    mutating func updateSuspendCondition(_ startTime: inout JSON) {
        if suspended {
            if JobSupport.setCondition(&conditions, "Suspended", status: "True", reason: "JobSuspended",
                                       message: "Job suspended", now: now) {
                result.event(job, "Normal", "Suspended", "Job suspended")
            }
        } else if JobSupport.condition(job, "Suspended")?["status"].stringValue == "True" {
            JobSupport.setCondition(&conditions, "Suspended", status: "False", reason: "JobResumed",
                                    message: "Job resumed", now: now)
            result.event(job, "Normal", "Resumed", "Job resumed")
            // activeDeadlineSeconds counts continuous activity, so the clock restarts on resume.
            startTime = .string(Timestamp.format(now))
        }
    }
}
