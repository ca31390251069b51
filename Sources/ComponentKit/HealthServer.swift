import FoundationEssentials
import KubeHTTP
import Logging
import NIOHTTP1
import Synchronization
import SwiftletCore

/// Named health checks a component updates as it runs (`informers-synced`, `leader-election`...).
/// `/readyz` passes when every readiness check passes, `/healthz` and `/livez` when every
/// liveness check does; `?verbose` lists them as Kubernetes components do.
public final class HealthChecks: Sendable {
    private let state = Mutex<(ready: [String: Bool], live: [String: Bool])>(([:], [:]))

    public init() {}

    public func setReady(_ name: String, _ passing: Bool) { state.withLock { $0.ready[name] = passing } }
    public func setLive(_ name: String, _ passing: Bool) { state.withLock { $0.live[name] = passing } }

    var snapshot: (ready: [String: Bool], live: [String: Bool]) { state.withLock { $0 } }
}

/// A component's own HTTPS endpoints: `/healthz`, `/livez`, `/readyz` (what the supervisor
/// probes with its client certificate). The bound port is written to the config's port file.
public final class HealthServer: Sendable {
    public let checks: HealthChecks
    public let boundPort: Int
    /// The slot for the component's API on the same port (see `ComponentServer`).
    public let api: ComponentServer
    private let server: HTTPServer
    private let serving: Task<Void, Never>

    /// Binds `config.bindAddress:config.securePort` with the config's serving certificate.
    public static func start(config: ComponentConfig, checks: HealthChecks, logger: Logger) async throws -> HealthServer {
        let tls = TLSMaterial(
            certificateChainPEM: try readFile(config.tlsCertFile), privateKeyPEM: try readFile(config.tlsKeyFile),
            clientCAPEM: try readFile(config.clientCAFile))
        let slot = ComponentSlot()
        let server = try await HTTPServer(
            configuration: .init(host: config.bindAddress, port: config.securePort, tls: tls, threads: 1),
            responder: HealthResponder(checks: checks, slot: slot), logger: logger)
        let api = ComponentServer(boundPort: server.boundPort)
        slot.set(api)
        if let portFile = config.portFile {
            try "\(server.boundPort)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
        }
        let serving = Task { _ = try? await server.run() }
        return HealthServer(checks: checks, boundPort: server.boundPort, api: api, server: server, serving: serving)
    }

    private init(checks: HealthChecks, boundPort: Int, api: ComponentServer, server: HTTPServer, serving: Task<Void, Never>) {
        self.checks = checks
        self.boundPort = boundPort
        self.api = api
        self.server = server
        self.serving = serving
    }

    public func stop() async {
        await server.shutdown()
        serving.cancel()
        await server.shutdownEventLoops()
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("cannot read \(path)") }
        return Array(data)
    }
}

/// The server exists before the `ComponentServer` that reports its port: this breaks the cycle.
final class ComponentSlot: Sendable {
    private let server = Mutex<ComponentServer?>(nil)
    func set(_ value: ComponentServer) { server.withLock { $0 = value } }
    var value: ComponentServer? { server.withLock { $0 } }
}

/// Health paths answer without credentials (probes and load balancers); every other path goes to
/// the installed API after its authorizer, else 404.
struct HealthResponder: HTTPResponder {
    let checks: HealthChecks
    let slot: ComponentSlot

    func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
        let snapshot = checks.snapshot
        let (name, results): (String, [String: Bool])
        switch request.path {
        case "/readyz": (name, results) = ("readyz", snapshot.ready.merging(snapshot.live) { $0 && $1 })
        case "/healthz": (name, results) = ("healthz", snapshot.live)
        case "/livez": (name, results) = ("livez", snapshot.live)
        default:
            guard let api = slot.value?.current else {
                try await writer.respond(status: .notFound, body: Array("404 page not found\n".utf8))
                return
            }
            switch api.authorizer.authorize(request) {
            case .failure(let error): try await writer.respond(error: error)
            case .success: try await api.responder.respond(to: request, writer: writer)
            }
            return
        }
        let passing = results.values.allSatisfy { $0 }
        let verbose = request.queryItems.contains { $0.name == "verbose" }
        var text: String
        if verbose {
            text = "[+]ping ok\n"
            for (check, ok) in results.sorted(by: { $0.key < $1.key }) {
                text += ok ? "[+]\(check) ok\n" : "[-]\(check) failed: reason withheld\n"
            }
            text += passing ? "\(name) check passed\n" : "\(name) check failed\n"
        } else {
            text = passing ? "ok" : "\(name) check failed\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        try await writer.respond(status: passing ? .ok : .internalServerError, headers: headers, body: Array(text.utf8))
    }
}
