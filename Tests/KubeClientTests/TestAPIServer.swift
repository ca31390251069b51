import APIServer
import Foundation
import KubeAPI
import KubeHTTP
import KubePKI
import KubeStore
import Logging
import SwiftletCore
@testable import KubeClient

/// A real API server in this process: generated PKI, a SQLite store in a temporary directory, HTTPS
/// on a free loopback port. `restart()` drops every connection and serves again on the same port.
final class TestAPIServer: @unchecked Sendable {
    let directory: String
    let pki: ClusterPKI
    let store: SQLiteStore
    let config: APIServerConfig
    private(set) var port: Int
    private var server: HTTPServer
    private var serving: Task<Void, any Error>

    static func start(host: String = "127.0.0.1") async throws -> TestAPIServer {
        let directory = NSTemporaryDirectory() + "swiftlet-client-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pki = try ClusterPKI.ensure(directory: directory + "/tls",
                                        options: PKIOptions(nodeName: "testnode", nodeIPs: ["127.0.0.1"]))
        var config = APIServerConfig(tlsCertFile: pki.serving.certificatePath, tlsKeyFile: pki.serving.keyPath,
                                     clientCAFile: pki.clientCA.certificatePath, databasePath: directory + "/state.db")
        config.bindAddress = host
        config.securePort = 0
        let store = try SQLiteStore.open(path: config.databasePath)
        let (server, serving) = try await serve(config: config, pki: pki, store: store, port: 0)
        return TestAPIServer(directory: directory, pki: pki, store: store, config: config, server: server, serving: serving)
    }

    private init(directory: String, pki: ClusterPKI, store: SQLiteStore, config: APIServerConfig,
                 server: HTTPServer, serving: Task<Void, any Error>) {
        self.directory = directory
        self.pki = pki
        self.store = store
        self.config = config
        self.server = server
        self.serving = serving
        self.port = server.boundPort
    }

    private static func serve(config: APIServerConfig, pki: ClusterPKI, store: SQLiteStore, port: Int) async throws
        -> (HTTPServer, Task<Void, any Error>) {
        var logger = Logger(label: "test-apiserver")
        logger.logLevel = ProcessInfo.processInfo.environment["CLIENT_TEST_DEBUG"] != nil ? .debug : .error
        let api = try APIServer(config: config, store: store, logger: logger)
        let tls = TLSMaterial(certificateChainPEM: Array(pki.serving.certificatePEM.utf8),
                              privateKeyPEM: Array(pki.serving.keyPEM.utf8),
                              clientCAPEM: Array(pki.clientCA.certificatePEM.utf8))
        let server = try await HTTPServer(configuration: .init(host: config.bindAddress, port: port, tls: tls, threads: 1),
                                          responder: api, logger: logger)
        try await api.bootstrap(servingPort: server.boundPort)
        let serving = Task { try await server.run() }
        return (server, serving)
    }

    /// Kills every connection (as a crashed apiserver would) and serves again on the same port.
    func restart() async throws {
        await server.shutdown()
        serving.cancel()
        await server.shutdownEventLoops()
        (server, serving) = try await Self.serve(config: config, pki: pki, store: store, port: port)
    }

    func stop() async {
        await server.shutdown()
        serving.cancel()
        await server.shutdownEventLoops()
        await store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var url: String { "https://\(config.bindAddress):\(port)" }

    /// A client config for the administrator identity.
    func clientConfig(_ identity: ClientIdentity = .admin) -> ClientConfig {
        let files = pki.client(identity)
        var config = ClientConfig(server: ServerAddress(host: config.bindAddress, port: port),
                                  certificateAuthorityPEM: Array(pki.serverCA.certificatePEM.utf8),
                                  clientCertificatePEM: Array(files.certificatePEM.utf8),
                                  clientKeyPEM: Array(files.keyPEM.utf8))
        config.requestTimeout = .seconds(20)
        return config
    }

    /// Writes an admin kubeconfig as the supervisor does.
    func writeKubeconfig(to path: String) throws {
        let files = pki.client(.admin)
        try Kubeconfig.write(to: path, clusterName: "test", server: url, caPEM: pki.serverCA.certificatePEM,
                             user: "system:admin", clientCertPEM: files.certificatePEM, clientKeyPEM: files.keyPEM)
    }
}

/// Runs `body` with a fresh server and an admin client, then tears both down.
func withServer(host: String = "127.0.0.1", _ configure: (inout ClientConfig) -> Void = { _ in },
                _ body: (TestAPIServer, HTTPClient) async throws -> Void) async throws {
    let server = try await TestAPIServer.start(host: host)
    var config = server.clientConfig()
    configure(&config)
    let client = try HTTPClient(config: config)
    do {
        // What the controllers' serviceaccount loop provides: pod creates are admitted only for an
        // existing ServiceAccount. (`try?`: tests of failing transports fail their own requests.)
        _ = try? await client.create(.serviceAccounts, namespace: "default", object: [
            "apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": "default"]])
        try await body(server, client)
    } catch {
        await client.shutdown()
        await server.stop()
        throw error
    }
    await client.shutdown()
    await server.stop()
}

func configMap(_ name: String, namespace: String = "default", data: JSON = ["k": "v"], labels: JSON? = nil) -> JSON {
    var metadata: JSON = ["name": .string(name), "namespace": .string(namespace)]
    if let labels { metadata["labels"] = labels }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data]
}

/// Reads events until `count` arrived or the stream ended.
func collect(_ stream: AsyncThrowingStream<WatchEvent, any Error>, count: Int) async throws -> [WatchEvent] {
    var events: [WatchEvent] = []
    for try await event in stream {
        events.append(event)
        if events.count == count { break }
    }
    return events
}
