import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

struct JobControllerTests {
    let t0 = utc("2024-01-01T00:00:00Z")

    @Test func completionsProgressWithinParallelism() {
        var world = JobTestWorld(job: makeJob(completions: 3, parallelism: 2), now: t0)
        world.settle()
        #expect(world.activePodNames == ["pi-x1", "pi-x2"])
        #expect(world.status("active") == 2 && world.job["status"]["startTime"] == "2024-01-01T00:00:00Z")
        let pod = world.pods["pi-x1"]!
        #expect(pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"])
        #expect(pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi")
        #expect(pod["metadata"]["ownerReferences"][0]["controller"] == true)
        #expect(pod["metadata"]["ownerReferences"][0]["uid"] == "job-uid")
        #expect(world.events.first?.message == "Created pod: pi-x1")

        world.set("pi-x1", phase: "Succeeded")
        world.set("pi-x2", phase: "Succeeded")
        world.now = t0 + 60
        world.settle()
        // Both counted exactly once, their finalizers gone, one more pod for the third completion.
        #expect(world.status("succeeded") == 2)
        #expect(world.pods["pi-x1"]!["metadata"]["finalizers"] == [])
        #expect(world.activePodNames.count == 1)
        #expect(world.conditionTypes.isEmpty)

        world.set(world.activePodNames[0], phase: "Succeeded")
        world.now = t0 + 120
        world.settle()
        #expect(world.status("succeeded") == 3 && world.status("active") == 0)
        #expect(world.conditionTypes == ["SuccessCriteriaMet", "Complete"])
        #expect(world.job["status"]["completionTime"] == "2024-01-01T00:02:00Z")
        #expect(world.job["status"]["uncountedTerminatedPods"] == [:])
        #expect(world.reasons.filter { $0 == "Completed" }.count == 1)
        #expect(world.podList.allSatisfy { $0["metadata"]["finalizers"] == [] })
    }

    @Test func indexedJobTracksCompletedIndexes() {
        var world = JobTestWorld(job: makeJob(completions: 3, parallelism: 3, indexed: true), now: t0)
        world.settle()
        let byIndex = Dictionary(uniqueKeysWithValues: world.podList.map {
            ($0["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"].jobString, $0)
        })
        #expect(Set(byIndex.keys) == ["0", "1", "2"])
        let pod1 = byIndex["1"]!
        #expect(JobSupport.name(pod1).hasPrefix("pi-1-"))
        #expect(pod1["spec"]["hostname"] == "pi-1")
        #expect(pod1["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == "1")
        #expect(pod1["spec"]["containers"][0]["env"][0]["name"] == "JOB_COMPLETION_INDEX")

        world.set(JobSupport.name(pod1), phase: "Succeeded")
        world.set(JobSupport.name(byIndex["0"]!), phase: "Failed")
        world.now = t0 + 5
        let waiting = world.settle()
        #expect(world.job["status"]["completedIndexes"] == "1")
        #expect(world.status("failed") == 1)
        // The failed index is recreated only after the 10 s backoff from its failure.
        #expect(world.activePodNames.count == 1)
        #expect(waiting.requeueAfter == .seconds(5))
        world.now = t0 + 10
        world.settle()
        let replacement = world.podList.first { JobSupport.name($0).hasPrefix("pi-0-") && !JobSupport.isTerminal($0) }
        #expect(replacement != nil)

        for name in world.activePodNames { world.set(name, phase: "Succeeded") }
        world.now = t0 + 30
        world.settle()
        #expect(world.job["status"]["completedIndexes"] == "0-2")
        #expect(world.status("succeeded") == 3)
        #expect(world.conditionTypes.last == "Complete")
    }

    @Test func backoffLimitFailsTheJob() {
        var world = JobTestWorld(job: makeJob(completions: 1, parallelism: 1, backoffLimit: 1), now: t0)
        world.settle()
        world.set("pi-x1", phase: "Failed")
        world.now = t0 + 1
        let backoff = world.settle()
        #expect(backoff.requeueAfter == .seconds(9))
        #expect(world.activePodNames.isEmpty)
        world.now = t0 + 11
        world.settle()
        #expect(world.activePodNames == ["pi-x2"])
        world.set("pi-x2", phase: "Failed")
        world.now = t0 + 12
        world.settle()
        #expect(world.status("failed") == 2)
        #expect(world.conditionTypes == ["FailureTarget", "Failed"])
        let failed = JobSupport.condition(world.job, "Failed")!
        #expect(failed["reason"] == "BackoffLimitExceeded")
        #expect(world.events.last?.type == "Warning" && world.events.last?.reason == "BackoffLimitExceeded")
        #expect(world.job["status"]["completionTime"].isNull)
    }

    @Test(arguments: [(1, Duration.seconds(10)), (2, .seconds(20)), (4, .seconds(80)), (7, .seconds(600)), (12, .seconds(600))])
    func podFailureBackoffDoubles(failures: Int, expected: Duration) {
        var pods: [JSON] = []
        for i in 0..<failures {
            pods.append(["metadata": ["name": .string("p\(i)"), "uid": .string("u\(i)"),
                                      "ownerReferences": [["uid": "job-uid", "controller": true]]],
                         "status": ["phase": "Failed", "containerStatuses": [["state": ["terminated": ["finishedAt": "2024-01-01T00:00:00Z"]]]]]])
        }
        let sync = JobSync(job: makeJob(backoffLimit: 100), owned: pods, now: t0)
        #expect(sync.remainingBackoff() == expected)
    }

    @Test func activeDeadlineFailsTheJob() {
        var world = JobTestWorld(job: makeJob(completions: 2, parallelism: 2, extra: ["activeDeadlineSeconds": 60]), now: t0)
        let first = world.settle()
        #expect(first.requeueAfter == .seconds(60))
        for name in world.activePodNames { world.set(name, phase: "Running") }
        world.now = t0 + 61
        world.settle()
        #expect(world.pods.isEmpty)
        #expect(world.reasons.filter { $0 == "SuccessfulDelete" }.count == 2)
        #expect(JobSupport.condition(world.job, "Failed")?["reason"] == "DeadlineExceeded")
        #expect(JobSupport.condition(world.job, "FailureTarget")?["reason"] == "DeadlineExceeded")
        #expect(world.status("failed") == 2 && world.status("active") == 0)
    }

    @Test func ttlAfterFinishedDeletesInForeground() {
        var job = makeJob(extra: ["ttlSecondsAfterFinished": 100])
        job["status"] = ["conditions": [JobSupport.newCondition("Complete", status: "True", reason: "CompletionsReached",
                                                                message: "", now: t0)]]
        let early = JobController.reconcile(job: job, pods: [], now: t0 + 40)
        #expect(early.actions.isEmpty && early.requeueAfter == .seconds(60))
        let due = JobController.reconcile(job: job, pods: [], now: t0 + 100)
        #expect(due.actions == [.delete(.jobs, namespace: "default", name: "pi",
                                        options: DeleteOptions(propagationPolicy: "Foreground", preconditionUID: "job-uid"))])
    }

    @Test func suspendDeletesPodsAndResumeRestartsTheClock() {
        var world = JobTestWorld(job: makeJob(completions: 2, parallelism: 2), now: t0)
        world.settle()
        world.set("pi-x1", phase: "Running")
        world.job["spec"]["suspend"] = true
        world.now = t0 + 30
        world.settle()
        #expect(world.pods.isEmpty)
        #expect(world.status("failed") == 0, "pods removed by suspension are not failures")
        #expect(JobSupport.condition(world.job, "Suspended")?["status"] == "True")
        #expect(world.reasons.contains("Suspended"))
        world.job["spec"]["suspend"] = false
        world.now = t0 + 90
        world.settle()
        #expect(world.activePodNames.count == 2)
        #expect(JobSupport.condition(world.job, "Suspended")?["reason"] == "JobResumed")
        #expect(world.job["status"]["startTime"] == "2024-01-01T00:01:30Z")
    }

    @Test func createdSuspendedJobStartsNothing() {
        var world = JobTestWorld(job: makeJob(extra: ["suspend": true]), now: t0)
        world.settle()
        #expect(world.pods.isEmpty && world.job["status"]["startTime"].isNull)
        #expect(world.conditionTypes == ["Suspended"])
    }

    @Test func parallelismDecreaseDeletesSurplusWithoutCountingFailures() {
        var world = JobTestWorld(job: makeJob(completions: 10, parallelism: 3), now: t0)
        world.settle()
        world.set("pi-x1", phase: "Running")
        world.job["spec"]["parallelism"] = 1
        world.settle()
        #expect(world.activePodNames == ["pi-x1"], "the running pod is kept, pending ones go")
        #expect(world.status("failed") == 0 && world.status("active") == 1)
    }

    @Test func workQueueJobCompletesAfterFirstSuccessAndDrain() {
        var world = JobTestWorld(job: makeJob(completions: nil, parallelism: 2), now: t0)
        world.settle()
        world.set("pi-x1", phase: "Succeeded")
        world.settle()
        #expect(world.activePodNames == ["pi-x2"] && world.conditionTypes.isEmpty)
        world.set("pi-x2", phase: "Succeeded")
        world.settle()
        #expect(world.status("succeeded") == 2 && world.conditionTypes.last == "Complete")
    }

    @Test func staleStatusNeverDoubleCounts() {
        var world = JobTestWorld(job: makeJob(completions: 1, parallelism: 1), now: t0)
        world.settle()
        world.set("pi-x1", phase: "Succeeded")
        // A lost status write is simply redone on the next reconcile.
        _ = world.reconcile()
        // Round 1 records the uid in uncountedTerminatedPods.
        world.apply(world.reconcile())
        #expect(world.job["status"]["uncountedTerminatedPods"]["succeeded"] == ["pod-uid-1"])
        #expect(world.status("succeeded") == 0)
        let staleJob = world.job
        // Round 2 removes the finalizer, round 3 moves the uid into the counter.
        world.apply(world.reconcile())
        #expect(world.pods["pi-x1"]!["metadata"]["finalizers"] == [])
        world.apply(world.reconcile())
        #expect(world.status("succeeded") == 1)
        // A reconcile from an outdated Job cache would count the pod again: its write is rejected.
        let stale = JobController.reconcile(job: staleJob, pods: world.podList, now: world.now)
        world.apply(stale)
        #expect(world.rejectedStatusWrites == 1)
        world.settle()
        #expect(world.status("succeeded") == 1 && world.conditionTypes.last == "Complete")
    }

    @Test func releaseOrphanPodRemovesFinalizerUnlessJobRuns() {
        let pod: JSON = ["metadata": ["name": "p", "namespace": "default", "finalizers": ["batch.kubernetes.io/job-tracking"],
                                      "ownerReferences": [["apiVersion": "batch/v1", "kind": "Job", "uid": "job-uid", "controller": true]]]]
        #expect(JobController.releaseOrphanPod(pod, owningJob: makeJob()).isEmpty)
        #expect(JobController.releaseOrphanPod(pod, owningJob: nil).count == 1)
        var done = makeJob()
        done["status"] = ["conditions": [["type": "Failed", "status": "True"]]]
        #expect(JobController.releaseOrphanPod(pod, owningJob: done).count == 1)
    }

    @Test func badInputNeverCrashes() {
        #expect(JobController.reconcile(job: "nonsense", pods: [], now: t0).actions.isEmpty)
        #expect(JobController.reconcile(job: ["metadata": ["name": "x"]], pods: [], now: t0).actions.isEmpty)
        let unknownMode = JobController.reconcile(job: makeJob(extra: ["completionMode": "Sometimes"]), pods: [], now: t0)
        #expect(unknownMode.actions.count == 1 && unknownMode.actions.first.map {
            if case .event(let e) = $0 { return e.reason == "UnknownCompletionMode" } else { return false }
        } == true)
        var noCompletions = makeJob(indexed: true)
        noCompletions["spec"]["completions"] = nil
        #expect(JobController.reconcile(job: noCompletions, pods: [], now: t0).actions.count == 1)
        // Garbage pods and garbage status fields are ignored.
        var odd = makeJob()
        odd["status"] = ["succeeded": "many", "uncountedTerminatedPods": 7, "conditions": "no"]
        let result = JobController.reconcile(job: odd, pods: [1, "pod", ["metadata": 3]], now: t0)
        #expect(result.actions.contains { if case .create = $0 { return true } else { return false } })
    }

    static let indexCases: [(String, Set<Int>)] = [("", []), ("1", [1]), ("0-2,5", [0, 1, 2, 5]), ("1,2", [1, 2]),
                                                   ("3-1,x,9", []), ("2-99", [2, 3])]

    @Test(arguments: indexCases)
    func completedIndexesRoundTrip(text: String, indexes: Set<Int>) {
        #expect(JobIndexes.parse(text, below: 4 + (indexes.contains(5) ? 2 : 0)) == indexes)
        if text.allSatisfy({ $0.isNumber || $0 == "," || $0 == "-" }) && !text.contains("3-1") && !text.contains("99") {
            #expect(JobIndexes.format(indexes) == text)
        }
    }
}
