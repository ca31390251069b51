import Foundation
import Glibc
@testable import NodeAgent
import Synchronization
import Testing

/// HTTP and TCP probes against a real loopback server that answers each path with a canned
/// response and keeps the requests it got.
@Suite(.serialized) struct HTTPProbeTests {
    /// A one-thread HTTP/1.0-style server on 127.0.0.1 (a random port); closed by `stop()`.
    final class CannedServer: Sendable {
        let fd: Int32
        let port: Int
        let requests = Mutex<[String]>([])
        let responses: [String: String]
        /// Paths answered with a head and one byte of a longer body, then nothing for 3 s.
        let stalled: Set<String>
        let accepting: Bool

        /// With `accepting` false nothing is ever read: connects complete in the listen backlog
        /// and then wait, like a server that hangs.
        init(responses: [String: String], stalled: Set<String> = [], accepting: Bool = true) throws {
            self.responses = responses
            self.stalled = stalled
            self.accepting = accepting
            let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(sock, 16) == 0 else { throw NodeAgentError("cannot listen: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) }
            }
            fd = sock
            port = Int(UInt16(bigEndian: address.sin_port))
            if accepting {
                let thread = Thread { [self] in serve() }
                thread.start()
            }
        }

        func serve() {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else {
                    // Closed here, not in stop(): a thread that had not reached accept yet would
                    // otherwise accept on whatever socket reused the number.
                    close(fd)
                    return
                }
                var buffer = [UInt8](repeating: 0, count: 4096)
                var request = ""
                while !request.contains("\r\n\r\n") {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    request += String(decoding: buffer[0..<n], as: UTF8.self)
                }
                requests.withLock { $0.append(request) }
                let path = request.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
                if stalled.contains(path) {
                    let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nx"
                    _ = head.utf8CString.withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count - 1) }
                    sleep(3)
                    close(client)
                    continue
                }
                let response = responses[path] ?? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                _ = response.utf8CString.withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count - 1) }
                close(client)
            }
        }

        /// Refuses connections from now on; the serving thread closes the socket.
        func stop() {
            shutdown(fd, Int32(SHUT_RDWR))
            if !accepting { close(fd) }
        }
    }

    static func response(_ status: String, headers: [String] = [], body: String = "") -> String {
        (["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers).joined(separator: "\r\n")
            + "\r\n\r\n" + body
    }

    @Test func classification() async throws {
        let server = try CannedServer(responses: [
            "/ok": Self.response("200 OK", body: "fine"),
            "/teapot": Self.response("418 I'm a teapot"),
            "/error": Self.response("500 Internal Server Error", body: "broken"),
            "/not-modified": Self.response("304 Not Modified"),
            "/same-host": Self.response("302 Found", headers: ["Location: /ok"]),
            "/other-host": Self.response("302 Found", headers: ["Location: http://other.invalid/x"], body: "moved"),
            "/loop": Self.response("302 Found", headers: ["Location: /loop"]),
        ])
        defer { server.stop() }
        func get(_ path: String, headers: [(name: String, value: String)] = []) async -> ProbeOutcome {
            // Generous: nothing here should time out, and a loaded parallel test run once took 2 s to serve /ok.
            await HTTPProbe.get(HTTPGetAction(port: server.port, path: path, headers: headers), podIP: "127.0.0.1", timeout: .seconds(10))
        }
        let ok = await get("/ok")
        #expect(ok == ProbeOutcome(.success, "fine"), "\(ok)")
        #expect(await get("/teapot") == ProbeOutcome(.failure, "HTTP probe failed with statuscode: 418"))
        #expect(await get("/error") == ProbeOutcome(.failure, "HTTP probe failed with statuscode: 500"))
        #expect(await get("/not-modified").status == .warning)
        #expect(await get("/same-host") == ProbeOutcome(.success, "fine"))
        #expect(await get("/other-host") == ProbeOutcome(.warning, "Probe terminated redirects, Response body: moved"))
        let loop = await get("/loop")
        #expect(loop.status == .failure && loop.output.contains("stopped after 10 redirects"), "\(loop)")

        _ = await get("/ok", headers: [("X-Probe", "yes"), ("User-Agent", "custom/1")])
        let last = server.requests.withLock { $0.last } ?? ""
        #expect(last.contains("X-Probe: yes"))
        #expect(last.contains("User-Agent: custom/1") && !last.contains("kube-probe"))
        let first = server.requests.withLock { $0.first } ?? ""
        #expect(first.hasPrefix("GET /ok HTTP/1.1") && first.contains("User-Agent: kube-probe/1.") && first.contains("Accept: */*"))
    }

    @Test func connectionFailuresFail() async throws {
        let server = try CannedServer(responses: [:])
        let port = server.port
        server.stop()
        let http = await HTTPProbe.get(HTTPGetAction(port: port, path: "/"), podIP: "127.0.0.1", timeout: .seconds(2))
        #expect(http.status == .failure && http.output.hasPrefix("Get \"http://127.0.0.1:\(port)/\": "), "\(http)")
        let tcp = await ProbeRunner.connect(host: "127.0.0.1", port: port, timeout: .seconds(2))
        #expect(tcp.status == .failure && tcp.output.hasPrefix("dial tcp 127.0.0.1:\(port): "), "\(tcp)")
    }

    @Test func tcpConnectSucceeds() async throws {
        let server = try CannedServer(responses: [:])
        defer { server.stop() }
        #expect(await ProbeRunner.connect(host: "127.0.0.1", port: server.port, timeout: .seconds(2)) == ProbeOutcome(.success))
    }

    /// The probe's timeout bounds the whole exchange: a server that never answers, and one
    /// that sends a head and then stalls in the body, both fail after about the timeout.
    @Test func timeoutsFail() async throws {
        let silent = try CannedServer(responses: [:], accepting: false)
        defer { silent.stop() }
        let stalling = try CannedServer(responses: [:], stalled: ["/slow"])
        defer { stalling.stop() }
        for (port, path) in [(silent.port, "/"), (stalling.port, "/slow")] {
            let start = ContinuousClock.now
            let outcome = await HTTPProbe.get(HTTPGetAction(port: port, path: path), podIP: "127.0.0.1", timeout: .seconds(1))
            let elapsed = ContinuousClock.now - start
            #expect(outcome.status == .failure && outcome.output.hasPrefix("Get \"http://127.0.0.1:\(port)\(path)\": "), "\(outcome)")
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3), "\(elapsed)")
        }
        let start = ContinuousClock.now
        #expect(await HTTPProbe.hook(HTTPGetAction(port: silent.port, path: "/"), podIP: "127.0.0.1", timeout: .seconds(1)) != nil)
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func bodyIsCutAt10KiB() async throws {
        let body = String(repeating: "0123456789", count: 2_000)
        let server = try CannedServer(responses: ["/big": Self.response("200 OK", body: body)])
        defer { server.stop() }
        let outcome = await HTTPProbe.get(HTTPGetAction(port: server.port, path: "/big"), podIP: "127.0.0.1", timeout: .seconds(2))
        #expect(outcome.status == .success && outcome.output == String(body.prefix(10 * 1024)))
    }

    /// Hooks succeed on any answer (an error status too) and fail when nothing answers.
    @Test func hooks() async throws {
        let server = try CannedServer(responses: ["/teapot": Self.response("418 I'm a teapot")])
        let port = server.port
        #expect(await HTTPProbe.hook(HTTPGetAction(port: port, path: "/teapot", headers: [("X-Hook", "1")]), podIP: "127.0.0.1", timeout: .seconds(2)) == nil)
        let request = server.requests.withLock { $0.last } ?? ""
        #expect(request.hasPrefix("GET /teapot HTTP/1.1") && request.contains("X-Hook: 1") && request.contains("User-Agent: kube-probe/1."))
        server.stop()
        #expect(await HTTPProbe.hook(HTTPGetAction(port: port, path: "/"), podIP: "127.0.0.1", timeout: .seconds(2)) != nil)
    }

    /// HTTPS probes do not check the certificate: a self-signed one (openssl s_server) passes.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"))
    func httpsWithoutVerification() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-tls-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        keygen.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                            "-subj", "/CN=probe-test", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem"]
        keygen.standardError = FileHandle.nullDevice
        try keygen.run()
        keygen.waitUntilExit()
        #expect(keygen.terminationStatus == 0)
        // A free port: bound, read and released (s_server binds it right after).
        let probe = try CannedServer(responses: [:], accepting: false)
        let port = probe.port
        probe.stop()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", directory + "/cert.pem",
                            "-key", directory + "/key.pem", "-www", "-quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        var outcome = ProbeOutcome(.error)
        for _ in 0..<50 {
            outcome = await HTTPProbe.get(HTTPGetAction(scheme: "HTTPS", port: port, path: "/"), podIP: "127.0.0.1", timeout: .seconds(2))
            if outcome.status == .success { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(outcome.status == .success, "\(outcome)")
    }

    @Test(arguments: [
        (200, "ok", ProbeOutcome.Status.success), (204, "", .success), (399, "", .warning), (301, "", .warning),
        (400, "", .failure), (199, "", .failure), (503, "", .failure),
    ])
    func statusCodes(code: Int, body: String, expected: ProbeOutcome.Status) {
        #expect(HTTPProbe.classify(status: code, body: body).status == expected)
    }

    @Test(arguments: [
        ("http://10.0.0.1:8080/healthz?full=1", ProbeTarget.Parts(false, "10.0.0.1", 8080, "/healthz?full=1"), nil as String?),
        ("https://[fd00::5]:8443/", .init(true, "fd00::5", 8443, "/"), nil),
        ("https://web.local/a%20b", .init(true, "web.local", 443, "/a%20b"), "web.local"),
        ("http://10.0.0.1", .init(false, "10.0.0.1", 80, "/"), nil),
    ])
    func probeTargets(url: String, expected: ProbeTarget.Parts, serverName: String?) throws {
        let target = try ProbeTarget(url)
        #expect(ProbeTarget.Parts(target.secure, target.host, target.port, target.target) == expected)
        #expect(target.serverName == serverName)
    }

    @Test func badProbeURLsFailClearly() async {
        #expect(throws: HTTPProbeError.unsupportedScheme("ftp")) { try ProbeTarget("ftp://10.0.0.1/") }
        #expect(throws: HTTPProbeError.invalidURL("http://")) { try ProbeTarget("http://") }
        let outcome = await HTTPProbe.get(HTTPGetAction(scheme: "FTP", port: 21), podIP: "127.0.0.1", timeout: .seconds(1))
        #expect(outcome == ProbeOutcome(.failure, "Get \"ftp://127.0.0.1:21/\": unsupported protocol scheme \"ftp\""))
    }

    @Test func redirectTargets() {
        let original = "http://10.0.0.1:80/a"
        #expect(HTTPProbe.redirectTarget(location: "/b", from: original, original: original) == "http://10.0.0.1:80/b")
        #expect(HTTPProbe.redirectTarget(location: "http://10.0.0.1:81/c", from: original, original: original) == "http://10.0.0.1:81/c")
        #expect(HTTPProbe.redirectTarget(location: "http://example.com/", from: original, original: original) == nil)
        #expect(HTTPProbe.redirectTarget(location: nil, from: original, original: original) == nil)
    }
}

extension ProbeTarget {
    /// The parts in order, for table comparisons.
    struct Parts: Equatable, Sendable, CustomStringConvertible {
        var secure: Bool, host: String, port: Int, target: String
        init(_ secure: Bool, _ host: String, _ port: Int, _ target: String) {
            (self.secure, self.host, self.port, self.target) = (secure, host, port, target)
        }
        var description: String { "\(secure ? "https" : "http") \(host) \(port) \(target)" }
    }
}
