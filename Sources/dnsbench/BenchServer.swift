#if canImport(Glibc)
import Glibc
#endif
import ClusterDNS
import Logging
import NIOCore
import NIOPosix

/// The server side: a zone of 1,000 Services in 10 namespaces (one endpoint each), forwarding to
/// the driver's fake upstream; writes its port to the port file, runs until SIGTERM.
enum BenchServer {
    static func zone() -> ClusterZone {
        var services: [ServiceInfo] = []
        var slices: [EndpointSliceInfo] = []
        for index in 0..<1_000 {
            let namespace = "ns\(index % 10)"
            let ip = IPAddress("10.43.\(index / 250).\(index % 250 + 1)")!
            services.append(ServiceInfo(namespace: namespace, name: "svc\(index)", clusterIPs: [ip],
                                        ports: [ServicePortInfo(name: "http", proto: "TCP", port: 80)]))
            slices.append(EndpointSliceInfo(namespace: namespace, serviceName: "svc\(index)",
                                            endpoints: [.init(addresses: [IPAddress("10.42.\(index / 250).\(index % 250 + 1)")!])],
                                            ports: [ServicePortInfo(name: "http", proto: "TCP", port: 8080)]))
        }
        return ClusterZone(settings: ZoneSettings(), services: services, slices: slices,
                           namespaces: (0..<10).map { "ns\($0)" }, serial: 1)
    }

    static func run(upstreamPort: Int, threads: Int, portFile: String) async throws {
        signal(SIGTERM, SIG_DFL)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let resolver = DNSResolver(zones: ZoneStore(zone()), cache: DNSCache(),
                                   forwarder: Forwarder(upstreams: [Upstream(host: "127.0.0.1", port: upstreamPort)], group: group))
        var logger = Logger(label: "swiftlet-dns-bench")
        logger.logLevel = .warning
        let server = try await DNSServer.start(configuration: .init(host: "127.0.0.1", port: 0, udpSockets: threads),
                                               resolver: resolver, group: group, logger: logger)
        let text = "\(server.port)\n"
        let fd = open(portFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
