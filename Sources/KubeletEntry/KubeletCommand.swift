import ArgumentParser
import ComponentKit
import ContainerdSupport
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import CRI
import NodeAgent
import SimulatedNodes
import SwiftletCore
import SwiftletSystem

/// `swiftlet-kubelet --config FILE`: the node agent. The `containerd` runtime runs this node's
/// pods on containerd over CRI; the `simulated` runtime runs `simulatedNodes` hollow nodes.
public struct KubeletCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet-kubelet",
        abstract: "Kubernetes node agent: pods on containerd over CRI, or many simulated nodes in one process.",
        discussion: """
            Reads a typed config file (JSON, as `swiftlet server` writes it). With containerRuntime \
            "containerd" it connects to containerRuntimeEndpoint, imports <agentDirectory>/images, \
            registers the node, writes the CNI config for its spec.podCIDR and runs the pods bound \
            to it. With \
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

    public func run() async throws {
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
            try await runContainerd(config)
            return
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

    /// The real node: CRI client, API client, then the agent until a stop signal.
    private func runContainerd(_ config: ComponentConfig) async throws {
        guard let endpoint = config.containerRuntimeEndpoint, !endpoint.isEmpty else {
            fail("containerRuntime \"containerd\" needs containerRuntimeEndpoint (the CRI socket) in \(self.config)")
        }
        guard let agentDirectory = config.agentDirectory, !agentDirectory.isEmpty else {
            fail("containerRuntime \"containerd\" needs agentDirectory in \(self.config)")
        }
        let socket = endpoint.hasPrefix("unix://") ? String(endpoint.dropFirst("unix://".count)) : endpoint
        var options = NodeAgentOptions(nodeName: config.nodeName ?? ProcessInfo.processInfo.hostName.lowercased(),
                                       agentDirectory: agentDirectory, cniConfDirectory: config.cniConfDirectory)
        options.controlPlane = config.controlPlane
        options.clusterCIDR = config.clusterCIDR
        if let text = config.evictionHard {
            do {
                options.evictionHard = try EvictionThresholds(parsing: text)
            } catch {
                fail("evictionHard in \(self.config): \(error)")
            }
        }
        if let seconds = config.evictionPressureTransitionPeriodSeconds {
            options.evictionPressureTransitionPeriod = .seconds(seconds)
        }
        options.nodeIP = config.nodeIP
        options.clusterDNS = config.clusterDNS.map { [$0] } ?? []
        options.clusterDomain = config.clusterDomain
        options.resolvConfPath = config.upstreamResolvConf
        if let size = config.containerLogMaxSize { options.containerLogMaxSize = size }
        if let files = config.containerLogMaxFiles { options.containerLogMaxFiles = max(2, files) }
        // Read once, as containerd's hosts.toml files are written once (K3s: restart to apply).
        if let path = config.privateRegistry, FileManager.default.fileExists(atPath: path) {
            do {
                options.registries = try RegistriesConfig.load(path: path)
            } catch {
                fail("privateRegistry in \(self.config): \(error)")
            }
        }
        let client: HTTPClient
        do {
            client = try makeAPIClient(kubeconfig: config.kubeconfig)
        } catch {
            fail("cannot create the API client from \(config.kubeconfig): \(error)")
        }
        let baseOptions = options
        let outcome: Result<Void, any Error>
        do {
            try await ComponentMain.run(component: "kubelet", config: config) { health, server, logger in
                var agentOptions = baseOptions
                agentOptions.kubeletPort = server.boundPort
                // containerd may still be starting: connect() fails fast on a missing socket.
                var runtime: ContainerRuntimeClient?
                while runtime == nil {
                    do {
                        runtime = try await ContainerRuntimeClient.connect(socketPath: socket, logger: logger)
                    } catch {
                        logger.info("waiting for the CRI socket", metadata: ["socket": "\(socket)", "error": "\(error)"])
                        try await Task.sleep(for: .milliseconds(500))
                    }
                }
                guard let runtime else { return }
                let agent = NodeAgent(client: client, runtime: runtime, options: agentOptions, logger: logger, health: health)
                server.install(KubeletAPI(agent: agent), authorizer: .kubeletAPI)
                do {
                    try await agent.run()
                } catch {
                    await runtime.shutdown()
                    throw error
                }
                await runtime.shutdown()
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
        writeStandardError("swiftlet-kubelet: \(message)\n")
        Glibc.exit(1)
    }
}
