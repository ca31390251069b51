import Foundation
import Glibc
import Synchronization
import Testing
@testable import Supervision

/// The OpenSSL health probe against a real `swiftlet-testchild` HTTPS server (mutual TLS with the
/// cluster PKI), and against sockets that refuse or never answer.
@Suite(.serialized, .enabled(if: TestChildFixture.binary != nil && TestChildFixture.pki != nil,
                             "swiftlet-testchild is not built; run `swift build --product swiftlet-testchild`"))
struct ReadinessProbeTests {
    /// One child for the whole suite: /readyz answers 503 (it is "ready" only after 10 minutes),
    /// /healthz 200, anything else 404.
    static let child: TestChildServer? = try? TestChildServer.start(["--ready-after-ms", "600000"])

    @Test(arguments: [("/healthz", 200), ("/readyz", 503), ("/nowhere", 404)])
    func statusOfAPath(path: String, expected: Int) async throws {
        let child = try #require(Self.child)
        let probe = try TestChildFixture.probe()
        #expect(try await probe.status(host: "127.0.0.1", port: child.port, path: path, timeout: .seconds(10)) == expected)
    }

    @Test func manyProbesAtOnceShareOneContext() async throws {
        let child = try #require(Self.child)
        let probe = try TestChildFixture.probe()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask { try await probe.status(host: "127.0.0.1", port: child.port, path: "/healthz", timeout: .seconds(10)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 16))
    }

    @Test func aHostNameIsCheckedAgainstTheCertificatesDNSNames() async throws {
        let child = try #require(Self.child)
        // `localhost` may resolve to ::1 first, where nothing listens: the next address is tried.
        let status = try await TestChildFixture.probe().status(host: "localhost", port: child.port, path: "/healthz", timeout: .seconds(10))
        #expect(status == 200)
    }

    @Test func aServerCertificateFromAnotherCAFailsVerification() async throws {
        let child = try #require(Self.child)
        let pki = try #require(TestChildFixture.pki)
        let client = pki.client(.supervisor)
        // Trusting the client CA: the server's certificate (signed by the server CA) cannot verify.
        let probe = try ReadinessProbe(caPEM: pki.clientCA.certificatePEM, clientCertificatePEM: client.certificatePEM,
                                       clientKeyPEM: client.keyPEM)
        let error = await probeError { try await probe.status(host: "127.0.0.1", port: child.port, path: "/healthz", timeout: .seconds(10)) }
        #expect(error?.kind == .verification)
        #expect(error?.message == "TLS verification of 127.0.0.1:\(child.port) failed: unable to get local issuer certificate")
    }

    @Test func aClientCertificateTheServerDoesNotTrustFailsTheHandshake() async throws {
        let child = try #require(Self.child)
        let pki = try #require(TestChildFixture.pki)
        // The serving certificate is signed by the server CA, which the child does not accept for clients.
        let probe = try ReadinessProbe(caPEM: pki.serverCA.certificatePEM, clientCertificatePEM: pki.serving.certificatePEM,
                                       clientKeyPEM: pki.serving.keyPEM)
        let error = await probeError { try await probe.status(host: "127.0.0.1", port: child.port, path: "/healthz", timeout: .seconds(10)) }
        #expect(error?.kind == .handshake)
        // The server says why with a TLS alert (BoringSSL: "tlsv1 alert unknown ca").
        #expect(error?.message.hasPrefix("TLS handshake with 127.0.0.1:\(child.port) failed: ") == true, "\(String(describing: error))")
        #expect(error?.message.contains("alert") == true, "\(String(describing: error))")
    }

    @Test func aClosedPortIsRefused() async throws {
        let port = try closedPort()
        let error = await probeError { try await TestChildFixture.probe().status(host: "127.0.0.1", port: port, path: "/readyz", timeout: .seconds(5)) }
        #expect(error == ProbeError(.refused, "connection to 127.0.0.1:\(port) refused (nothing listens there)"))
    }

    @Test func aServerThatNeverAnswersTimesOutWithinTheDeadline() async throws {
        // Listening, so the connection completes in the kernel, but never accepted nor answered.
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let probe = try TestChildFixture.probe()
        let clock = ContinuousClock()
        let started = clock.now
        let error = await probeError { try await probe.status(host: "127.0.0.1", port: port, path: "/readyz", timeout: .milliseconds(400)) }
        let elapsed = clock.now - started
        #expect(error?.kind == .timedOut)
        #expect(error?.message.hasPrefix("127.0.0.1:\(port) did not answer within 0.4 seconds") == true, "\(String(describing: error))")
        #expect(elapsed >= .milliseconds(350) && elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test func anUnresolvableHostIsAClearError() async throws {
        let error = await probeError { try await TestChildFixture.probe().status(host: "no-such-host.invalid", port: 443, path: "/", timeout: .seconds(5)) }
        #expect(error?.kind == .failed)
        #expect(error?.message.hasPrefix("cannot resolve no-such-host.invalid: ") == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("not a pem", "KEY", "no CA certificate in the PEM text"),
        ("CA", "not a pem", "no client certificate in the PEM text"),
        ("CA", "CERT", "no private key in the PEM text"),
    ])
    func badPEMIsRefusedWithAClearMessage(ca: String, certificate: String, expected: String) throws {
        let pki = try #require(TestChildFixture.pki)
        let client = pki.client(.supervisor)
        let caPEM = ca == "CA" ? pki.serverCA.certificatePEM : ca
        let certificatePEM = certificate == "CERT" || certificate == "KEY" ? client.certificatePEM : certificate
        let keyPEM = certificate == "CERT" ? "garbage" : client.keyPEM
        #expect {
            _ = try ReadinessProbe(caPEM: caPEM, clientCertificatePEM: certificatePEM, clientKeyPEM: keyPEM)
        } throws: { error in
            (error as? ProbeError)?.message.hasPrefix(expected) == true
        }
    }

    @Test func aKeyThatDoesNotMatchTheCertificateIsRefused() throws {
        let pki = try #require(TestChildFixture.pki)
        #expect {
            _ = try ReadinessProbe(caPEM: pki.serverCA.certificatePEM, clientCertificatePEM: pki.client(.supervisor).certificatePEM,
                                   clientKeyPEM: pki.serving.keyPEM)
        } throws: { error in
            (error as? ProbeError)?.message.hasPrefix("the client key does not match the client certificate") == true
        }
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n", 200), ("HTTP/1.0 503 Service Unavailable\r\nx", 503), ("HTTP/1.1 204\n", 204),
    ])
    func statusLines(text: String, status: Int) throws {
        #expect(try StatusLine.status(in: Array(text.utf8), from: "h:1") == status)
    }

    @Test(arguments: ["SSH-2.0-OpenSSH\r\n", "HTTP/1.1 20 OK\r\n", "HTTP/2 200\r\n", "\r\n"])
    func nonHTTPAnswersAreRefused(text: String) {
        #expect(throws: ProbeError.self) { try StatusLine.status(in: Array(text.utf8), from: "h:1") }
    }

    @Test func anIncompleteStatusLineWaitsForMore() throws {
        #expect(try StatusLine.status(in: Array("HTTP/1.1 200".utf8), from: "h:1") == nil)
    }
}

/// The `ProbeError` `body` throws, nil when it throws nothing or something else.
func probeError(_ body: () async throws -> Int) async -> ProbeError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? ProbeError
    }
}

/// A running `swiftlet-testchild` with the test PKI; killed when the test process exits.
final class TestChildServer: Sendable {
    let pid: Int32
    let port: Int

    private init(pid: Int32, port: Int) {
        self.pid = pid
        self.port = port
    }

    deinit { kill(pid, SIGKILL) }

    static func start(_ flags: [String]) throws -> TestChildServer {
        let binary = try #require(TestChildFixture.binary)
        let pki = try #require(TestChildFixture.pki)
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("probe-child-\(UUID()).port").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port-file", portFile, "--cert", pki.serving.certificatePath, "--key", pki.serving.keyPath,
                             "--client-ca", pki.clientCA.certificatePath] + flags
        try process.run()
        let pid = process.processIdentifier
        // The suite's child lives in a static, never deinitialized: it is killed at exit.
        _ = registerCleanup
        started.withLock { $0.append(pid) }
        for _ in 0..<1000 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                try? FileManager.default.removeItem(atPath: portFile)
                return TestChildServer(pid: pid, port: port)
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        throw SupervisionError("swiftlet-testchild did not report its port")
    }

    private static let started = Mutex<[Int32]>([])
    private static let registerCleanup: Void = { _ = atexit { TestChildServer.killAll() } }()

    private static func killAll() {
        for pid in started.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}

/// A loopback port nothing listens on (bound, then released).
func closedPort() throws -> Int {
    let (fd, port) = try silentListener()
    close(fd)
    return port
}

/// A loopback TCP socket that listens but is never accepted from; the caller closes it.
func silentListener() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else {
        close(fd)
        throw SupervisionError("cannot bind a loopback socket")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
