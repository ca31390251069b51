import ArgumentParser
import ComponentKit
import ControllerManager
import KubeAPI
import KubeClient
import SwiftletCore

/// `swiftlet-controllers --config <file>`: the controller manager. The supervisor writes the
/// typed config (`ComponentConfig`); its `controllers` list selects the loops.
@main
struct Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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

    func run() async throws {
        let config: ComponentConfig
        let options: ControllerManagerOptions
        do {
            config = try ComponentConfig.load(path: self.config)
            options = try ControllerManagerOptions(config: config)
        } catch {
            throw ValidationError("\(error)")
        }
        let client: HTTPClient
        do {
            client = try HTTPClient(kubeconfigPath: config.kubeconfig, userAgent: "swiftlet-controllers")
        } catch {
            throw ValidationError("cannot load kubeconfig \(config.kubeconfig): \(error)")
        }
        try await ComponentMain.run(component: "controllers", config: config) { health, logger in
            defer { Task { await client.shutdown() } }
            let manager = try ControllerManager(client: client, options: options, logger: logger)
            try await manager.run(health: health)
        }
    }
}
