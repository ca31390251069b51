import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Synchronization

/// ConfigMap and Secret informers for the namespaces that have pods on this node referring to
/// such objects, started on first use and stopped when no pod there needs them any more, so a
/// node holds only what its pods can read (not every Secret of the cluster).
final class NamespaceObjectInformers: Sendable {
    struct Pair: Sendable {
        var configMaps: Informer
        var secrets: Informer
        var tasks: [Task<Void, Never>]
        var synced: Bool { configMaps.hasSynced && secrets.hasSynced }
    }

    let client: any KubeAPIClient
    let handler = Mutex<(@Sendable (_ object: JSON, _ isSecret: Bool) -> Void)?>(nil)
    let pairs = Mutex<[String: Pair]>([:])
    let closed = Mutex(false)

    init(client: any KubeAPIClient) {
        self.client = client
    }

    /// What runs when an object of a watched namespace is added, changes content or goes.
    func onChange(_ body: @escaping @Sendable (_ object: JSON, _ isSecret: Bool) -> Void) {
        handler.withLock { $0 = body }
    }

    func changed(_ object: JSON, isSecret: Bool) {
        handler.withLock { $0 }?(object, isSecret)
    }

    /// The informers of `namespace`, started now if there were none (nil once shut down).
    @discardableResult
    func watch(_ namespace: String) -> Pair? {
        if closed.withLock({ $0 }) { return nil }
        return pairs.withLock { pairs in
            if let pair = pairs[namespace] { return pair }
            let configMaps = Informer(client: client, resource: .configMaps, namespace: namespace)
            let secrets = Informer(client: client, resource: .secrets, namespace: namespace)
            for (informer, isSecret) in [(configMaps, false), (secrets, true)] {
                informer.addEventHandler(ResourceEventHandler(
                    onAdd: { [self] in changed($0, isSecret: isSecret) },
                    onUpdate: { [self] old, new in
                        // Status-less objects: only content changes matter to pods.
                        if old["data"] != new["data"] || old["binaryData"] != new["binaryData"] || old["stringData"] != new["stringData"] {
                            changed(new, isSecret: isSecret)
                        }
                    },
                    onDelete: { [self] in changed($0, isSecret: isSecret) }))
            }
            let pair = Pair(configMaps: configMaps, secrets: secrets,
                            tasks: [Task { await configMaps.run() }, Task { await secrets.run() }])
            pairs[namespace] = pair
            return pair
        }
    }

    /// Starts the namespace's informers if needed and waits (up to `timeout`) for their first
    /// list. False when they have not synced in time (the API server is unreachable).
    func waitForSync(_ namespace: String, timeout: Duration) async -> Bool {
        guard let pair = watch(namespace) else { return false }
        let deadline = ContinuousClock.now + timeout
        while !pair.synced {
            guard ContinuousClock.now < deadline, (try? await Task.sleep(for: .milliseconds(20))) != nil else { return false }
        }
        return true
    }

    func configMap(namespace: String, name: String) -> JSON? {
        pairs.withLock { $0[namespace] }?.configMaps.cache.get(key: "\(namespace)/\(name)")
    }

    func secret(namespace: String, name: String) -> JSON? {
        pairs.withLock { $0[namespace] }?.secrets.cache.get(key: "\(namespace)/\(name)")
    }

    /// Stops the informers of namespaces not in `keep`.
    func retain(_ keep: Set<String>) {
        let stopped = pairs.withLock { pairs -> [Pair] in
            let gone = pairs.keys.filter { !keep.contains($0) }
            return gone.compactMap { pairs.removeValue(forKey: $0) }
        }
        for pair in stopped { for task in pair.tasks { task.cancel() } }
    }

    /// Waits until cancelled, then stops every informer and waits for their requests to end
    /// (the API client is shut down after the agent's run returns).
    func run() async {
        while (try? await Task.sleep(for: .seconds(3600))) != nil {}
        closed.withLock { $0 = true }
        let all = pairs.withLock { pairs in defer { pairs.removeAll() }; return Array(pairs.values) }
        for pair in all { for task in pair.tasks { task.cancel() } }
        for pair in all { for task in pair.tasks { await task.value } }
    }
}
