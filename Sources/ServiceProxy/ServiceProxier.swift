import Logging
import Synchronization
import SwiftletJSON

/// One proxy sync: Services and EndpointSlices in, the table replaced by nft.
public final class ServiceProxier: Sendable {
    /// What a sync did (for logs and the benchmark).
    public struct SyncReport: Sendable {
        public var servicePorts: Int
        public var endpoints: Int
        public var skipped: [SkippedObject]
        public var rulesetBytes: Int
        public var generation: Duration
        public var apply: Duration
    }

    public let generator: RulesetGenerator
    public let nft: NFTables
    private let logger: Logger
    /// Skipped objects already logged, so a bad Service is reported once, not on every sync.
    private let reported = Mutex<Set<SkippedObject>>([])
    /// What the last successful sync left in the table; nil until then and after a failure, so
    /// the next sync replaces the table whole (whatever happened to it meanwhile).
    private let applied = Mutex<RulesetInventory?>(nil)

    /// - Throws: `ProxyError` for options the ruleset cannot hold.
    public init(options: RulesetOptions, nft: NFTables = NFTables(), logger: Logger) throws(ProxyError) {
        try options.validate()
        self.generator = RulesetGenerator(options: options)
        self.nft = nft
        self.logger = logger
    }

    /// Builds the model, writes the ruleset and applies it in one nft transaction.
    /// - Throws: `ProxyError` when nft is missing or refuses the ruleset (the old rules stay).
    @discardableResult
    public func sync(services: [JSON], endpointSlices: [JSON]) throws(ProxyError) -> SyncReport {
        let clock = ContinuousClock()
        let started = clock.now
        let model = ProxyModel.build(services: services, endpointSlices: endpointSlices)
        let previous = applied.withLock { $0 }
        var (text, inventory) = generator.generate(model, previous: previous)
        let generated = clock.now
        logSkipped(model.skipped)
        do {
            try nft.apply(text)
        } catch where previous != nil {
            // The table is not what the last sync left (deleted or changed by hand): replace it whole.
            logger.info("in-place update refused; replacing the table", metadata: ["error": "\(error)"])
            (text, inventory) = generator.generate(model, previous: nil)
            do {
                try nft.apply(text)
            } catch {
                applied.withLock { $0 = nil }
                throw error
            }
        }
        applied.withLock { $0 = inventory }
        let report = SyncReport(
            servicePorts: model.ports.count, endpoints: model.ports.reduce(0) { $0 + $1.endpoints.count },
            skipped: model.skipped, rulesetBytes: text.utf8.count,
            generation: generated - started, apply: clock.now - generated)
        logger.debug("synced service rules", metadata: [
            "servicePorts": "\(report.servicePorts)", "endpoints": "\(report.endpoints)",
            "generation": "\(report.generation)", "apply": "\(report.apply)",
        ])
        return report
    }

    /// Deletes the proxy's table (`swiftlet-proxy --cleanup`); no error when it is absent.
    public func cleanup() throws(ProxyError) {
        applied.withLock { $0 = nil }
        try nft.cleanup(options: generator.options)
    }

    private func logSkipped(_ skipped: [SkippedObject]) {
        let fresh: [SkippedObject] = reported.withLock { seen in
            let current = Set(skipped)
            defer { seen = current }
            return skipped.filter { !seen.contains($0) }
        }
        for item in fresh {
            logger.warning("object not proxied", metadata: ["kind": "\(item.kind)", "object": "\(item.key)", "reason": "\(item.reason)"])
        }
    }
}
