import KubeHTTP
import KubePKI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// `HTTP1Client` over TLS to a real `HTTPServer` with a generated PKI: verification against the
/// cluster's server CA, fixed and streamed (chunked) bodies.
@Suite(.timeLimit(.minutes(1))) struct HTTP1ClientTLSTests {
    struct Responder: HTTPResponder {
        func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
            switch request.path {
            case "/fixed":
                try await writer.respond(status: .created, headers: ["X-Uri": request.uri, "X-Host": request.headers.first(name: "Host") ?? ""],
                                         body: Array("fixed body".utf8))
            case "/stream":
                try await writer.writeHead(status: .ok, headers: ["Content-Type": "text/plain"])
                for i in 0..<3 { try await writer.writeBody(Array("line \(i)\n".utf8)) }
                try await writer.end()
            default:
                try await writer.respond(status: .notFound, body: Array("nothing here".utf8))
            }
        }
    }

    static func withServer(_ body: (HTTPServer, NIOSSLContext) async throws -> Void) async throws {
        let pki = UpgradeRoundTripTests.pki
        let tls = TLSMaterial(certificateChainPEM: Array(pki.serving.certificatePEM.utf8), privateKeyPEM: Array(pki.serving.keyPEM.utf8),
                              clientCAPEM: nil)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, tls: tls, threads: 1),
                                          responder: Responder(), logger: logger)
        let task = Task { try await server.run() }
        var config = TLSConfiguration.makeClientConfiguration()
        config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.serverCA.certificatePEM.utf8)))
        config.applicationProtocols = ["http/1.1"]
        do {
            try await body(server, try NIOSSLContext(configuration: config))
        } catch {
            await UpgradeRoundTripTests.stop((server, task))
            throw error
        }
        await UpgradeRoundTripTests.stop((server, task))
    }

    @Test func fixedBodyOverVerifiedTLS() async throws {
        try await Self.withServer { server, tls in
            let answer = try await HTTP1Client.execute(
                HTTP1Request(host: "127.0.0.1", port: server.boundPort, target: "/fixed?a=1"), tls: tls, timeout: .seconds(5))
            #expect(answer.status == .created)
            #expect(answer.headers.first(name: "X-Uri") == "/fixed?a=1")
            #expect(answer.headers.first(name: "X-Host") == "127.0.0.1:\(server.boundPort)")
            #expect(try await answer.collect(upTo: 1000) == Array("fixed body".utf8))
        }
    }

    @Test func streamedBodyOverTLS() async throws {
        try await Self.withServer { server, tls in
            let answer = try await HTTP1Client.execute(
                HTTP1Request(host: "127.0.0.1", port: server.boundPort, target: "/stream"), tls: tls, timeout: .seconds(5))
            #expect(answer.headers[canonicalForm: "Transfer-Encoding"].contains("chunked"))
            var text = ""
            for try await buffer in answer.body { text += String(buffer: buffer) }
            #expect(text == "line 0\nline 1\nline 2\n")
        }
    }

    @Test func errorStatusKeepsItsBody() async throws {
        try await Self.withServer { server, tls in
            let answer = try await HTTP1Client.execute(
                HTTP1Request(host: "127.0.0.1", port: server.boundPort, target: "/missing"), tls: tls, timeout: .seconds(5))
            #expect(answer.status == .notFound)
            #expect(try await answer.collect(upTo: 1000) == Array("nothing here".utf8))
        }
    }

    /// A server whose certificate does not chain to the trusted CA is refused.
    @Test func untrustedServerIsRefused() async throws {
        try await Self.withServer { server, _ in
            var config = TLSConfiguration.makeClientConfiguration()
            let otherCA = UpgradeRoundTripTests.pki.clientCA.certificatePEM
            config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(otherCA.utf8)))
            let tls = try NIOSSLContext(configuration: config)
            await #expect(throws: (any Error).self) {
                try await HTTP1Client.execute(HTTP1Request(host: "127.0.0.1", port: server.boundPort, target: "/fixed"),
                                              tls: tls, timeout: .seconds(5))
            }
        }
    }
}
