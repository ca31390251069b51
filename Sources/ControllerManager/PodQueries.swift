import KubeAPI
import KubeClient

/// Reads of the pod cache limited to the pods a sync can use. The controllers' pod cache holds
/// compact text (`ObjectStorage.text`), so every pod read is a parse: a ReplicaSet sync reads the
/// pods of its own and its sibling ReplicaSets plus the namespace's pods without a controller (the
/// ones it may adopt), a Deployment sync the pods of its ReplicaSets, instead of every pod of the
/// namespace (1,000 parses per sync during a 1,000-replica rollout).
enum PodQueries {
    /// Pods without a controller (adoption candidates), by namespace.
    static let orphanNamespaceIndex = "orphanNamespace"

    /// Adds the indexes the queries use to the pod cache.
    static func addIndexes(to cache: ObjectCache) {
        cache.addIndex(orphanNamespaceIndex) { pod in
            guard Owners.controllerRef(pod) == nil, let namespace = Owners.namespace(pod) else { return [] }
            return [namespace]
        }
    }

    /// Pods of `namespace` with an ownerReference to one of `ownerUIDs`, plus (with `orphans`)
    /// those without a controller; each once, in key order as a namespace listing returns them.
    static func pods(in cache: ObjectCache, namespace: String, ownerUIDs: [String], orphans: Bool) -> [JSON] {
        var lists = ownerUIDs.filter { !$0.isEmpty }.map { cache.byIndex(ObjectCache.ownerUIDIndex, $0) }
        if orphans { lists.append(cache.byIndex(orphanNamespaceIndex, namespace)) }
        var byKey: [String: JSON] = [:]
        for pod in lists.joined() where Owners.namespace(pod) == namespace {
            if let key = ObjectCache.key(for: pod) { byKey[key] = pod }
        }
        return byKey.keys.sorted().compactMap { byKey[$0] }
    }
}
