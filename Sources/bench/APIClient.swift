import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Which HTTP version a client uses towards the server.
enum WireProtocol: String, Sendable, CaseIterable {
    /// One keep-alive connection per concurrent client.
    case http1 = "HTTP/1.1"
    /// Requests multiplexed as streams over one connection (ALPN h2).
    case http2 = "HTTP/2"
}

/// A thin AsyncHTTPClient wrapper speaking mutual TLS to the benchmarked apiserver.
struct APIClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    let proto: WireProtocol

    /// `connections` bounds the HTTP/1.1 pool; HTTP/2 uses one connection regardless.
    init(pki: TestPKI, baseURL: String, proto: WireProtocol, connections: Int) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caFile))
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(pki.clientCertFile).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: pki.clientKeyFile, format: .pem))
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.httpVersion = proto == .http1 ? .http1Only : .automatic
        configuration.connectionPool = .init(idleTimeout: .seconds(120),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(connections, 1))
        configuration.decompression = .disabled
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.baseURL = baseURL
        self.proto = proto
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request and reads the whole body; a status other than `expect` is an error.
    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil,
              contentType: String = "application/json", expect: HTTPResponseStatus) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 512 << 20)
        guard response.status == expect else {
            throw BenchError("\(method) \(path): expected \(expect.code), got \(response.status.code): "
                + String(buffer: bytes).prefix(300))
        }
        return bytes
    }

    /// Opens a streaming request (a watch) and returns the response once its head arrived.
    func stream(_ path: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await http.execute(request, timeout: .seconds(600))
        guard response.status == .ok else {
            let bytes = try await response.body.collect(upTo: 1 << 20)
            throw BenchError("GET \(path): \(response.status.code) \(String(buffer: bytes).prefix(300))")
        }
        return response
    }

    /// Polls `/readyz` until it answers 200; connection errors count as not ready.
    func waitReady(timeout: Duration, pollEvery: Duration = .milliseconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer"
        while ContinuousClock.now < deadline {
            do {
                var request = HTTPClientRequest(url: baseURL + "/readyz")
                request.method = .GET
                let response = try await http.execute(request, timeout: .seconds(2))
                _ = try await response.body.collect(upTo: 1 << 20)
                if response.status == .ok { return }
                last = "status \(response.status.code)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: pollEvery)
        }
        throw BenchError("/readyz not 200 within \(timeout): \(last)")
    }
}

/// Field extraction from a JSON response without a full model.
enum JSONFields {
    static func object(_ buffer: ByteBuffer) -> [String: Any]? {
        let data = Data(buffer.readableBytesView)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func resourceVersion(_ object: [String: Any]?) -> String? {
        (object?["metadata"] as? [String: Any])?["resourceVersion"] as? String
    }
}
