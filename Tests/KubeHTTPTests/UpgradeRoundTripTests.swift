import Foundation
import KubeHTTP
import KubePKI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// Real upgrades over loopback TLS: `HTTPServer` hands the connection to a responder, which
/// echoes, proxies (UpgradeProxy + splice) or tunnels a WebSocket to a raw backend.
@Suite(.serialized) struct UpgradeRoundTripTests {
    /// Echoes raw bytes after a 101; answers 400 to anything that is not an upgrade.
    struct Echo: HTTPResponder {
        func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
            guard request.isUpgradeRequest, let upgrader = request.upgrader else {
                return try await writer.respond(status: .badRequest, headers: ["Content-Type": "text/plain"], body: Array("no upgrade".utf8))
            }
            let connection = try await upgrader.takeOver(head: HTTPResponseHead(
                version: .http1_1, status: .switchingProtocols, headers: ["Upgrade": "echo", "Connection": "Upgrade"]))
            while let buffer = try await connection.read() { try await connection.write(buffer) }
            await connection.close()
        }
    }

    /// Forwards every upgrade to `backend` (as the apiserver and kubelet do).
    struct Proxy: HTTPResponder {
        let backend: UpgradeClient.Target
        let websocketTunnel: Bool

        func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
            let head = UpgradeProxy.backendHead(method: .GET, uri: "/echo", host: "127.0.0.1",
                                                clientHeaders: ["Connection": "Upgrade", "Upgrade": "echo"])
            if websocketTunnel {
                let answer = try #require(WebSocketTunnel.handshakeResponse(requestHeaders: request.headers, subprotocol: "test"))
                guard case .upgraded(_, let raw) = try await UpgradeClient.upgrade(to: backend, head: head) else {
                    Issue.record("backend refused")
                    return
                }
                let client = try await request.upgrader!.takeOver(head: answer)
                await WebSocketTunnel.run(client: client, backend: raw)
            } else {
                try await UpgradeProxy.proxy(request, writer: writer, to: backend, head: head)
            }
        }
    }

    static let pki: ClusterPKI = {
        let directory = NSTemporaryDirectory() + "swiftlet-kubehttp-\(UUID().uuidString)"
        return try! ClusterPKI.ensure(directory: directory, options: PKIOptions(nodeName: "testnode", nodeIPs: ["127.0.0.1"]))
    }()

    static func start(_ responder: any HTTPResponder) async throws -> (HTTPServer, Task<Void, any Error>) {
        let tls = TLSMaterial(certificateChainPEM: Array(pki.serving.certificatePEM.utf8), privateKeyPEM: Array(pki.serving.keyPEM.utf8),
                              clientCAPEM: nil)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, tls: tls, threads: 1),
                                          responder: responder, logger: logger)
        return (server, Task { try await server.run() })
    }

    static func target(_ server: HTTPServer) throws -> UpgradeClient.Target {
        var config = TLSConfiguration.makeClientConfiguration()
        config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.serverCA.certificatePEM.utf8)))
        config.applicationProtocols = ["http/1.1"]
        return UpgradeClient.Target(host: "127.0.0.1", port: server.boundPort, tls: try NIOSSLContext(configuration: config))
    }

    static func stop(_ servers: (HTTPServer, Task<Void, any Error>)...) async {
        for (server, task) in servers {
            await server.shutdown()
            task.cancel()
            _ = await task.result
            await server.shutdownEventLoops()
        }
    }

    static let upgradeHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/",
                                             headers: ["Host": "127.0.0.1", "Connection": "Upgrade", "Upgrade": "echo"])

    /// Reads until `count` bytes came (or the peer closed).
    static func read(_ connection: RawConnection, count: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count, let buffer = try await connection.read() { out += buffer.readableBytesView }
        return out
    }

    @Test func upgradedConnectionCarriesBytesBothWays() async throws {
        let echo = try await Self.start(Echo())
        defer { Task { await Self.stop(echo) } }
        guard case .upgraded(let head, let connection) = try await UpgradeClient.upgrade(to: Self.target(echo.0), head: Self.upgradeHead) else {
            Issue.record("not upgraded")
            return
        }
        #expect(head.headers.first(name: "Upgrade") == "echo")
        try await connection.write(Array("hello".utf8))
        #expect(try await Self.read(connection, count: 5) == Array("hello".utf8))
        await connection.closeOutput()
        await connection.close()
    }

    @Test func refusalComesBackWithItsBody() async throws {
        let echo = try await Self.start(Echo())
        defer { Task { await Self.stop(echo) } }
        let plain = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "127.0.0.1"])
        guard case .refused(let head, let body) = try await UpgradeClient.upgrade(to: Self.target(echo.0), head: plain) else {
            Issue.record("upgraded without asking")
            return
        }
        #expect(head.status == .badRequest)
        #expect(body == Array("no upgrade".utf8))
    }

    @Test func connectingToAClosedPortFailsPromptly() async throws {
        let (server, task) = try await Self.start(Echo())
        let target = try Self.target(server)
        await Self.stop((server, task))
        await #expect(throws: (any Error).self) { try await UpgradeClient.upgrade(to: target, head: Self.upgradeHead) }
    }

    /// A megabyte through proxy -> echo and back: splice with backpressure keeps every byte in order.
    @Test(arguments: 0..<3)
    func proxiedUpgradeSplicesLargeTransfers(run: Int) async throws {
        let echo = try await Self.start(Echo())
        let proxy = try await Self.start(Proxy(backend: try Self.target(echo.0), websocketTunnel: false))
        defer { Task { await Self.stop(proxy, echo) } }
        guard case .upgraded(_, let connection) = try await UpgradeClient.upgrade(to: Self.target(proxy.0), head: Self.upgradeHead) else {
            Issue.record("not upgraded")
            return
        }
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        async let received = Self.read(connection, count: payload.count)
        for start in stride(from: 0, to: payload.count, by: 50_000) {
            try await connection.write(payload[start..<min(start + 50_000, payload.count)])
        }
        #expect(try await received == payload)
        await connection.close()
    }

    /// A WebSocket client's binary messages reach a raw backend and its bytes come back as
    /// binary messages; pings get pongs, a close is answered.
    @Test func websocketTunnelFramesBothWays() async throws {
        let echo = try await Self.start(Echo())
        let tunnel = try await Self.start(Proxy(backend: try Self.target(echo.0), websocketTunnel: true))
        defer { Task { await Self.stop(tunnel, echo) } }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: [
            "Host": "127.0.0.1", "Connection": "Upgrade", "Upgrade": "websocket",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "test",
        ])
        guard case .upgraded(let answer, let connection) = try await UpgradeClient.upgrade(to: Self.target(tunnel.0), head: head) else {
            Issue.record("not upgraded")
            return
        }
        #expect(answer.headers.first(name: "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        var reader = WebSocketTunnel.FrameReader()
        func nextFrame() async throws -> WebSocketTunnel.Frame? {
            var pending: [WebSocketTunnel.Frame] = []
            while pending.isEmpty, let bytes = try await connection.read() { pending = try reader.feed(bytes) }
            return pending.first
        }
        try await connection.write(WebSocketFrameTests.masked(0x2, Array("abc".utf8)))
        let data = try #require(try await nextFrame())
        #expect(data.opcode == .binary)
        #expect(Array(data.payload.readableBytesView) == Array("abc".utf8))
        try await connection.write(WebSocketFrameTests.masked(0x9, [9, 9]))
        let pong = try #require(try await nextFrame())
        #expect(pong.opcode == .pong)
        #expect(Array(pong.payload.readableBytesView) == [9, 9])
        try await connection.write(WebSocketFrameTests.masked(0x8, [0x03, 0xE8]))
        let close = try #require(try await nextFrame())
        #expect(close.opcode == .connectionClose)
        #expect(try await connection.read() == nil)
    }
}
