import KubeHTTP
import KubePKI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// `HTTP1Client` against real servers on loopback: a scripted plain TCP server for exact bytes
/// (framings, streaming, bad answers, silence) and `HTTPServer` for TLS.
@Suite(.timeLimit(.minutes(1))) struct HTTP1ClientTests {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func get(_ server: ScriptedServer, _ target: String = "/", method: HTTPMethod = .GET, body: [UInt8] = [],
                    timeout: Duration = .seconds(5)) async throws -> HTTP1Response {
        try await HTTP1Client.execute(HTTP1Request(method: method, host: "127.0.0.1", port: server.port, target: target, body: body),
                                      timeout: timeout)
    }

    /// Each framing of a response body, and what the client must read from it.
    static let framings: [(name: String, response: String, body: String)] = [
        ("content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: a\r\n\r\nhello", "hello"),
        ("content-length zero", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Test: a\r\n\r\n", ""),
        ("chunked with extension and trailer",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: a\r\n\r\n5;x=y\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
         "hello, world"),
        ("until close", "HTTP/1.0 200 OK\r\nX-Test: a\r\n\r\nuntil the end", "until the end"),
        ("interim 100 first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Test: a\r\n\r\nok", "ok"),
    ]

    @Test(arguments: framings)
    func readsEachFraming(name: String, response: String, body: String) async throws {
        let server = try await ScriptedServer { _, out in
            try await out.write(response)
            // Read-until-close bodies end with the server's close; the others must not need it.
            if name == "until close" { out.finish() }
        }
        defer { Task { await server.stop() } }
        let answer = try await Self.get(server, "/path?x=1")
        #expect(answer.status == .ok)
        #expect(answer.headers.first(name: "X-Test") == "a")
        #expect(Self.text(try await answer.collect(upTo: 1 << 20)) == body)
    }

    @Test func sendsMethodTargetHostAndBody() async throws {
        let server = try await ScriptedServer { _, out in
            try await out.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        }
        defer { Task { await server.stop() } }
        let answer = try await Self.get(server, "/a/b?q=1&r=2", method: .POST, body: Array("{\"k\":1}".utf8))
        #expect(answer.status == .created)
        _ = try await answer.collect(upTo: 10)
        let request = Self.text(try #require(server.received.first))
        #expect(request.hasPrefix("POST /a/b?q=1&r=2 HTTP/1.1\r\n"))
        #expect(request.contains("Host: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.contains("Content-Length: 7\r\n"))
        #expect(request.contains("Connection: close\r\n"))
        #expect(request.hasSuffix("\r\n\r\n{\"k\":1}"))
    }

    @Test func headAndNoContentHaveNoBody() async throws {
        // A Content-Length on a HEAD answer describes the GET's body, which is not sent.
        let server = try await ScriptedServer { _, out in
            try await out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        }
        defer { Task { await server.stop() } }
        let answer = try await Self.get(server, method: .HEAD)
        #expect(try await answer.collect(upTo: 1000) == [])
    }

    /// Chunks reach the reader as they are sent: the server holds the second until the client
    /// has seen the first.
    @Test func chunkedBodyStreamsIncrementally() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let server = try await ScriptedServer { _, out in
            try await out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            for await _ in gate { break }
            try await out.write("6\r\nsecond\r\n0\r\n\r\n")
        }
        defer { Task { await server.stop() } }
        let answer = try await Self.get(server)
        var iterator = answer.body.makeAsyncIterator()
        var first: [UInt8] = []
        while first.count < 5, let buffer = try await iterator.next() { first += buffer.readableBytesView }
        #expect(Self.text(first) == "first")
        open.yield()
        var rest: [UInt8] = []
        while let buffer = try await iterator.next() { rest += buffer.readableBytesView }
        #expect(Self.text(rest) == "second")
    }

    @Test func collectStopsAtTheLimitAndCloses() async throws {
        let big = String(repeating: "x", count: 100_000)
        let server = try await ScriptedServer { _, out in
            try await out.write("HTTP/1.1 200 OK\r\nContent-Length: \(big.utf8.count)\r\n\r\n")
            try await out.write(big)
        }
        defer { Task { await server.stop() } }
        let answer = try await Self.get(server)
        #expect(try await answer.collect(upTo: 100) == Array(repeating: UInt8(ascii: "x"), count: 100))
        for await _ in server.closed { break }
    }

    /// A `kubectl logs -f` that goes away: cancelling the reading task closes the connection.
    @Test func cancellingTheReaderClosesTheConnection() async throws {
        let server = try await ScriptedServer { _, out in
            try await out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nline\r\n")
        }
        defer { Task { await server.stop() } }
        let answer = try await Self.get(server)
        let (started, signal) = AsyncStream<Void>.makeStream()
        let reader = Task {
            var count = 0
            for try await buffer in answer.body {
                count += buffer.readableBytes
                signal.yield()
            }
            return count
        }
        for await _ in started { break }
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        for await _ in server.closed { break }
    }

    /// Silence after connecting (plain, or a TLS handshake that never completes) ends in a
    /// timeout error within the timeout, not a hang.
    @Test(arguments: [false, true])
    func silentServerTimesOut(tls: Bool) async throws {
        let server = try await ScriptedServer { _, _ in try await Task.sleep(for: .seconds(30)) }
        defer { Task { await server.stop() } }
        let context = tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let start = ContinuousClock.now
        await #expect(throws: (any Error).self) {
            try await HTTP1Client.execute(HTTP1Request(host: "127.0.0.1", port: server.port, target: "/"),
                                          tls: context, timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3))
    }

    @Test func connectionRefusedFails() async throws {
        let server = try await ScriptedServer { _, _ in }
        let port = server.port
        await server.stop()
        await #expect(throws: (any Error).self) {
            try await HTTP1Client.execute(HTTP1Request(host: "127.0.0.1", port: port, target: "/"), timeout: .seconds(5))
        }
    }

    /// Answers that are not HTTP, or break their own framing: an error, never a hang or a crash.
    static let badAnswers: [(name: String, response: String)] = [
        ("not http", "SSH-2.0-OpenSSH_9.6\r\n"),
        ("bad status line", "HTTP/1.1 OK fine\r\n\r\n"),
        ("header without colon", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n"),
        ("bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n"),
        ("conflicting content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        ("closed before the head", "HTTP/1.1 200 OK\r\nContent-"),
        ("truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        ("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        ("chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n"),
        ("truncated chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
    ]

    @Test(arguments: badAnswers)
    func badAnswerIsAnError(name: String, response: String) async throws {
        let server = try await ScriptedServer { _, out in
            try await out.write(response)
            out.finish()
        }
        defer { Task { await server.stop() } }
        await #expect(throws: (any Error).self, "\(name)") {
            let answer = try await Self.get(server)
            _ = try await answer.collect(upTo: 1 << 20)
        }
    }

    @Test func requestWithLineBreaksIsRefused() async throws {
        let request = HTTP1Request(host: "127.0.0.1", port: 1, target: "/ HTTP/1.1\r\nX: y")
        await #expect(throws: RawConnectionError.self) { try await HTTP1Client.execute(request, timeout: .seconds(1)) }
    }
}
