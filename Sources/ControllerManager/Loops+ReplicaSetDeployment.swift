import FoundationEssentials
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// ReplicaSets: keyed by ReplicaSet; a pod event enqueues its controlling ReplicaSet (an orphan
    /// pod enqueues every ReplicaSet of its namespace that could adopt it). Expectations are kept per
    /// ReplicaSet key between syncs, as the reconcile function's driver contract asks.
    static func replicaSet(_ ctx: ControllerContext) -> ControllerLoop {
        let sets = ctx.informers.informer(for: .replicaSets)
        let pods = ctx.informers.informer(for: .pods)
        let expectations = KeyedState<ReplicaExpectations>()
        let lastErrors = KeyedState<ReplicaSetController.ManageError>()
        PodQueries.addIndexes(to: pods.cache)
        let loop = ControllerLoop(name: .replicaset, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let replicaSet = sets.cache.get(namespace: namespace, name: name) else {
                expectations[key] = nil
                lastErrors[key] = nil
                return nil
            }
            var siblings: [JSON] = []
            if let owner = Owners.controllerRef(replicaSet), let ownerUID = owner["uid"].stringValue {
                siblings = sets.cache.byIndex(ObjectCache.ownerUIDIndex, ownerUID)
            }
            // Its own and its siblings' pods and the orphans it may adopt: what reconcile reads of
            // the namespace's pods (pods controlled by anything else are left alone).
            let podsOfNamespace = namespace.map { namespace in
                PodQueries.pods(in: pods.cache, namespace: namespace,
                                ownerUIDs: [Owners.uid(replicaSet)] + siblings.map(Owners.uid), orphans: true)
            } ?? []
            var related: [JSON] = []
            for sibling in siblings {
                related += ReplicaSetController.ownedActivePods(of: sibling, in: podsOfNamespace)
            }
            let result = ReplicaSetController.reconcile(
                replicaSet: replicaSet, pods: podsOfNamespace, relatedPods: related,
                expectations: expectations[key] ?? ReplicaExpectations(), lastManageError: lastErrors[key], now: ctx.now())
            let outcome = await ctx.executor.perform(result.actions)
            var settled = result.expectations
            guard let failure = outcome.failure else {
                expectations[key] = settled
                lastErrors[key] = nil
                return result.requeueAfter
            }
            // The failed write and everything after it never happened: lower the expectations for them.
            for action in result.actions[outcome.completed...] {
                switch action {
                case .create(.pods, _, let pod): settled.creationFailed(podName: Owners.name(pod))
                case .delete(.pods, _, let podName, _): settled.deletionFailed(podName: podName)
                default: break
                }
            }
            expectations[key] = settled
            switch failure.action {
            case .create(.pods, _, _):
                lastErrors[key] = .init(operation: .create, message: "\(failure.error)")
            case .delete(.pods, _, _, _):
                lastErrors[key] = .init(operation: .delete, message: "\(failure.error)")
            default: break
            }
            throw SyncError(failure)
        }
        sets.onAnyChange { loop.enqueue(object: $0) }
        pods.onAnyChange { pod in
            if let owner = Owners.controllerRef(pod) {
                if owner["kind"].stringValue == "ReplicaSet", let key = Owners.controllerKey(of: pod, kind: "ReplicaSet") {
                    loop.enqueue(key)
                }
            } else if let namespace = Owners.namespace(pod), !Owners.labels(pod).isEmpty {
                for set in sets.cache.list(namespace: namespace) { loop.enqueue(object: set) }
            }
        }
        return loop
    }

    /// Deployments: keyed by Deployment; a ReplicaSet event enqueues its controlling Deployment (an
    /// orphan ReplicaSet every Deployment of its namespace), and a pod deletion the Deployment of its
    /// ReplicaSet (Recreate waits for old pods to be gone).
    static func deployment(_ ctx: ControllerContext) -> ControllerLoop {
        let deployments = ctx.informers.informer(for: .deployments)
        let sets = ctx.informers.informer(for: .replicaSets)
        let pods = ctx.informers.informer(for: .pods)
        let loop = ControllerLoop(name: .deployment, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace, let deployment = deployments.cache.get(namespace: namespace, name: name) else { return nil }
            // The pods of its ReplicaSets are all reconcile reads (Recreate waits for the old ones).
            let owned = sets.cache.byIndex(ObjectCache.ownerUIDIndex, Owners.uid(deployment)).map(Owners.uid)
            let result = DeploymentController.reconcile(
                deployment: deployment, replicaSets: sets.cache.list(namespace: namespace),
                pods: PodQueries.pods(in: pods.cache, namespace: namespace, ownerUIDs: owned, orphans: false), now: ctx.now())
            try await ctx.perform(result.actions)
            return result.requeueAfter
        }
        deployments.onAnyChange { loop.enqueue(object: $0) }
        sets.onAnyChange { set in
            if let key = Owners.controllerKey(of: set, kind: "Deployment") {
                loop.enqueue(key)
            } else if Owners.controllerRef(set) == nil, let namespace = Owners.namespace(set) {
                for deployment in deployments.cache.list(namespace: namespace) { loop.enqueue(object: deployment) }
            }
        }
        pods.onDelete { pod in
            guard let setKey = Owners.controllerKey(of: pod, kind: "ReplicaSet"),
                  let set = sets.cache.get(key: setKey),
                  let key = Owners.controllerKey(of: set, kind: "Deployment") else { return }
            loop.enqueue(key)
        }
        return loop
    }
}
