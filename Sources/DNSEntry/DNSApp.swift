import ClusterDNS
import ComponentKit
import KubeAPI
import KubeClient
import Logging
import NIOPosix
import Synchronization
import SwiftletCore

/// What `swiftlet-dns` does once its config is read: the DNS listeners (forwarded names served at
/// once, cluster names SERVFAIL until the first sync), Service / EndpointSlice / Namespace
/// informers, and a zone snapshot rebuilt at most every `rebuildInterval` after a change.
enum DNSApp {
    static let component = "dns"
    static let userAgent = "swiftlet-dns"
    /// Changes arriving within this window share one rebuild (a rollout touches many slices).
    static let rebuildInterval: Duration = .milliseconds(200)

    static func settings(_ config: ComponentConfig) throws -> ZoneSettings {
        let domain = DNSName(config.clusterDomain)
        guard !domain.labels.isEmpty else { throw DNSConfigError("clusterDomain must not be empty") }
        let networks = [config.serviceCIDR, config.clusterCIDR].compactMap(IPNetwork.init)
        return ZoneSettings(domain: domain, reverseNetworks: networks)
    }

    static func run(config: ComponentConfig, client: any KubeAPIClient, health: HealthChecks, logger: Logger) async throws {
        health.setReady("informers-synced", false)
        let settings = try settings(config)
        let upstreams: [Upstream]
        do {
            upstreams = try ResolvConf.load(path: config.upstreamResolvConf)
        } catch {
            // Cluster names still resolve; forwarded ones get SERVFAIL until restarted with a file.
            logger.error("no upstream resolvers", metadata: ["path": "\(config.upstreamResolvConf)", "error": "\(error)"])
            upstreams = []
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await serve(config: config, settings: settings, upstreams: upstreams, group: group, client: client,
                            health: health, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }

    private static func serve(config: ComponentConfig, settings: ZoneSettings, upstreams: [Upstream], group: MultiThreadedEventLoopGroup,
                              client: any KubeAPIClient, health: HealthChecks, logger: Logger) async throws {
        let zones = ZoneStore(ClusterZone(settings: settings))
        let resolver = DNSResolver(zones: zones, cache: DNSCache(), forwarder: Forwarder(upstreams: upstreams, group: group),
                                   logger: logger)
        // Listening on every address, it answers only the pod and service networks and the host.
        let clients = ClientFilter(networks: [config.serviceCIDR, config.clusterCIDR].compactMap(IPNetwork.init))
        let server = try await DNSServer.start(
            configuration: .init(host: config.dnsBindAddress, port: config.dnsPort, clients: clients),
            resolver: resolver, group: group, logger: logger)
        var registration: Task<Void, Never>?
        if let clusterDNS = config.clusterDNS, let nodeName = config.nodeName {
            registration = Task {
                await DNSRegistration.run(client: client, clusterDNS: clusterDNS, nodeName: nodeName, port: server.port, logger: logger)
            }
        }
        defer { registration?.cancel() }
        logger.notice("cluster DNS listening", metadata: [
            "address": "\(config.dnsBindAddress)", "port": "\(server.port)", "domain": "\(settings.domain)",
            "upstreams": "\(upstreams.map(\.description).joined(separator: ","))",
        ])

        let factory = SharedInformerFactory(client: client)
        let services = factory.informer(for: .services)
        let slices = factory.informer(for: .endpointSlices)
        let namespaces = factory.informer(for: .namespaces)
        let dirty = Atomic<Bool>(true)
        for informer in [services, slices, namespaces] {
            informer.addEventHandler(ResourceEventHandler(
                onAdd: { _ in dirty.store(true, ordering: .relaxed) },
                onUpdate: { _, _ in dirty.store(true, ordering: .relaxed) },
                onDelete: { _ in dirty.store(true, ordering: .relaxed) }))
        }
        factory.start()
        defer { factory.shutdown() }
        guard await factory.waitForCacheSync() else {
            await server.stop()
            return
        }
        func rebuild() {
            let zone = ClusterZone(
                settings: settings,
                services: services.cache.list().compactMap(ServiceInfo.init(json:)),
                slices: slices.cache.list().compactMap(EndpointSliceInfo.init(json:)),
                namespaces: namespaces.cache.list().compactMap { $0["metadata"]["name"].stringValue },
                serial: UInt32(truncatingIfNeeded: Int(Self.unixTime())))
            zones.replace(zone)
            logger.debug("zone rebuilt", metadata: ["names": "\(zone.nameCount)"])
        }
        dirty.store(false, ordering: .relaxed)
        rebuild()
        health.setReady("informers-synced", true)
        logger.info("caches synced; zone built")
        var sinceRefresh: Duration = .zero
        while !Task.isCancelled {
            try? await Task.sleep(for: rebuildInterval)
            if dirty.exchange(false, ordering: .relaxed) { rebuild() }
            sinceRefresh += rebuildInterval
            if sinceRefresh >= .seconds(15) {
                // The pod bridge (and its gateway address) appears with the node's first pod.
                clients.refreshHostAddresses()
                sinceRefresh = .zero
            }
        }
        await server.stop()
    }

    static func unixTime() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec
    }
}
