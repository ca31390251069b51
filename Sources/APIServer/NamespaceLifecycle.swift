import KubeAPI
import KubeStore

extension APIServer {
    /// Empties a terminating namespace and then removes it, in the background. (Upstream's
    /// namespace controller does this; Swiftlet's apiserver does it until the controllers take over.)
    /// Objects with finalizers are marked for deletion and waited for, as upstream does.
    func namespaceLifecycle(_ namespace: String) {
        let claimed = terminating.withLock { set in set.insert(namespace).inserted }
        guard claimed else { return }
        Task.detached { [self] in
            defer { _ = terminating.withLock { $0.remove(namespace) } }
            do {
                try await emptyNamespace(namespace)
            } catch {
                logger.warning("namespace cleanup failed", metadata: ["namespace": "\(namespace)", "error": "\(error)"])
            }
        }
    }

    private func emptyNamespace(_ namespace: String) async throws {
        let namespaced = ResourceRegistry.builtin.filter { $0.namespaced && $0.served && $0.verbs.contains("delete") }
        let options = DeleteOptions.immediate
        while true {
            var remaining = 0
            for def in namespaced {
                let target = ResourceTarget(definition: def, namespace: namespace, name: nil, subresource: "")
                let listed = try await store.list(prefix: target.prefix, revision: nil, startAfter: nil, limit: nil)
                for kv in listed.items {
                    remaining += 1
                    let object = try Objects.decode(kv)
                    if object["metadata"]["deletionTimestamp"].isNull || def.plural == "pods" {
                        _ = try? await deleteObject(target, name: Objects.name(object), options: options)
                    }
                }
            }
            if remaining == 0 { break }
            try await Task.sleep(for: .seconds(1))
        }
        // Drop the `kubernetes` finalizer and delete the namespace itself.
        let nsTarget = ResourceTarget(definition: APIServer.namespacesDefinition, namespace: nil, name: namespace, subresource: "")
        let key = nsTarget.key(name: namespace)
        guard let kv = try await store.get(key) else { return }
        _ = try await store.delete(key, expectedRevision: kv.modRevision)
    }
}

extension DeleteOptions {
    /// Delete now, no grace period (pods inside a terminating namespace have no kubelet to wait for
    /// once the node part is gone; with a kubelet, it confirms the deletion itself).
    /// Background propagation explicitly, as upstream's namespace deleter: a resource whose default
    /// is Orphan (batch/v1 Jobs) would otherwise wait for the garbage collector with a finalizer.
    static var immediate: DeleteOptions {
        var options = DeleteOptions(gracePeriodSeconds: 0)
        options.propagationPolicy = "Background"
        return options
    }

    init(gracePeriodSeconds: Int64?) {
        self.gracePeriodSeconds = gracePeriodSeconds
    }
}
