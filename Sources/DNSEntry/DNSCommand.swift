import ArgumentParser
import ComponentKit
import KubeClient
import SwiftletCore

#if canImport(Glibc)
import Glibc
#endif

/// `swiftlet-dns --config FILE`: cluster DNS. The supervisor writes the file (ComponentConfig JSON).
public struct DNSCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet-dns",
        abstract: "Cluster DNS: answers <svc>.<ns>.svc.<domain>, pod and PTR names from Services and EndpointSlices, and forwards the rest.",
        discussion: """
            Serves UDP and TCP on dnsBindAddress:dnsPort (0.0.0.0:53) for clusterDomain (cluster.local) with \
            the semantics of CoreDNS's kubernetes plugin (pods insecure, TTL 5 s); other names go to the \
            nameservers of upstreamResolvConf (/etc/resolv.conf) through a 10,000-entry cache. \
            Health endpoints: /healthz, /livez, /readyz (ready after the first informer sync).
            """,
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: ArgumentHelp("Component config file (JSON) written by the supervisor.", valueName: "file"))
    var config: String

    @Option(name: .long, help: "Port of the health endpoints, overriding the config file's (the supervisor pins a restart to the port it had).")
    var securePort: Int?

    @Option(name: .long, help: "DNS port (UDP and TCP), overriding the config file's dnsPort.")
    var dnsPort: Int?

    @Option(name: .long, help: "DNS listen address, overriding the config file's dnsBindAddress.")
    var dnsBindAddress: String?

    public func run() async throws {
        var loaded: ComponentConfig
        do {
            loaded = try ComponentConfig.load(path: config)
        } catch {
            try fail("\(error)")
        }
        if let securePort {
            guard (1...65535).contains(securePort) else { try fail("--secure-port \(securePort) is not a port (1-65535)") }
            loaded.securePort = securePort
        }
        if let dnsPort {
            guard (0...65535).contains(dnsPort) else { try fail("--dns-port \(dnsPort) is not a port (0-65535)") }
            loaded.dnsPort = dnsPort
        }
        if let dnsBindAddress { loaded.dnsBindAddress = dnsBindAddress }
        let settings = loaded
        do {
            _ = try DNSApp.settings(settings)
        } catch {
            try fail("\(error)")
        }
        let client: HTTPClient
        do {
            client = try HTTPClient(config: try ClientConfig.load(kubeconfigPath: settings.kubeconfig, userAgent: DNSApp.userAgent))
        } catch {
            try fail("cannot load kubeconfig \(settings.kubeconfig): \(error)")
        }
        do {
            try await ComponentMain.run(component: DNSApp.component, config: settings) { health, logger in
                try await DNSApp.run(config: settings, client: client, health: health, logger: logger)
            }
        } catch {
            await client.shutdown()
            try fail("\(error)")
        }
        await client.shutdown()
    }

    /// A clear message on stderr and exit code 1 (ArgumentParser's usage errors would exit 64).
    private func fail(_ message: String) throws -> Never {
        let line = "swiftlet-dns: error: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        throw ExitCode.failure
    }
}
