import ArgumentParser
import ComponentKit
import FoundationEssentials
import KubeClient
import SchedulerRuntime
import SwiftletCore
import SwiftletSystem

/// `swiftlet-scheduler --config FILE`: the supervisor writes the file (ComponentConfig JSON).
public struct SchedulerCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet-scheduler",
        abstract: "Kubernetes scheduler: assigns pods to nodes.",
        discussion: """
            Watches pods, nodes, namespaces and priority classes, and binds each pending pod with \
            schedulerName default-scheduler to a node that fits. With leaderElect (default) only the \
            holder of the kube-scheduler Lease schedules. Health endpoints: /healthz, /livez, /readyz.
            """,
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: ArgumentHelp("Component config file (JSON) written by the supervisor.", valueName: "file"))
    var config: String

    @Option(name: .long, help: "Port of the health endpoints, overriding the config file's (the supervisor pins a restart to the port it had).")
    var securePort: Int?

    public func run() async throws {
        var config: ComponentConfig
        do {
            config = try SchedulerApp.loadConfig(path: self.config)
        } catch {
            try fail("\(error)")
        }
        if let securePort {
            guard (1...65535).contains(securePort) else { try fail("--secure-port \(securePort) is not a port (1-65535)") }
            config.securePort = securePort
        }
        let settings = config
        let client: HTTPClient
        do {
            var clientConfig = try ClientConfig.load(kubeconfigPath: config.kubeconfig, userAgent: SchedulerApp.userAgent)
            // Every bound pod costs two writes (the binding and its Scheduled event): the client
            // default of 50 qps would cap scheduling near 25 pods/s, far below the 500 pods/s target.
            clientConfig.qps = 2_000
            clientConfig.burst = 4_000
            client = try HTTPClient(config: clientConfig)
        } catch {
            try fail("\(error)")
        }
        do {
            try await ComponentMain.run(component: SchedulerApp.component, config: settings) { health, logger in
                try await SchedulerApp.run(config: settings, client: client, health: health, logger: logger)
            }
        } catch {
            await client.shutdown()
            try fail("\(error)")
        }
        await client.shutdown()
    }

    /// A clear message on stderr and exit code 1 (ArgumentParser's usage errors would exit 64).
    private func fail(_ message: String) throws -> Never {
        writeStandardError("swiftlet-scheduler: error: \(message)\n")
        throw ExitCode.failure
    }
}
