import FoundationEssentials
import KubeAPI
import KubeClient
import WorkloadControllers

extension ControllerLoops {
    /// Root CA publisher: `kube-root-ca.crt` in every active namespace, recreated when deleted and
    /// restored when edited (keyed by namespace, like upstream's rootcacertpublisher).
    static func rootCACertPublisher(_ ctx: ControllerContext) -> ControllerLoop {
        let namespaces = ctx.informers.informer(for: .namespaces)
        let configMaps = ctx.informers.informer(for: .configMaps)
        let caPEM = ctx.options.rootCACertificatePEM
        if caPEM == nil {
            ctx.logger.warning("no certificate-authority data in the kubeconfig: kube-root-ca.crt is not published")
        }
        let loop = ControllerLoop(name: .rootCACertPublisher, workers: ctx.options.workers, logger: ctx.logger) { name in
            guard let caPEM else { return nil }
            let key = ObjectCache.key(namespace: name, name: RootCACertPublisher.configMapName)
            let actions = RootCACertPublisher.sync(namespace: namespaces.cache.get(key: name),
                                                   configMap: configMaps.cache.get(key: key), caPEM: caPEM)
            // AlreadyExists: the cache lags a create of ours; the ConfigMap's add event brings the
            // key back and the next sync compares its data.
            let outcome = await ctx.executor.perform(actions, ignoreAlreadyExists: true)
            if let failure = outcome.failure { throw SyncError(failure) }
            return nil
        }
        namespaces.onAnyChange { loop.enqueue(object: $0) }
        configMaps.onAnyChange { configMap in
            guard Owners.name(configMap) == RootCACertPublisher.configMapName,
                  let namespace = Owners.namespace(configMap) else { return }
            loop.enqueue(namespace)
        }
        return loop
    }
}
