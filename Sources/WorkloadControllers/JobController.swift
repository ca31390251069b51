import FoundationEssentials
import KubeAPI

/// The Job controller's reconcile logic (upstream `pkg/controller/job` and the TTL-after-finished
/// controller) as a pure function of the Job and the pods from the informer caches.
///
/// Pod accounting follows upstream's finalizer protocol, split over reconciles so that no single
/// lost write can double-count or lose a pod:
/// 1. a pod created by the controller carries the `batch.kubernetes.io/job-tracking` finalizer;
/// 2. once it terminates, its uid is written to `status.uncountedTerminatedPods` (Indexed jobs
///    write the index to `status.completedIndexes` for succeeded pods instead);
/// 3. only pods already recorded in the *stored* status (as read) get their finalizer removed;
/// 4. a recorded uid whose pod no longer has the finalizer (or is gone) moves into
///    `status.succeeded`/`status.failed`.
/// A pod is therefore counted exactly once: it enters the counters only from the uncounted list,
/// leaves that list in the same write, and without its finalizer it is never recorded again.
/// Status writes are conditional on the cached `resourceVersion`, so a stale cache only causes a
/// conflict and a retry.
///
/// Driver obligations (upstream's `ControllerExpectations`): after performing pod creations or
/// deletions for a Job, do not reconcile it again until the pod cache has observed them (or a
/// timeout passed), or a lagging cache leads to extra pods. Pods whose tracking finalizer outlives
/// their Job go through `releaseOrphanPod(_:owningJob:)`.
public enum JobController {
    public static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    public static let completionIndexKey = "batch.kubernetes.io/job-completion-index"
    public static let jobNameLabel = "batch.kubernetes.io/job-name"
    public static let controllerUIDLabel = "batch.kubernetes.io/controller-uid"
    /// The `spec.managedBy` value this controller handles (absent means the same).
    public static let controllerName = "kubernetes.io/job-controller"
    /// First pod-creation delay after a failure; it doubles per further failure since the last success.
    public static let podFailureBackoffBase: Duration = .seconds(10)
    /// Cap of the pod-creation delay (upstream `MaxJobPodFailureBackOff`).
    public static let podFailureBackoffMax: Duration = .seconds(600)
    /// At most this many pods are created or deleted in one reconcile (`MaxPodCreateDeletePerSync`).
    public static let maxPodChangesPerSync = 500

    /// Reconciles one Job.
    /// - Parameters:
    ///   - job: the Job from the cache (with `metadata.uid`, `spec` as defaulted by the apiserver).
    ///   - pods: pods of the Job's namespace; only those whose controller reference is this Job count.
    ///   - now: the current time.
    ///   - randomSuffix: the 5-character suffix of new pod names (injectable for tests).
    public static func reconcile(job: JSON, pods: [JSON], now: Date,
                                 randomSuffix: () -> String = { JobController.randomNameSuffix() }) -> JobReconcileResult {
        var result = JobReconcileResult()
        guard job.objectValue != nil, !JobSupport.name(job).isEmpty, !JobSupport.uid(job).isEmpty else { return result }
        if let managedBy = job["spec"]["managedBy"].stringValue, managedBy != controllerName { return result }
        let owned = pods.filter { JobSupport.isControlled($0, by: JobSupport.uid(job)) }
        if JobSupport.finishedConditionType(job) != nil {
            // Counting is over; nothing may keep a pod from being deleted.
            for pod in owned where JobSupport.hasFinalizer(pod, trackingFinalizer) {
                result.actions.append(removeFinalizerPatch(pod))
            }
            cleanUpAfterTTL(job, now: now, into: &result)
            return result
        }
        let mode = job["spec"]["completionMode"].stringValue ?? "NonIndexed"
        guard mode == "NonIndexed" || mode == "Indexed" else {
            result.event(job, "Warning", "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown")
            return result
        }
        if mode == "Indexed" && job["spec"]["completions"].intValue == nil {
            result.event(job, "Warning", "InvalidJob", "Indexed Job has no spec.completions")
            return result
        }
        var sync = JobSync(job: job, owned: owned, now: now)
        sync.run(randomSuffix: randomSuffix)
        return sync.result
    }

    /// Removes the tracking finalizer from a pod whose Job is gone, finished, or not its controller
    /// (upstream's orphan-pod cleanup). `owningJob` is the cached Job named by the pod's controller
    /// reference, nil when absent. Returns no actions when the pod must keep its finalizer.
    public static func releaseOrphanPod(_ pod: JSON, owningJob: JSON?) -> [ControllerAction] {
        guard JobSupport.hasFinalizer(pod, trackingFinalizer) else { return [] }
        let ref = JobSupport.controllerRef(pod)
        let ownedByJob = ref?["kind"].stringValue == "Job" && ref?["apiVersion"].stringValue?.hasPrefix("batch/") == true
        if ownedByJob, let job = owningJob, JobSupport.uid(job) == ref?["uid"].stringValue,
           JobSupport.finishedConditionType(job) == nil {
            return []
        }
        return [removeFinalizerPatch(pod)]
    }

    /// Upstream's random name suffix alphabet (no vowels, no confusable characters).
    public static func randomNameSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    static func removeFinalizerPatch(_ pod: JSON) -> ControllerAction {
        .patch(.pods, namespace: JobSupport.namespace(pod), name: JobSupport.name(pod),
               patch: ["metadata": ["$deleteFromPrimitiveList/finalizers": [.string(trackingFinalizer)]]],
               patchType: .strategic, subresource: nil)
    }

    /// The TTL-after-finished controller: delete the finished Job once `ttlSecondsAfterFinished`
    /// passed since its Complete/Failed transition, else come back then. Like upstream it deletes in
    /// the foreground with a uid precondition, so the pods go first and a recreated Job is safe.
    static func cleanUpAfterTTL(_ job: JSON, now: Date, into result: inout JobReconcileResult) {
        guard let ttl = job["spec"]["ttlSecondsAfterFinished"].intValue, !JobSupport.isBeingDeleted(job),
              let type = JobSupport.finishedConditionType(job),
              let finishedAt = JobSupport.time(JobSupport.condition(job, type)?["lastTransitionTime"] ?? .null)
        else { return }
        let expireAt = finishedAt.addingTimeInterval(Double(ttl))
        if now >= expireAt {
            result.actions.append(.delete(.jobs, namespace: JobSupport.namespace(job), name: JobSupport.name(job),
                                          options: DeleteOptions(propagationPolicy: "Foreground",
                                                                 preconditionUID: JobSupport.uid(job))))
        } else {
            result.requeue(after: .milliseconds(Int64((expireAt.timeIntervalSince(now) * 1000).rounded(.up))))
        }
    }
}
