#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import Foundation
import KubeHTTP
import Logging
import NIOHTTP1

/// `swiftlet-testchild`: a component stand-in for the supervisor's tests. It serves HTTPS
/// `/readyz` and `/healthz` with the given certificates on a free loopback port (written to
/// `--port-file`) and misbehaves on request.
@main
struct TestChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "swiftlet-testchild")

    @Option(help: "Where to write the bound port.") var portFile: String
    @Option(help: "Serving certificate (PEM).") var cert: String
    @Option(help: "Serving key (PEM).") var key: String
    @Option(help: "CA of client certificates (PEM).") var clientCA: String
    @Option(help: "/readyz answers 503 until this many ms after start.") var readyAfterMs = 0
    @Option(help: "Exit this many ms after start.") var crashAfterMs: Int?
    @Option(help: "Exit code for --crash-after-ms.") var exitCode: Int32 = 1
    @Flag(help: "Ignore SIGTERM (the supervisor must SIGKILL it).") var ignoreSigterm = false
    @Flag(help: "/healthz answers 500.") var failHealth = false
    @Option(help: "A file read on each request: `fail-health` makes /healthz answer 500.") var controlFile: String?
    @Option(help: "Appends `start <pid> <component>` here at start.") var recordFile: String?
    @Option(help: "A unique word so tests can find their processes in /proc.") var token: String?

    func run() async throws {
        if ignoreSigterm { signal(SIGTERM, SIG_IGN) }
        let started = ContinuousClock.now
        if let recordFile {
            let component = ProcessInfo.processInfo.environment["SWIFTLET_COMPONENT"] ?? "-"
            let line = "start \(getpid()) \(component)\n"
            let fd = open(recordFile, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            if fd >= 0 {
                _ = line.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
        }
        let tls = TLSMaterial(
            certificateChainPEM: Array(try Data(contentsOf: URL(fileURLWithPath: cert))),
            privateKeyPEM: Array(try Data(contentsOf: URL(fileURLWithPath: key))),
            clientCAPEM: Array(try Data(contentsOf: URL(fileURLWithPath: clientCA))))
        let responder = Responder(started: started, readyAfter: .milliseconds(readyAfterMs),
                                  failHealth: failHealth, controlFile: controlFile)
        let server = try await HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, tls: tls, threads: 1),
            responder: responder, logger: Logger(label: "testchild"))
        try "\(server.boundPort)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
        if let crashAfterMs {
            let code = exitCode
            Task {
                try? await Task.sleep(for: .milliseconds(crashAfterMs))
                Glibc.exit(code)
            }
        }
        try await server.run()
    }
}

struct Responder: HTTPResponder {
    let started: ContinuousClock.Instant
    let readyAfter: Duration
    let failHealth: Bool
    let controlFile: String?

    func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
        let control = controlFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        switch request.path {
        case "/readyz":
            let ready = ContinuousClock.now - started >= readyAfter
            try await writer.respond(status: ready ? .ok : .serviceUnavailable, body: Array((ready ? "ok" : "not ready").utf8))
        case "/healthz":
            let failing = failHealth || control.contains("fail-health")
            try await writer.respond(status: failing ? .internalServerError : .ok, body: Array((failing ? "failing" : "ok").utf8))
        default:
            try await writer.respond(status: .notFound, body: Array("not found".utf8))
        }
    }
}
