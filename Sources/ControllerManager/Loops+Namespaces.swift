import FoundationEssentials
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// Namespaced built-in resources the namespace controller empties a terminating namespace of
    /// (listed live, like upstream's discovery-driven deleter).
    static let namespacedResources: [ResourceType] = ResourceRegistry.builtin
        .filter { $0.namespaced && $0.served && $0.verbs.contains("list") && $0.verbs.contains("delete") }
        .map(ResourceType.init)

    /// Namespaces: a namespace with a deletionTimestamp is emptied, reported through its
    /// conditions, then finalized through the `finalize` subresource.
    static func namespace(_ ctx: ControllerContext) -> ControllerLoop {
        let namespaces = ctx.informers.informer(for: .namespaces)
        let loop = ControllerLoop(name: .namespace, workers: ctx.options.workers, logger: ctx.logger) { name in
            guard let namespace = namespaces.cache.get(key: name),
                  !namespace["metadata"]["deletionTimestamp"].isNull else { return nil }
            var contents: [NamespaceContent] = []
            var failures: [String] = []
            for resource in namespacedResources {
                do {
                    let list = try await ctx.client.list(resource, namespace: name, options: ListOptions())
                    contents.append(NamespaceContent(resource: resource, objects: list.items))
                } catch {
                    failures.append("\(resource.apiVersion): \(error)")
                }
            }
            let result = NamespaceController.sync(namespace: namespace, contents: contents, discoveryFailures: failures,
                                                  now: ctx.now())
            try await ctx.perform(result.actions)
            if let finalize = result.finalize {
                _ = try await ctx.client.update(.namespaces, namespace: nil, object: finalize, subresource: "finalize")
                return nil
            }
            return result.requeueAfter ?? (result.remaining > 0 || !failures.isEmpty ? .seconds(5) : nil)
        }
        namespaces.onAnyChange { loop.enqueue(object: $0) }
        return loop
    }

    /// ServiceAccounts: every active namespace gets a `default` ServiceAccount (recreated if deleted).
    static func serviceAccount(_ ctx: ControllerContext) -> ControllerLoop {
        let namespaces = ctx.informers.informer(for: .namespaces)
        let accounts = ctx.informers.informer(for: .serviceAccounts)
        let loop = ControllerLoop(name: .serviceaccount, workers: ctx.options.workers, logger: ctx.logger) { name in
            guard let namespace = namespaces.cache.get(key: name) else { return nil }
            let actions = ServiceAccountController.sync(namespace: namespace,
                                                        serviceAccounts: accounts.cache.list(namespace: name))
            let outcome = await ctx.executor.perform(actions, ignoreAlreadyExists: true)
            if let failure = outcome.failure { throw SyncError(failure) }
            return nil
        }
        namespaces.onAnyChange { loop.enqueue(object: $0) }
        accounts.onDelete { account in
            if let namespace = Owners.namespace(account) { loop.enqueue(namespace) }
        }
        return loop
    }
}
