import FoundationEssentials
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// Key prefix of pods whose Job tracking finalizer must be released (their Job is gone).
    static let orphanPodPrefix = "pod:"

    /// Jobs (with the TTL-after-finished logic): keyed by Job; a pod event enqueues its Job. After a
    /// sync created or deleted pods the Job is not reconciled again until the pod cache has seen
    /// those writes or `ReplicaExpectations.timeToLive` (5 min) passed, so a lagging cache cannot
    /// cause extra pods. A pod still carrying the tracking finalizer with no Job in the cache is
    /// queued as `pod:<ns>/<name>` and released.
    static func job(_ ctx: ControllerContext) -> ControllerLoop {
        let jobs = ctx.informers.informer(for: .jobs)
        let pods = ctx.informers.informer(for: .pods)
        let expectations = KeyedState<ReplicaExpectations>()
        let loop = ControllerLoop(name: .job, workers: ctx.options.workers, logger: ctx.logger) { key in
            if key.hasPrefix(orphanPodPrefix) {
                let (namespace, name) = Owners.split(String(key.dropFirst(orphanPodPrefix.count)))
                guard let pod = pods.cache.get(namespace: namespace, name: name) else { return nil }
                let owner = Owners.controllerKey(of: pod, kind: "Job").flatMap { jobs.cache.get(key: $0) }
                try await ctx.perform(JobController.releaseOrphanPod(pod, owningJob: owner))
                return nil
            }
            let (namespace, name) = Owners.split(key)
            guard let namespace, let job = jobs.cache.get(namespace: namespace, name: name) else {
                expectations[key] = nil
                return nil
            }
            let podsOfNamespace = pods.cache.list(namespace: namespace)
            let now = ctx.now()
            if var pending = expectations[key] {
                pending.observe(pods: podsOfNamespace)
                if !pending.isSatisfied(now: now), let setAt = pending.setAt {
                    expectations[key] = pending
                    // A pod event wakes the Job earlier; this is the expiry safety net.
                    let ttl = ReplicaExpectations.timeToLive.components.seconds
                    let left = setAt.addingTimeInterval(Double(ttl)).timeIntervalSince(now)
                    return .milliseconds(Int64(max(left, 0) * 1000) + 1)
                }
                expectations[key] = nil
            }
            let result = JobController.reconcile(job: job, pods: podsOfNamespace, now: now)
            let outcome = await ctx.executor.perform(result.actions)
            var pending = ReplicaExpectations()
            for action in result.actions.prefix(outcome.completed) {
                switch action {
                case .create(.pods, _, let pod): pending.pendingCreations.insert(Owners.name(pod))
                case .delete(.pods, _, let podName, _): pending.pendingDeletions.insert(podName)
                default: break
                }
            }
            if !pending.pendingCreations.isEmpty || !pending.pendingDeletions.isEmpty {
                pending.setAt = now
                expectations[key] = pending
            }
            if let failure = outcome.failure { throw SyncError(failure) }
            return result.requeueAfter
        }
        jobs.onAnyChange { loop.enqueue(object: $0) }
        pods.onAnyChange { pod in
            if let key = Owners.controllerKey(of: pod, kind: "Job") {
                loop.enqueue(key)
                let hasFinalizer = pod["metadata"]["finalizers"].arrayValue?
                    .contains(.string(JobController.trackingFinalizer)) == true
                if hasFinalizer && jobs.cache.get(key: key) == nil, let podKey = ObjectCache.key(for: pod) {
                    loop.enqueue(orphanPodPrefix + podKey)
                }
            }
        }
        return loop
    }

    /// CronJobs: keyed by CronJob; a Job event enqueues its controlling CronJob; `requeueAfter`
    /// brings each CronJob back at its next activation.
    static func cronJob(_ ctx: ControllerContext) -> ControllerLoop {
        let cronJobs = ctx.informers.informer(for: .cronJobs)
        let jobs = ctx.informers.informer(for: .jobs)
        let loop = ControllerLoop(name: .cronjob, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace, let cronJob = cronJobs.cache.get(namespace: namespace, name: name) else { return nil }
            let result = CronJobController.reconcile(cronJob: cronJob, jobs: jobs.cache.list(namespace: namespace), now: ctx.now())
            try await ctx.perform(result.actions)
            return result.requeueAfter
        }
        cronJobs.onAnyChange { loop.enqueue(object: $0) }
        jobs.onAnyChange { job in
            if let key = Owners.controllerKey(of: job, kind: "CronJob") { loop.enqueue(key) }
        }
        return loop
    }
}
