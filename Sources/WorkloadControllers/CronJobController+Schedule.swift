import FoundationEssentials
import KubeAPI

extension CronJobController {
    /// How many activations were missed since the last one considered (upstream `missedSchedulesType`).
    public enum MissedSchedules: Sendable, Hashable { case none, few, many }

    /// `mostRecentScheduleTime`: the latest activation in (earliest, now], where earliest is the last
    /// schedule time (else the creation time), moved up to `now - startingDeadlineSeconds` when
    /// `startingDeadline` is given. Returns nil for no activation; throws when two consecutive
    /// activations are less than a second apart or none exists.
    public static func mostRecentScheduleTime(schedule: CronJobSchedule, earliest: Date, now: Date,
                                              startingDeadline: Duration? = nil)
        throws(CronJobSchedule.ParseError) -> (time: Date?, missed: MissedSchedules)
    {
        var earliest = earliest
        if let startingDeadline {
            let deadline = now.addingTimeInterval(-Double(startingDeadline.components.seconds))
            if deadline > earliest { earliest = deadline }
        }
        guard let t1 = schedule.next(after: earliest) else {
            throw CronJobSchedule.ParseError(message: "the schedule has no future activation")
        }
        if now < t1 { return (nil, .none) }
        guard let t2 = schedule.next(after: t1) else { return (t1, .none) }
        if now < t2 { return (t1, .none) }
        let interval = Int64(t2.timeIntervalSince(t1).rounded())
        guard interval >= 1 else {
            throw CronJobSchedule.ParseError(message: "time difference between two schedules is less than 1 second")
        }
        // As upstream: estimate the count from the first interval, jump close to now, then walk.
        let missedCount = Int64(now.timeIntervalSince(t1)) / interval + 1
        var cursor = t1.addingTimeInterval(Double((missedCount - 2) * interval))
        var mostRecent: Date?
        while let t = schedule.next(after: cursor), t <= now {
            mostRecent = t
            cursor = t
        }
        return (mostRecent, missedCount > Int64(tooManyMissed) ? .many : .few)
    }

    /// `syncCronJob` after the bookkeeping: decide whether to start a Job now.
    static func schedule(_ cronJob: JSON, children: [JSON], now: Date, active: inout [JSON],
                         status: inout JSONObject, result: inout JobReconcileResult) {
        let spec = cronJob["spec"]
        if let zone = spec["timeZone"].stringValue, ZoneInfo.load(zone) == nil {
            result.event(cronJob, "Warning", "UnknownTimeZone", "invalid timeZone: \"\(zone)\": unknown time zone \(zone)")
            return
        }
        if spec["suspend"].boolValue == true { return }
        let schedule: CronJobSchedule
        do {
            schedule = try parseSchedule(of: cronJob)
        } catch {
            result.event(cronJob, "Warning", "UnparseableSchedule",
                         "unparseable schedule: \"\(spec["schedule"].jobString)\" : \(error.message)")
            return
        }
        if spec["schedule"].jobString.contains("TZ") {
            result.event(cronJob, "Warning", "UnsupportedSchedule",
                         "CRON_TZ or TZ used in schedule \"\(spec["schedule"].jobString)\" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details")
        }
        let lastSchedule = JobSupport.time(status["lastScheduleTime"] ?? .null)
        let earliest = lastSchedule ?? JobSupport.creationTime(cronJob) ?? now
        let deadline = spec["startingDeadlineSeconds"].intValue
        let found: (time: Date?, missed: MissedSchedules)
        do {
            found = try mostRecentScheduleTime(schedule: schedule, earliest: earliest, now: now,
                                               startingDeadline: deadline.map { .seconds($0) })
        } catch {
            result.event(cronJob, "Warning", "InvalidSchedule", "invalid schedule: \(spec["schedule"].jobString) : \(error.message)")
            return
        }
        if found.missed == .many {
            result.event(cronJob, "Warning", "TooManyMissedTimes",
                         "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        // Requeue for the activation after the most recent one (or after the last considered time).
        func requeueForNext(from base: Date) {
            if let next = schedule.next(after: base) {
                result.requeue(after: .milliseconds(Int64((next.timeIntervalSince(now) * 1000).rounded(.up))) + nextScheduleDelta)
            }
        }
        guard let scheduled = found.time else {
            requeueForNext(from: max(earliest, now))
            return
        }
        defer { requeueForNext(from: max(scheduled, now)) }
        if let deadline, scheduled.addingTimeInterval(Double(deadline)) < now {
            result.event(cronJob, "Warning", "MissSchedule",
                         "Missed scheduled time to start a job: \(JobSupport.rfc1123Z(scheduled))")
            return
        }
        let name = jobName(cronJob, scheduled)
        if active.contains(where: { $0["name"].stringValue == name }) || lastSchedule == scheduled { return }
        let policy = spec["concurrencyPolicy"].stringValue ?? "Allow"
        if policy == "Forbid" && !active.isEmpty {
            result.event(cronJob, "Normal", "JobAlreadyActive",
                         "Not starting job because prior execution is running and concurrency policy is Forbid")
            return
        }
        if policy == "Replace" {
            for ref in active {
                result.actions.append(.delete(.jobs, namespace: JobSupport.namespace(cronJob), name: ref["name"].jobString,
                                              options: DeleteOptions(propagationPolicy: "Background")))
                result.event(cronJob, "Normal", "SuccessfulDelete", "Deleted job \(ref["name"].jobString)")
            }
            active.removeAll()
        }
        if let existing = children.first(where: { JobSupport.name($0) == name }) {
            // Created on an earlier pass whose status write was lost: adopt it into the status.
            active.append(reference(to: existing))
        } else {
            let job = jobFromTemplate(cronJob, scheduled: scheduled, offset: schedule.utcOffset(at: scheduled))
            result.actions.append(.create(.jobs, namespace: JobSupport.namespace(cronJob), object: job))
            result.event(cronJob, "Normal", "SuccessfulCreate", "Created job \(name)")
            active.append(["kind": "Job", "namespace": .string(JobSupport.namespace(cronJob)),
                           "name": .string(name), "apiVersion": "batch/v1"])
        }
        status["lastScheduleTime"] = .string(Timestamp.format(scheduled))
    }

    /// `getJobFromTemplate2`: labels and annotations of the template, the scheduled-timestamp
    /// annotation (RFC 3339 in the schedule's zone), the controller reference and the template's spec.
    static func jobFromTemplate(_ cronJob: JSON, scheduled: Date, offset: Int) -> JSON {
        let template = cronJob["spec"]["jobTemplate"]
        var metadata: JSONObject = ["name": .string(jobName(cronJob, scheduled)),
                                    "namespace": .string(JobSupport.namespace(cronJob))]
        let labels = template["metadata"]["labels"].jobObject
        if !labels.isEmpty { metadata["labels"] = .object(labels) }
        var annotations = template["metadata"]["annotations"].jobObject
        annotations[scheduledTimestampAnnotation] = .string(JobSupport.rfc3339(scheduled, offset: offset))
        metadata["annotations"] = .object(annotations)
        metadata["ownerReferences"] = [JobSupport.controllerReference(to: cronJob, apiVersion: "batch/v1", kind: "CronJob")]
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": .object(metadata), "spec": template["spec"]]
    }

    /// `cleanupFinishedJobs`: keep the newest `successfulJobsHistoryLimit` complete and
    /// `failedJobsHistoryLimit` failed Jobs, deleting the oldest by start time first.
    static func cleanUpFinishedJobs(_ cronJob: JSON, children: [JSON], active: inout [JSON],
                                    result: inout JobReconcileResult) {
        let spec = cronJob["spec"]
        for (type, key) in [("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit")] {
            guard let limit = spec[key].intValue else { continue }
            let finished = children.filter { JobSupport.finishedConditionType($0) == type }.sorted { a, b in
                let sa = JobSupport.time(a["status"]["startTime"]), sb = JobSupport.time(b["status"]["startTime"])
                switch (sa, sb) {
                case let (x?, y?) where x != y: return x < y
                case (nil, _?): return false
                case (_?, nil): return true
                default: return JobSupport.name(a) < JobSupport.name(b)
                }
            }
            for job in finished.prefix(max(0, finished.count - Int(clamping: limit))) {
                let name = JobSupport.name(job)
                result.actions.append(.delete(.jobs, namespace: JobSupport.namespace(job), name: name,
                                              options: DeleteOptions(propagationPolicy: "Background")))
                result.event(cronJob, "Normal", "SuccessfulDelete", "Deleted job \(name)")
                active.removeAll { $0["name"].stringValue == name }
            }
        }
    }
}
