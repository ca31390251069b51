import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import KubeAPI
import KubeHTTP
import KubeStore
import Logging
import SwiftletCore

/// Runs `swiftlet-apiserver` from its config: opens the datastore, serves HTTPS, creates the
/// bootstrap objects, and stops cleanly on SIGTERM/SIGINT (the datastore is closed last).
public enum APIServerMain {
    public static func run(config: APIServerConfig) async throws {
        MemoryTuning.limitArenas()
        var logger = Logger(label: "swiftlet-apiserver")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .warning

        let tls: TLSMaterial
        do {
            tls = TLSMaterial(certificateChainPEM: try readFile(config.tlsCertFile), privateKeyPEM: try readFile(config.tlsKeyFile),
                              clientCAPEM: try readFile(config.clientCAFile))
        }
        let directory = parentDirectory(of: config.databasePath)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var options = SQLiteStore.Options()
        options.retainWindow = .seconds(config.compactionRetainSeconds)
        options.retainRevisions = Int64(config.compactionRetainRevisions)
        options.compactionInterval = config.compactionIntervalSeconds > 0 ? .seconds(config.compactionIntervalSeconds) : nil
        let store = try SQLiteStore.open(path: config.databasePath, options: options)
        let api = try APIServer(config: config, store: store, logger: logger)
        let server = try await HTTPServer(
            configuration: .init(host: config.bindAddress, port: config.securePort, tls: tls,
                                 threads: config.eventLoopThreads ?? ProcessInfo.processInfo.activeProcessorCount),
            responder: api, logger: logger)
        try await api.bootstrap(servingPort: server.boundPort)
        if let portFile = config.portFile {
            try String(server.boundPort).write(toFile: portFile, atomically: true, encoding: .utf8)
        }
        logger.notice("serving", metadata: ["address": "\(config.bindAddress):\(server.boundPort)"])

        let serving = Task { try await server.run() }
        // The `kubernetes` Service's endpoints follow this server's address and port.
        let boundPort = server.boundPort
        let masterEndpoints = Task { await api.runMasterEndpoints(port: boundPort) }
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT]) {
            // Stop accepting, give requests in flight a moment, then end the rest (watches).
            Task {
                await server.shutdown()
                try? await Task.sleep(for: .seconds(2))
                serving.cancel()
            }
        }
        defer { signals.cancel() }
        try? await serving.value
        masterEndpoints.cancel()
        _ = await masterEndpoints.value
        await server.shutdownEventLoops()
        await store.close()
        logger.notice("stopped")
    }

    /// The directory part of `path`, as NSString's `deletingLastPathComponent` gives it:
    /// repeated and trailing slashes ignored, "/" for a file at the root, "" for a bare name.
    static func parentDirectory(of path: String) -> String {
        let absolute = path.hasPrefix("/")
        var components = path.split(separator: "/")
        guard components.popLast() != nil, !components.isEmpty else { return absolute ? "/" : "" }
        return (absolute ? "/" : "") + components.joined(separator: "/")
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read \(path)")
        }
        return Array(data)
    }
}

/// Calls `handler` once for the first of the given signals.
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
