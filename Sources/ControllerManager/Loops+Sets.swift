import FoundationEssentials
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// StatefulSets: keyed by set; pod, claim and revision events enqueue their controlling set.
    static func statefulSet(_ ctx: ControllerContext) -> ControllerLoop {
        let sets = ctx.informers.informer(for: .statefulSets)
        let pods = ctx.informers.informer(for: .pods)
        let claims = ctx.informers.informer(for: .persistentVolumeClaims)
        let revisions = ctx.informers.informer(for: .controllerRevisions)
        let loop = ControllerLoop(name: .statefulset, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace, let set = sets.cache.get(namespace: namespace, name: name) else { return nil }
            let result = StatefulSetController.reconcile(
                set: set, pods: pods.cache.list(namespace: namespace), claims: claims.cache.list(namespace: namespace),
                revisions: revisions.cache.list(namespace: namespace), now: ctx.now())
            try await ctx.perform(result.actions)
            return result.requeueAfter
        }
        sets.onAnyChange { loop.enqueue(object: $0) }
        for informer in [pods, revisions] {
            informer.onAnyChange { object in
                if let key = Owners.controllerKey(of: object, kind: "StatefulSet") { loop.enqueue(key) }
            }
        }
        return loop
    }

    /// DaemonSets: keyed by set; pod and revision events enqueue their controlling set, and any node
    /// change enqueues every DaemonSet (a node joining, leaving or changing labels or taints can
    /// change where daemons belong).
    static func daemonSet(_ ctx: ControllerContext) -> ControllerLoop {
        let sets = ctx.informers.informer(for: .daemonSets)
        let nodes = ctx.informers.informer(for: .nodes)
        let pods = ctx.informers.informer(for: .pods)
        let revisions = ctx.informers.informer(for: .controllerRevisions)
        let loop = ControllerLoop(name: .daemonset, workers: ctx.options.workers, logger: ctx.logger) { key in
            let (namespace, name) = Owners.split(key)
            guard let namespace, let set = sets.cache.get(namespace: namespace, name: name) else { return nil }
            let result = DaemonSetController.reconcile(
                daemonSet: set, nodes: nodes.cache.list(), pods: pods.cache.list(namespace: namespace),
                revisions: revisions.cache.list(namespace: namespace), now: ctx.now())
            try await ctx.perform(result.actions)
            return result.requeueAfter
        }
        sets.onAnyChange { loop.enqueue(object: $0) }
        for informer in [pods, revisions] {
            informer.onAnyChange { object in
                if let key = Owners.controllerKey(of: object, kind: "DaemonSet") { loop.enqueue(key) }
            }
        }
        nodes.addEventHandler(ResourceEventHandler(
            onAdd: { _ in for set in sets.cache.list() { loop.enqueue(object: set) } },
            onUpdate: { old, new in
                // Status heartbeats change nothing a DaemonSet places pods by.
                guard old["metadata"]["labels"] != new["metadata"]["labels"] || old["spec"] != new["spec"]
                    || conditionStates(old) != conditionStates(new) else { return }
                for set in sets.cache.list() { loop.enqueue(object: set) }
            },
            onDelete: { _ in for set in sets.cache.list() { loop.enqueue(object: set) } }))
        return loop
    }

    /// A node's conditions as type -> status, without the heartbeat times that change every renewal.
    static func conditionStates(_ node: JSON) -> [String: String] {
        var states: [String: String] = [:]
        for condition in node["status"]["conditions"].arrayValue ?? [] {
            if let type = condition["type"].stringValue { states[type] = condition["status"].stringValue ?? "" }
        }
        return states
    }
}
