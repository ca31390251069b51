import ComponentKit
import Dispatch
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Logging
import ServiceProxy
import SwiftletCore

/// The running proxy: informers on Services and EndpointSlices feed a `SyncLoop` whose sync
/// rebuilds the table from the caches.
enum ProxyApp {
    /// kube-proxy's health port.
    static let defaultHealthPort = 10256

    /// The ruleset settings a config file gives.
    static func options(_ config: ComponentConfig) -> RulesetOptions {
        RulesetOptions(tableName: config.proxyTable ?? "swiftlet", nodeName: config.nodeName ?? hostname(),
                       clusterCIDR: config.clusterCIDR, nodePortAddresses: config.nodeIPs)
    }

    static func run(config: ComponentConfig, client: any KubeAPIClient, health: HealthChecks, logger: Logger) async throws {
        let options = Self.options(config)
        enableLocalhostNodePorts(logger: logger)
        let proxier = try ServiceProxier(options: options, logger: logger)
        let informers = SharedInformerFactory(client: client)
        let services = informers.informer(for: .services)
        let slices = informers.informer(for: .endpointSlices)
        let loop = SyncLoop { [logger] in
            // nft runs for a good part of a second with thousands of Services: wait for it on a
            // thread of its own, not one of the few the async tasks (informers included) share.
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                DispatchQueue.global().async {
                    do {
                        try proxier.sync(services: services.cache.list(), endpointSlices: slices.cache.list())
                        done.resume()
                    } catch {
                        logger.error("sync of service rules failed", metadata: ["error": "\(error)"])
                        done.resume(throwing: error)
                    }
                }
            }
        }
        for informer in [services, slices] {
            informer.addEventHandler(ResourceEventHandler(
                onAdd: { _ in loop.notify() },
                // Periodic re-lists deliver unchanged objects: nothing to apply for those.
                onUpdate: { old, new in if old != new { loop.notify() } },
                onDelete: { _ in loop.notify() }))
        }
        health.setReady("informers-synced", false)
        health.setReady("rules-synced", false)
        health.setLive("proxy-sync", true)
        logger.info("starting service proxy", metadata: [
            "table": "\(options.family) \(options.tableName)", "node": "\(options.nodeName ?? "")",
            "clusterCIDR": "\(options.clusterCIDR ?? "")",
        ])
        informers.start()
        defer { informers.shutdown() }
        guard await informers.waitForCacheSync() else { return }
        health.setReady("informers-synced", true)
        let reporter = Task {
            while !Task.isCancelled {
                health.setLive("proxy-sync", loop.isHealthy())
                health.setReady("rules-synced", loop.status.syncs > 0)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { reporter.cancel() }
        loop.notify()
        // Cancellation (SIGTERM) ends the loop and leaves the rules in place.
        await loop.run()
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer).lowercased()
    }

    /// NodePorts (and LoadBalancer addresses) on 127.0.0.1 are translated to pod addresses; the
    /// kernel routes such packets only with route_localnet, which kube-proxy also sets. The
    /// ruleset drops what this would otherwise let in from the network (see the filter-input chain).
    static func enableLocalhostNodePorts(logger: Logger) {
        let path = "/proc/sys/net/ipv4/conf/all/route_localnet"
        do {
            try "1\n".write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            logger.warning("NodePorts on 127.0.0.1 will not answer: cannot set route_localnet", metadata: [
                "path": "\(path)", "error": "\(error)"])
        }
    }
}
