#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import SwiftletCore
import SwiftletJSON

/// What every component executable does around its work: a logger at the configured level, the
/// health endpoints, and a clean stop on SIGTERM/SIGINT (the work task is cancelled and awaited).
public enum ComponentMain {
    /// Runs `work` until it returns or a stop signal arrives.
    public static func run(
        component: String, config: ComponentConfig,
        work: @escaping @Sendable (_ health: HealthChecks, _ logger: Logger) async throws -> Void
    ) async throws {
        try await run(component: component, config: config) { health, _, logger in try await work(health, logger) }
    }

    /// Runs `work` until it returns or a stop signal arrives; `server` lets the work serve its own
    /// API on the component's secure port (`ComponentServer.install`) and tells the bound port.
    public static func run(
        component: String, config: ComponentConfig,
        work: @escaping @Sendable (_ health: HealthChecks, _ server: ComponentServer, _ logger: Logger) async throws -> Void
    ) async throws {
        MemoryTuning.limitArenas()
        MemoryTuning.trimPeriodically(every: 10)
        JSONStringInterning.enable()
        let logger = makeLogger(component: component, level: config.logLevel)
        let checks = HealthChecks()
        let health = try await HealthServer.start(config: config, checks: checks, logger: logger)
        logger.info("serving health endpoints", metadata: ["port": "\(health.boundPort)"])
        let task = Task { try await work(checks, health.api, logger) }
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.info("received signal \(number); stopping")
                task.cancel()
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let result = await task.result
        await health.stop()
        if case .failure(let error) = result, !(error is CancellationError) { throw error }
    }

    /// Structured lines on stderr (journald gives them the component's identifier), quiet by default.
    public static func makeLogger(component: String, level: String) -> Logger {
        var logger = Logger(label: "swiftlet-\(component)") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = Logger.Level(configName: level)
        return logger
    }
}

extension Logger.Level {
    /// The config file's level names (`warning` by default).
    public init(configName: String) {
        switch configName.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "error": self = .error
        case "critical": self = .critical
        default: self = .warning
        }
    }
}
