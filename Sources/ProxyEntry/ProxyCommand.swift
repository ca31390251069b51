import ArgumentParser
import ComponentKit
import FoundationEssentials
import KubeClient
import ServiceProxy
import SwiftletCore
import SwiftletSystem

/// `swiftlet-proxy --config FILE`: the service proxy (kube-proxy's nftables mode).
public struct ProxyCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet-proxy",
        abstract: "Kubernetes service proxy: nftables rules for Services.",
        discussion: """
            Watches Services and EndpointSlices and keeps one nftables table (`ip swiftlet` unless \
            the config's proxyTable says otherwise) in step with them, rewritten as a whole in one nft \
            transaction. ClusterIPs, NodePorts, LoadBalancer ingress IPs and externalIPs are DNATed to \
            ready endpoints; ports with no endpoint are refused at once. On SIGTERM the rules stay, so \
            a restart keeps Services working; `--cleanup` removes them. Health endpoints: /healthz \
            (fails when the last sync failed or a change stayed unapplied for 60 s), /livez, /readyz; \
            port 10256 (kube-proxy's) when the config names neither a port nor a port file.
            """,
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: ArgumentHelp("Component config file (JSON) written by the supervisor.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Port of the health endpoints, overriding the config file's.")
    var securePort: Int?

    @Flag(name: .long, help: "Delete the proxy's nftables table and exit (the config is optional).")
    var cleanup = false

    @Option(name: .long, help: "With --cleanup and no --config: the table to delete (default swiftlet).")
    var table: String?

    @Option(name: .long, help: ArgumentHelp("Benchmark: generate and apply (in a private network namespace) a ruleset of this many Services, print timings and exit.", visibility: .hidden))
    var benchmarkServices: Int?

    @Option(name: .long, help: ArgumentHelp("Benchmark: endpoints per Service.", visibility: .hidden))
    var benchmarkEndpoints: Int = 10

    @Option(name: .long, help: ArgumentHelp("Benchmark: also write the ruleset to this file.", visibility: .hidden))
    var benchmarkOutput: String?

    public func run() async throws {
        if let count = benchmarkServices {
            guard count > 0, benchmarkEndpoints > 0 else { try fail("benchmark sizes must be positive") }
            do { try ProxyBenchmark.run(services: count, endpoints: benchmarkEndpoints, output: benchmarkOutput) } catch { try fail("\(error)") }
            return
        }
        let loaded: ComponentConfig?
        do {
            loaded = try config.map { try ComponentConfig.load(path: $0) }
        } catch {
            try fail("\(error)")
        }
        if cleanup {
            var options = loaded.map(ProxyApp.options) ?? RulesetOptions()
            if let table { options.tableName = table }
            do {
                try options.validate()
                try NFTables().cleanup(options: options)
            } catch {
                try fail("\(error)")
            }
            return
        }
        guard var settings = loaded else { try fail("--config is required (unless --cleanup)") }
        if let securePort {
            guard (1...65535).contains(securePort) else { try fail("--secure-port \(securePort) is not a port (1-65535)") }
            settings.securePort = securePort
        } else if settings.securePort == 0, settings.portFile == nil {
            settings.securePort = ProxyApp.defaultHealthPort
        }
        let config = settings
        let client: HTTPClient
        do {
            let clientConfig = try ClientConfig.load(kubeconfigPath: config.kubeconfig, userAgent: "swiftlet-proxy")
            client = try HTTPClient(config: clientConfig)
        } catch {
            try fail("cannot load kubeconfig \(config.kubeconfig): \(error)")
        }
        do {
            try await ComponentMain.run(component: "proxy", config: config) { health, logger in
                try await ProxyApp.run(config: config, client: client, health: health, logger: logger)
            }
        } catch {
            await client.shutdown()
            try fail("\(error)")
        }
        await client.shutdown()
    }

    /// A clear message on stderr and exit code 1.
    private func fail(_ message: String) throws -> Never {
        writeStandardError("swiftlet-proxy: error: \(message)\n")
        throw ExitCode.failure
    }
}
