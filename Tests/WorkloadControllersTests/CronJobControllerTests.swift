import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

func makeCronJob(schedule: String = "*/5 * * * *", policy: String = "Allow", extra: JSONObject = [:],
                 status: JSONObject = [:]) -> JSON {
    var spec: JSONObject = [
        "schedule": .string(schedule), "concurrencyPolicy": .string(policy), "suspend": false,
        "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
        "jobTemplate": ["metadata": ["labels": ["app": "hello"]],
                        "spec": ["template": ["spec": ["containers": [["name": "c", "image": "busybox"]],
                                                       "restartPolicy": "OnFailure"]]]],
    ]
    for (k, v) in extra { spec[k] = v }
    return ["apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": ["name": "hello", "namespace": "default", "uid": "cj-uid", "resourceVersion": "7",
                         "creationTimestamp": "2024-01-01T00:00:00Z"],
            "spec": .object(spec), "status": .object(status)]
}

/// A Job the CronJob created, optionally finished.
func childJob(_ name: String, uid: String, finished: String? = nil, start: String = "2024-01-01T00:00:00Z",
              completion: String? = nil) -> JSON {
    var job: JSON = ["apiVersion": "batch/v1", "kind": "Job",
                     "metadata": ["name": .string(name), "namespace": "default", "uid": .string(uid),
                                  "ownerReferences": [["apiVersion": "batch/v1", "kind": "CronJob", "name": "hello",
                                                       "uid": "cj-uid", "controller": true]]],
                     "status": ["startTime": .string(start)]]
    if let finished {
        job["status"]["conditions"] = [["type": .string(finished), "status": "True"]]
        if let completion { job["status"]["completionTime"] = .string(completion) }
    }
    return job
}

extension JobReconcileResult {
    var events: [EventRecord] { actions.compactMap { if case .event(let e) = $0 { e } else { nil } } }
    var reasons: [String] { events.map(\.reason) }
    var createdJobs: [JSON] { actions.compactMap { if case .create(.jobs, _, let o) = $0 { o } else { nil } } }
    var deletedNames: [String] { actions.compactMap { if case .delete(_, _, let n, _) = $0 { n } else { nil } } }
    var newStatus: JSON? {
        actions.compactMap { if case .updateStatus(_, _, let o) = $0 { o["status"] } else { nil } }.last
    }
}

struct CronJobControllerTests {
    func ref(_ name: String, uid: String) -> JSON {
        ["kind": "Job", "namespace": "default", "name": .string(name), "uid": .string(uid), "apiVersion": "batch/v1"]
    }

    @Test func waitsThenCreatesTheJobForTheActivation() throws {
        let before = CronJobController.reconcile(cronJob: makeCronJob(), jobs: [], now: utc("2024-01-01T00:04:00Z"))
        #expect(before.actions.isEmpty)
        #expect(before.requeueAfter == .milliseconds(60_100))

        let result = CronJobController.reconcile(cronJob: makeCronJob(), jobs: [], now: utc("2024-01-01T00:05:10Z"))
        let job = try #require(result.createdJobs.first)
        #expect(JobSupport.name(job) == "hello-28401125")
        #expect(job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2024-01-01T00:05:00Z")
        #expect(job["metadata"]["labels"]["app"] == "hello")
        #expect(job["metadata"]["ownerReferences"][0]["uid"] == "cj-uid")
        #expect(job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure")
        #expect(result.events.map(\.message) == ["Created job hello-28401125"])
        #expect(result.newStatus?["lastScheduleTime"] == "2024-01-01T00:05:00Z")
        #expect(result.newStatus?["active"][0]["name"] == "hello-28401125")
        #expect(result.requeueAfter == .milliseconds(290_100))
    }

    @Test func timeZoneShapesScheduleAndAnnotation() throws {
        let cj = makeCronJob(schedule: "0 9 * * *", extra: ["timeZone": "America/New_York"])
        let result = CronJobController.reconcile(cronJob: cj, jobs: [], now: utc("2024-01-01T14:00:30Z"))
        let job = try #require(result.createdJobs.first)
        #expect(job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2024-01-01T09:00:00-05:00")
        #expect(JobSupport.name(job) == "hello-\(Int(utc("2024-01-01T14:00:00Z").timeIntervalSince1970) / 60)")
    }

    @Test(arguments: ["Allow", "Forbid", "Replace"])
    func concurrencyPolicies(policy: String) {
        let running = childJob("hello-28401125", uid: "j1")
        let cj = makeCronJob(policy: policy, status: ["lastScheduleTime": "2024-01-01T00:05:00Z",
                                                      "active": [ref("hello-28401125", uid: "j1")]])
        let result = CronJobController.reconcile(cronJob: cj, jobs: [running], now: utc("2024-01-01T00:10:01Z"))
        switch policy {
        case "Forbid":
            #expect(result.createdJobs.isEmpty && result.reasons == ["JobAlreadyActive"])
            #expect(result.newStatus == nil)
        case "Replace":
            #expect(result.deletedNames == ["hello-28401125"])
            #expect(result.createdJobs.map(JobSupport.name) == ["hello-28401130"])
            #expect(result.newStatus?["active"].jobArray.map(\.["name"]) == ["hello-28401130"])
            #expect(result.actions.first.map { if case .delete(_, _, _, let o) = $0 { o.propagationPolicy == "Background" } else { false } } == true)
        default:
            #expect(result.deletedNames.isEmpty)
            #expect(result.newStatus?["active"].jobArray.count == 2)
        }
    }

    @Test func completedJobLeavesActiveAndSetsLastSuccessfulTime() {
        let done = childJob("hello-28401125", uid: "j1", finished: "Complete", completion: "2024-01-01T00:06:00Z")
        let cj = makeCronJob(status: ["lastScheduleTime": "2024-01-01T00:05:00Z", "active": [ref("hello-28401125", uid: "j1")]])
        let result = CronJobController.reconcile(cronJob: cj, jobs: [done], now: utc("2024-01-01T00:07:00Z"))
        #expect(result.events.map(\.message) == ["Saw completed job: hello-28401125, condition: Complete"])
        #expect(result.newStatus?["active"].isNull == true)
        #expect(result.newStatus?["lastSuccessfulTime"] == "2024-01-01T00:06:00Z")
    }

    @Test func missedActivationsWithAndWithoutStartingDeadline() {
        let status: JSONObject = ["lastScheduleTime": "2024-01-01T00:00:00Z"]
        // Without a deadline only the most recent missed activation runs.
        let late = CronJobController.reconcile(cronJob: makeCronJob(status: status), jobs: [], now: utc("2024-01-01T00:20:30Z"))
        #expect(late.createdJobs.map(JobSupport.name) == ["hello-28401140"])
        // With a deadline, activations older than it are skipped.
        let bounded = makeCronJob(extra: ["startingDeadlineSeconds": 10], status: status)
        let skipped = CronJobController.reconcile(cronJob: bounded, jobs: [], now: utc("2024-01-01T00:20:30Z"))
        #expect(skipped.createdJobs.isEmpty)
        #expect(skipped.requeueAfter == .milliseconds(270_100))
        let inTime = CronJobController.reconcile(cronJob: bounded, jobs: [], now: utc("2024-01-01T00:20:05Z"))
        #expect(inTime.createdJobs.count == 1)
        // Far behind and no deadline: warn, still start the latest.
        let hourly = makeCronJob(schedule: "@hourly", status: status)
        let far = CronJobController.reconcile(cronJob: hourly, jobs: [], now: utc("2024-01-10T00:10:00Z"))
        #expect(far.reasons == ["TooManyMissedTimes", "SuccessfulCreate"])
        #expect(far.newStatus?["lastScheduleTime"] == "2024-01-10T00:00:00Z")
    }

    @Test func historyLimitsDeleteOldestFinishedJobs() {
        var jobs: [JSON] = []
        for i in 0..<5 {
            jobs.append(childJob("ok-\(i)", uid: "s\(i)", finished: "Complete", start: "2024-01-01T0\(i):00:00Z"))
        }
        jobs.append(childJob("bad-new", uid: "f2", finished: "Failed", start: "2024-01-01T09:00:00Z"))
        jobs.append(childJob("bad-old", uid: "f1", finished: "Failed", start: "2024-01-01T08:00:00Z"))
        jobs.append(childJob("running", uid: "r", start: "2024-01-01T00:00:00Z"))
        let cj = makeCronJob(extra: ["suspend": true], status: ["active": [ref("running", uid: "r")]])
        let result = CronJobController.reconcile(cronJob: cj, jobs: jobs, now: utc("2024-01-01T10:00:00Z"))
        #expect(result.deletedNames == ["ok-0", "ok-1", "bad-old"])
        #expect(result.reasons == ["SuccessfulDelete", "SuccessfulDelete", "SuccessfulDelete"])
        #expect(result.createdJobs.isEmpty, "suspended")
    }

    @Test func recoversFromLostStatusWrites() {
        var created = childJob("hello-28401125", uid: "j1")
        created["metadata"]["annotations"] = ["batch.kubernetes.io/cronjob-scheduled-timestamp": "2024-01-01T00:05:00Z"]
        // The Job exists but the status write that should have listed it was lost.
        let lost = CronJobController.reconcile(cronJob: makeCronJob(), jobs: [created], now: utc("2024-01-01T00:05:20Z"))
        #expect(lost.createdJobs.isEmpty)
        #expect(lost.newStatus?["active"][0]["uid"] == "j1")
        #expect(!lost.reasons.contains("UnexpectedJob"))
        // A reference written before the uid was known gets it once the Job is cached.
        let cj = makeCronJob(status: ["lastScheduleTime": "2024-01-01T00:05:00Z",
                                      "active": [["kind": "Job", "name": "hello-28401125", "namespace": "default"]]])
        let filled = CronJobController.reconcile(cronJob: cj, jobs: [created], now: utc("2024-01-01T00:06:00Z"))
        #expect(filled.newStatus?["active"][0]["uid"] == "j1")
        // Not yet cached right after creation: kept; long gone: dropped with an event.
        let fresh = CronJobController.reconcile(cronJob: cj, jobs: [], now: utc("2024-01-01T00:05:10Z"))
        #expect(fresh.newStatus == nil && !fresh.reasons.contains("MissingJob"))
        let gone = CronJobController.reconcile(cronJob: cj, jobs: [], now: utc("2024-01-01T00:09:00Z"))
        #expect(gone.reasons == ["MissingJob"] && gone.newStatus?["active"].isNull == true)
    }

    @Test func unexpectedJobIsReported() {
        let stray = childJob("hello-1", uid: "x")
        let cj = makeCronJob(status: ["lastScheduleTime": "2024-01-01T00:05:00Z"])
        let result = CronJobController.reconcile(cronJob: cj, jobs: [stray], now: utc("2024-01-01T00:06:00Z"))
        #expect(result.reasons == ["UnexpectedJob"])
    }

    @Test(arguments: [("bogus", "UnparseableSchedule"), ("0 0 30 2 *", "InvalidSchedule"), ("61 * * * *", "UnparseableSchedule")])
    func badSchedulesWarn(schedule: String, reason: String) {
        let result = CronJobController.reconcile(cronJob: makeCronJob(schedule: schedule), jobs: [], now: utc("2024-01-02T00:00:00Z"))
        #expect(result.reasons == [reason])
        #expect(result.events.first?.type == "Warning")
        #expect(result.createdJobs.isEmpty)
    }

    @Test func badInputNeverCrashes() {
        #expect(CronJobController.reconcile(cronJob: [1, 2], jobs: [], now: utc("2024-01-02T00:00:00Z")).actions.isEmpty)
        let zone = CronJobController.reconcile(cronJob: makeCronJob(extra: ["timeZone": "Mars/Olympus"]), jobs: ["junk", 3],
                                               now: utc("2024-01-02T00:00:00Z"))
        #expect(zone.reasons == ["UnknownTimeZone"])
        var odd = makeCronJob()
        odd["status"] = ["active": "none", "lastScheduleTime": 5]
        let result = CronJobController.reconcile(cronJob: odd, jobs: [], now: utc("2024-01-01T00:05:10Z"))
        #expect(result.createdJobs.count == 1)
    }
}
