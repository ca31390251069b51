import ComponentKit
import KubeAPI
import KubeClient
import Logging
import SwiftletCore

/// Why the scheduler process stops on its own.
public struct SchedulerRunError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// Upstream exits when it loses the lease: its assumed pods and in-flight bindings belong to
    /// a term that ended, and a fresh process (restarted by the supervisor) starts clean.
    public static let leadershipLost = SchedulerRunError("leader election lost")
}

/// What `swiftlet-scheduler` does once its config is read: informers, then (as the lease holder
/// when `leaderElect`) the scheduling loop, reporting through the health checks
/// `informers-synced` (readiness) and `leader-election` (liveness).
public enum SchedulerApp {
    /// The component name (logs, `source.component` of events is the scheduler name).
    public static let component = "scheduler"
    /// Upstream's lease name.
    public static let leaseName = "kube-scheduler"
    public static let userAgent = "swiftlet-scheduler"

    /// Reads the `--config` file; the error names the file and the problem.
    public static func loadConfig(path: String) throws -> ComponentConfig {
        guard !path.isEmpty else { throw ConfigError("--config must name a file") }
        return try ComponentConfig.load(path: path)
    }

    /// The Lease `kube-scheduler` in `config.leaseNamespace`, held as `config.resolvedIdentity`.
    public static func leaderElectionConfig(_ config: ComponentConfig) -> LeaderElectionConfig {
        LeaderElectionConfig(leaseNamespace: config.leaseNamespace, leaseName: leaseName, identity: config.resolvedIdentity)
    }

    /// Runs until cancelled (returns) or until leadership is lost (throws `leadershipLost`).
    public static func run(config: ComponentConfig, client: any KubeAPIClient, health: HealthChecks, logger: Logger,
                           options: SchedulerOptions = SchedulerOptions(),
                           election: LeaderElectionConfig? = nil) async throws {
        health.setReady("informers-synced", false)
        health.setLive("leader-election", true)
        let driver = SchedulerDriver(client: client, options: options, logger: logger)
        defer { driver.stopInformers() }
        guard await driver.startInformers() else { return }  // cancelled while syncing
        health.setReady("informers-synced", true)
        logger.info("caches synced")

        guard config.leaderElect else {
            await driver.runSchedulingLoop()
            return
        }
        let elector = LeaderElector(client: client, config: election ?? leaderElectionConfig(config))
        logger.info("waiting for the lease", metadata: ["lease": "\(elector.config.leaseNamespace)/\(elector.config.leaseName)",
                                                         "identity": "\(elector.config.identity)"])
        try await elector.run(onStartedLeading: {
            logger.info("became leader; scheduling")
            await driver.runSchedulingLoop()
        })
        if Task.isCancelled { return }
        health.setLive("leader-election", false)
        logger.error("lost the lease; exiting")
        throw SchedulerRunError.leadershipLost
    }
}
