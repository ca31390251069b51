import ArgumentParser
import ComponentKit
import Foundation
import KubeAPI
import KubeClient
import SimulatedNodes
import SwiftletCore

/// `swiftlet-kubelet --config FILE`: the node agent. The `simulated` runtime runs
/// `simulatedNodes` hollow nodes in this process; `containerd` is not implemented yet.
@main
struct KubeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet-kubelet",
        abstract: "Kubernetes node agent (simulated runtime: many hollow nodes in one process).",
        discussion: """
            Reads a typed config file (JSON, as `swiftlet server` writes it). With \
            containerRuntime "simulated" it registers nodeName (or nodeName-0 ... nodeName-(N-1) for \
            simulatedNodes N > 1), renews their Leases in kube-node-lease and moves the pods bound to \
            them through Pending -> Running (-> Succeeded/Failed for pods with restartPolicy \
            Never/OnFailure). Pod annotations: swiftlet.io/simulated-duration (Go duration, default \
            1s), swiftlet.io/simulated-exit-code (default 0), swiftlet.io/simulated-ready ("false": \
            never ready), swiftlet.io/simulated-run ("false": left bound and Pending, as on \
            scheduler_perf's API-only nodes).
            """,
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: "Path of the component config file (JSON).")
    var config: String

    @Option(name: .long, help: "Port of the health endpoints, overriding the config file's (the supervisor pins a restart to the port it had).")
    var securePort: Int?

    func run() async throws {
        var loaded: ComponentConfig
        do {
            loaded = try ComponentConfig.load(path: self.config)
        } catch {
            fail("\(error)")
        }
        if let securePort {
            guard (1...65535).contains(securePort) else { fail("--secure-port \(securePort) is not a port (1-65535)") }
            loaded.securePort = securePort
        }
        let config = loaded
        switch config.containerRuntime {
        case "simulated":
            break
        case "containerd":
            fail("containerRuntime \"containerd\" is not implemented yet in this build (the real node agent is a later issue); use containerRuntime \"simulated\"")
        default:
            fail("unknown containerRuntime \"\(config.containerRuntime)\" in \(self.config) (expected \"simulated\" or \"containerd\")")
        }
        guard config.simulatedNodes >= 1 else {
            fail("simulatedNodes must be at least 1 with the simulated runtime (got \(config.simulatedNodes))")
        }
        let nodeName = config.nodeName ?? ProcessInfo.processInfo.hostName.lowercased()
        let client: HTTPClient
        do {
            client = try makeAPIClient(kubeconfig: config.kubeconfig, nodes: config.simulatedNodes)
        } catch {
            fail("cannot create the API client from \(config.kubeconfig): \(error)")
        }
        let options = {
            var options = SimulatedNodesOptions(nodeName: nodeName, count: config.simulatedNodes)
            options.workers = min(16, max(2, config.simulatedNodes / 8))
            return options
        }()
        // Nodes and Leases stay on the server when this stops: the node lifecycle controller then
        // marks the nodes NotReady, as for a real kubelet that went away.
        let outcome: Result<Void, any Error>
        do {
            try await ComponentMain.run(component: "kubelet", config: config) { health, logger in
                let kubelet = SimulatedKubelet(client: client, options: options, logger: logger, health: health)
                try await kubelet.run()
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await client.shutdown()
        try outcome.get()
    }

    /// Prints `swiftlet-kubelet: <message>` on stderr and exits 1.
    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("swiftlet-kubelet: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
