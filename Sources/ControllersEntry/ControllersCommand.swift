import ArgumentParser
import ComponentKit
import ControllerManager
import KubeAPI
import KubeClient
import SwiftletCore

/// `swiftlet-controllers --config <file>`: the controller manager. The supervisor writes the
/// typed config (`ComponentConfig`); its `controllers` list selects the loops.
public struct ControllersCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet-controllers",
        abstract: "Kubernetes controller manager: workload, node and endpoint controllers.",
        discussion: """
            Runs the control loops named in the config's `controllers` list (all when absent; \
            "*" for all, "-name" disables one). Loops: \
            \(ControllerName.allCases.map(\.rawValue).joined(separator: ", ")).
            """,
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: "Component config file (JSON) written by the supervisor.")
    var config: String

    @Option(name: .long, help: "Port of the health endpoints, overriding the config file's (the supervisor pins a restart to the port it had).")
    var securePort: Int?

    public func run() async throws {
        var loaded: ComponentConfig
        var options: ControllerManagerOptions
        do {
            loaded = try ComponentConfig.load(path: self.config)
            options = try ControllerManagerOptions(config: loaded)
        } catch {
            throw ValidationError("\(error)")
        }
        if let securePort {
            guard (1...65535).contains(securePort) else { throw ValidationError("--secure-port \(securePort) is not a port (1-65535)") }
            loaded.securePort = securePort
        }
        let config = loaded
        let client: HTTPClient
        do {
            var clientConfig = try ClientConfig.load(kubeconfigPath: config.kubeconfig, userAgent: "swiftlet-controllers")
            // A ReplicaSet of 1,000 pods is 1,000 creates plus as many events, then status updates:
            // at the client default of 50 qps that alone takes 40 s.
            clientConfig.qps = 500
            clientConfig.burst = 1_000
            client = try HTTPClient(config: clientConfig)
            // The bundle the kubeconfig trusts is the one pods need to verify the API server.
            options.rootCACertificatePEM = clientConfig.certificateAuthorityPEM.map { String(decoding: $0, as: UTF8.self) }
        } catch {
            throw ValidationError("cannot load kubeconfig \(config.kubeconfig): \(error)")
        }
        let managerOptions = options
        try await ComponentMain.run(component: "controllers", config: config) { health, logger in
            defer { Task { await client.shutdown() } }
            let manager = try ControllerManager(client: client, options: managerOptions, logger: logger)
            try await manager.run(health: health)
        }
    }
}
