import Foundation
import KubeAPI
@testable import WorkloadControllers

/// An in-memory apiserver plus an instant kubelet: applies `ControllerAction`s to a Job and its
/// pods the way the real components would (finalizers block deletion, status writes are
/// conditional on resourceVersion, deleted pods terminate at once).
struct JobTestWorld {
    var job: JSON
    var pods: [String: JSON] = [:]
    var events: [EventRecord] = []
    var deletedJob: DeleteOptions?
    var now: Date
    var nextUID = 0
    var nextSuffix = 0
    var rejectedStatusWrites = 0

    init(job: JSON, now: Date) {
        self.job = job
        self.job["metadata"]["resourceVersion"] = "1"
        self.now = now
    }

    var podList: [JSON] { pods.keys.sorted().map { pods[$0]! } }
    var reasons: [String] { events.map(\.reason) }
    var conditionTypes: [String] { job["status"]["conditions"].jobArray.map(\.["type"].jobString) }

    func reconcile() -> JobReconcileResult {
        var counter = nextSuffix
        return JobController.reconcile(job: job, pods: podList, now: now, randomSuffix: {
            counter += 1
            return "x\(counter)"
        })
    }

    mutating func apply(_ result: JobReconcileResult) {
        for action in result.actions { apply(action) }
    }

    mutating func apply(_ action: ControllerAction) {
        switch action {
        case .create(_, _, var pod):
            nextUID += 1
            nextSuffix += 1
            pod["metadata"]["uid"] = .string("pod-uid-\(nextUID)")
            pod["metadata"]["creationTimestamp"] = .string(Timestamp.format(now))
            pod["status"] = ["phase": "Pending"]
            pods[JobSupport.name(pod)] = pod
        case .delete(let type, _, let name, let options):
            if type == .jobs { deletedJob = options; return }
            guard var pod = pods[name] else { return }
            if pod["metadata"]["finalizers"].jobArray.isEmpty {
                pods[name] = nil
            } else {
                pod["metadata"]["deletionTimestamp"] = .string(Timestamp.format(now))
                if !JobSupport.isTerminal(pod) { pod["status"]["phase"] = "Failed" }
                pods[name] = pod
            }
        case .patch(_, _, let name, let patch, _, _):
            guard var pod = pods[name] else { return }
            let remove = patch["metadata"]["$deleteFromPrimitiveList/finalizers"].jobArray
            pod["metadata"]["finalizers"] = .array(pod["metadata"]["finalizers"].jobArray.filter { !remove.contains($0) })
            if pod["metadata"]["finalizers"].jobArray.isEmpty && JobSupport.isBeingDeleted(pod) {
                pods[name] = nil
            } else {
                pods[name] = pod
            }
        case .updateStatus(_, _, var object):
            guard object["metadata"]["resourceVersion"] == job["metadata"]["resourceVersion"] else {
                rejectedStatusWrites += 1
                return
            }
            let rv = Int(job["metadata"]["resourceVersion"].jobString)! + 1
            object["metadata"]["resourceVersion"] = .string(String(rv))
            job = object
        case .event(let record):
            events.append(record)
        case .update:
            break
        }
    }

    /// Reconciles and applies until nothing but events remains; returns the last result.
    @discardableResult
    mutating func settle(maxRounds: Int = 20) -> JobReconcileResult {
        var last = JobReconcileResult()
        for _ in 0..<maxRounds {
            last = reconcile()
            apply(last)
            if !last.actions.contains(where: { if case .event = $0 { return false } else { return true } }) { break }
        }
        return last
    }

    /// The kubelet: the pod runs (and is Ready), or finishes with `phase`.
    mutating func set(_ name: String, phase: String) {
        guard var pod = pods[name] else { return }
        pod["spec"]["nodeName"] = "node-1"
        pod["status"]["phase"] = .string(phase)
        let stamp = JSON.string(Timestamp.format(now))
        pod["status"]["conditions"] = [["type": "Ready", "status": phase == "Running" ? "True" : "False", "lastTransitionTime": stamp]]
        if phase != "Running" {
            pod["status"]["containerStatuses"] = [["name": "c", "state": ["terminated": ["finishedAt": stamp]]]]
        }
        pods[name] = pod
    }

    /// Names of pods that are neither terminal nor being deleted.
    var activePodNames: [String] {
        podList.filter { !JobSupport.isTerminal($0) && !JobSupport.isBeingDeleted($0) }.map(JobSupport.name)
    }

    func status(_ key: String) -> Int64? { job["status"][key].intValue }
}

func makeJob(completions: Int64? = 1, parallelism: Int64 = 1, backoffLimit: Int64 = 6, indexed: Bool = false,
             extra: JSONObject = [:]) -> JSON {
    var spec: JSONObject = [
        "parallelism": .int(parallelism), "backoffLimit": .int(backoffLimit),
        "completionMode": indexed ? "Indexed" : "NonIndexed", "suspend": false,
        "podReplacementPolicy": "TerminatingOrFailed",
        "selector": ["matchLabels": ["batch.kubernetes.io/controller-uid": "job-uid"]],
        "template": [
            "metadata": ["labels": ["batch.kubernetes.io/controller-uid": "job-uid", "batch.kubernetes.io/job-name": "pi",
                                    "controller-uid": "job-uid", "job-name": "pi"]],
            "spec": ["containers": [["name": "c", "image": "busybox"]], "restartPolicy": "Never"],
        ],
    ]
    if let completions { spec["completions"] = .int(completions) }
    for (k, v) in extra { spec[k] = v }
    return ["apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": "pi", "namespace": "default", "uid": "job-uid",
                         "creationTimestamp": "2024-01-01T00:00:00Z"],
            "spec": .object(spec), "status": [:]]
}
