import FoundationEssentials
import KubeAPI

/// The CronJob controller's reconcile logic (upstream `pkg/controller/cronjob`, ControllerV2) as a
/// pure function of the CronJob and the Jobs from the informer cache.
///
/// Jobs are named `<cronjob>-<scheduled time in minutes since the epoch>`, so the name is the lock
/// that keeps one activation from creating two Jobs. The active reference of a Job just created has
/// no uid yet (the apiserver assigns it); it is matched by name and completed on a later reconcile.
public enum CronJobController {
    public static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"
    /// Above this many missed activations a `TooManyMissedTimes` warning is recorded.
    public static let tooManyMissed = 100
    /// Upstream requeues slightly after the activation so the schedule has surely passed.
    static let nextScheduleDelta: Duration = .milliseconds(100)
    /// A just-created Job may be missing from a lagging cache; its active reference is kept this long.
    static let missingJobGrace: TimeInterval = 30

    /// Reconciles one CronJob.
    /// - Parameters:
    ///   - cronJob: the CronJob from the cache.
    ///   - jobs: Jobs of its namespace; only those whose controller reference is this CronJob count.
    ///   - now: the current time.
    public static func reconcile(cronJob: JSON, jobs: [JSON], now: Date) -> JobReconcileResult {
        var result = JobReconcileResult()
        guard cronJob.objectValue != nil, !JobSupport.name(cronJob).isEmpty else { return result }
        let uid = JobSupport.uid(cronJob)
        let children = jobs.filter { JobSupport.isControlled($0, by: uid) }
        var status = cronJob["status"].jobObject
        var active = status["active"]?.jobArray ?? []
        let lastSchedule = JobSupport.time(status["lastScheduleTime"] ?? .null)

        func activeIndex(of job: JSON) -> Int? {
            active.firstIndex { ref in
                let refUID = ref["uid"].jobString
                return refUID.isEmpty ? ref["name"].jobString == JobSupport.name(job) : refUID == JobSupport.uid(job)
            }
        }

        for job in children {
            let finished = JobSupport.finishedConditionType(job)
            let index = activeIndex(of: job)
            if let index {
                if finished != nil {
                    active.remove(at: index)
                    result.event(cronJob, "Normal", "SawCompletedJob",
                                 "Saw completed job: \(JobSupport.name(job)), condition: \(finished!)")
                } else if active[index]["uid"].jobString.isEmpty {
                    active[index] = reference(to: job)
                }
            } else if finished == nil {
                // A Job scheduled after the status we read is ours from this very controller, seen
                // before our own status update; anything else was created elsewhere or forgotten.
                let scheduled = JobSupport.time(job["metadata"]["annotations"][scheduledTimestampAnnotation])
                let newerThanStatus = scheduled.map { s in lastSchedule.map { s > $0 } ?? true } ?? false
                if !newerThanStatus {
                    result.event(cronJob, "Warning", "UnexpectedJob",
                                 "Saw a job that the controller did not create or forgot: \(JobSupport.name(job))")
                }
            }
            if finished == "Complete", let completed = JobSupport.time(job["status"]["completionTime"]) {
                let last = JobSupport.time(status["lastSuccessfulTime"] ?? .null)
                if last == nil || completed > last! { status["lastSuccessfulTime"] = .string(Timestamp.format(completed)) }
            }
        }
        let childNames = Set(children.map(JobSupport.name))
        active.removeAll { ref in
            guard !childNames.contains(ref["name"].jobString) else { return false }
            if let lastSchedule, ref["name"].jobString == jobName(cronJob, lastSchedule),
               now.timeIntervalSince(lastSchedule) < missingJobGrace {
                result.requeue(after: .seconds(missingJobGrace))
                return false
            }
            result.event(cronJob, "Normal", "MissingJob", "Active job went missing: \(ref["name"].jobString)")
            return true
        }

        if !JobSupport.isBeingDeleted(cronJob) {
            schedule(cronJob, children: children, now: now, active: &active, status: &status, result: &result)
            cleanUpFinishedJobs(cronJob, children: children, active: &active, result: &result)
        }
        status["active"] = active.isEmpty ? nil : .array(active)
        if JSON.object(status) != cronJob["status"] && !(status.isEmpty && cronJob["status"].isNull) {
            var updated = cronJob
            updated["status"] = .object(status)
            result.actions.append(.updateStatus(.cronJobs, namespace: JobSupport.namespace(cronJob), object: updated))
        }
        return result
    }

    /// `<cronjob>-<minutes since the epoch>`.
    public static func jobName(_ cronJob: JSON, _ scheduled: Date) -> String {
        "\(JobSupport.name(cronJob))-\(Int64(scheduled.timeIntervalSince1970.rounded(.down)) / 60)"
    }

    static func reference(to job: JSON) -> JSON {
        var ref: JSONObject = ["kind": "Job", "namespace": .string(JobSupport.namespace(job)),
                               "name": .string(JobSupport.name(job)), "apiVersion": "batch/v1"]
        if !JobSupport.uid(job).isEmpty { ref["uid"] = .string(JobSupport.uid(job)) }
        if let rv = job["metadata"]["resourceVersion"].stringValue { ref["resourceVersion"] = .string(rv) }
        return .object(ref)
    }

    /// Parses the schedule in the CronJob's zone (`spec.timeZone`, else a `TZ=` prefix, else UTC).
    public static func parseSchedule(of cronJob: JSON) throws(CronJobSchedule.ParseError) -> CronJobSchedule {
        let spec = cronJob["spec"]
        var zone = ZoneInfo.utc
        if let name = spec["timeZone"].stringValue {
            guard let tz = ZoneInfo.load(name) else {
                throw CronJobSchedule.ParseError(message: "unknown time zone \(name)")
            }
            zone = tz
        }
        return try CronJobSchedule(spec["schedule"].jobString, timeZone: zone)
    }
}
