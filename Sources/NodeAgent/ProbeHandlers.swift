import AsyncHTTPClient
import CRI
import FoundationEssentials
import Glibc
import NIOCore
import NIOPosix
import NIOSSL
import SwiftletInfo

/// The outcome of running a probe handler once (upstream's `probe.Result` and output).
public struct ProbeOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case success
        /// Counts as success, with a Warning event (a redirect to another host).
        case warning
        case failure
        /// The probe could not run at all; upstream throws the result away.
        case error
    }
    public var status: Status
    public var output: String

    public init(_ status: Status, _ output: String = "") {
        self.status = status
        self.output = output
    }

    /// What the tracker records.
    public var result: ProbeResult {
        switch status {
        case .success, .warning: .success
        case .failure: .failure
        case .error: .unknown
        }
    }
}

/// Runs probe and hook handlers against a container: exec through CRI ExecSync, HTTP GETs and
/// TCP connects to the pod's IP.
struct ProbeRunner: Sendable {
    let runtime: ContainerRuntimeClient

    /// Runs a probe's handler once, bounded by `timeoutSeconds`.
    func probe(_ handler: ProbeHandler, containerID: String, podIP: String, timeoutSeconds: Int64) async -> ProbeOutcome {
        let timeout = Duration.seconds(max(1, timeoutSeconds))
        switch handler {
        case .exec(let command):
            do {
                let response = try await runtime.execSync(containerID, command: command, commandTimeoutSeconds: timeoutSeconds)
                let output = String(decoding: response.stdout + response.stderr, as: UTF8.self)
                return ProbeOutcome(response.exitCode == 0 ? .success : .failure, output)
            } catch let error as CRIError where error.code == .deadlineExceeded || "\(error)".contains("timeout") {
                return ProbeOutcome(.failure, "command \(Self.goQuoted(command)) timed out")
            } catch {
                return ProbeOutcome(.error, "\(error)")
            }
        case .httpGet(let action):
            return await HTTPProbe.get(action, podIP: podIP, timeout: timeout)
        case .tcpSocket(let host, let port):
            return await Self.connect(host: host.isEmpty ? podIP : host, port: port, timeout: timeout)
        case .grpc(let port, let service):
            return await GRPCProbe.check(host: podIP, port: port, service: service, timeout: timeout)
        case .sleep:
            return ProbeOutcome(.error, "sleep is not a probe handler")
        }
    }

    /// Connects and closes at once: success when the connection is accepted.
    static func connect(host: String, port: Int, timeout: Duration) async -> ProbeOutcome {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                .connect(host: host, port: port).get()
            try? await channel.close().get()
            return ProbeOutcome(.success)
        } catch {
            return ProbeOutcome(.failure, "dial tcp \(hostPort(host, port)): \(error)")
        }
    }

    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `["sh", "-c", "x"]` as Go's `%q` of a slice prints it.
    static func goQuoted(_ command: [String]) -> String {
        "[" + command.map { "\"" + $0.replacing("\"", with: "\\\"") + "\"" }.joined(separator: " ") + "]"
    }
}

/// The HTTP GET of probes and hooks, as upstream's prober sends it: `User-Agent: kube-probe/<v>`,
/// `Accept: */*`, no keep-alive, HTTPS without certificate checks, redirects followed only
/// within the same host (at most 10), at most 10 KiB of the body kept for messages.
enum HTTPProbe {
    static let maxBody = 10 * 1024
    static let maxRedirects = 10

    /// A client for one probe, shut down after it. Not shared: a shared client's connection
    /// pool remembers failed connects and backs off, so a probe of a server that refused once
    /// would keep failing with the old error after the server came up.
    static func makeClient() -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     connectionPool: .init(idleTimeout: .seconds(1)), decompression: .disabled)
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The headers of a request: the defaults, then the probe's own (which win).
    static func headers(_ action: HTTPGetAction) -> [(String, String)] {
        var result: [(String, String)] = []
        let own = Set(action.headers.map { $0.name.lowercased() })
        if !own.contains("user-agent") {
            result.append(("User-Agent", "kube-probe/\(SwiftletVersion.kubernetesMajor).\(SwiftletVersion.kubernetesMinor)"))
        }
        if !own.contains("accept") { result.append(("Accept", "*/*")) }
        result.append(("Connection", "close"))
        result += action.headers.map { ($0.name, $0.value) }
        return result
    }

    /// Upstream's classification of the final response: 200-399 succeeds; a 3xx here is a
    /// redirect that was not followed (another host), which succeeds with a warning.
    static func classify(status: Int, body: String) -> ProbeOutcome {
        guard (200..<400).contains(status) else { return ProbeOutcome(.failure, "HTTP probe failed with statuscode: \(status)") }
        if status >= 300 { return ProbeOutcome(.warning, "Probe terminated redirects, Response body: \(body)") }
        return ProbeOutcome(.success, body)
    }

    /// Where a redirect goes next, or nil when it is not followed (another host, or no Location).
    static func redirectTarget(location: String?, from current: String, original: String) -> String? {
        guard let location, let base = URL(string: current),
              let next = URL(string: location, relativeTo: base)?.absoluteURL,
              let nextHost = next.host, nextHost.lowercased() == URL(string: original)?.host?.lowercased() else { return nil }
        return next.absoluteString
    }

    /// Sends the GET (following same-host redirects) and classifies the answer.
    static func get(_ action: HTTPGetAction, podIP: String, timeout: Duration) async -> ProbeOutcome {
        let client = makeClient()
        let outcome = await get(action, podIP: podIP, timeout: timeout, client: client)
        try? await client.shutdown()
        return outcome
    }

    static func get(_ action: HTTPGetAction, podIP: String, timeout: Duration, client: HTTPClient) async -> ProbeOutcome {
        let original = action.url(podIP: podIP)
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
            + Int64(timeout.components.attoseconds / 1_000_000_000))
        var url = original
        for hop in 0...maxRedirects {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            for (name, value) in headers(action) { request.headers.add(name: name, value: value) }
            do {
                let response = try await client.execute(request, deadline: deadline)
                var body: [UInt8] = []
                for try await chunk in response.body {
                    body += chunk.readableBytesView.prefix(maxBody - body.count)
                    if body.count >= maxBody { break }
                }
                let status = Int(response.status.code)
                if (300..<400).contains(status),
                   let next = redirectTarget(location: response.headers.first(name: "location"), from: url, original: original) {
                    if hop == maxRedirects { break }
                    url = next
                    continue
                }
                return classify(status: status, body: String(decoding: body, as: UTF8.self))
            } catch {
                return ProbeOutcome(.failure, "Get \"\(url)\": \(error)")
            }
        }
        return ProbeOutcome(.failure, "Get \"\(url)\": stopped after \(maxRedirects) redirects")
    }

    /// A lifecycle hook's GET: any answer succeeds (upstream does not look at the status).
    static func hook(_ action: HTTPGetAction, podIP: String, timeout: Duration) async -> String? {
        var request = HTTPClientRequest(url: action.url(podIP: podIP))
        request.method = .GET
        for (name, value) in headers(action) { request.headers.add(name: name, value: value) }
        let client = makeClient()
        var failure: String?
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            for try await _ in response.body {}
        } catch {
            failure = "\(error)"
        }
        try? await client.shutdown()
        return failure
    }
}
