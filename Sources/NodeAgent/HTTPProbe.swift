import FoundationEssentials
import Glibc
import KubeHTTP
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftletInfo

/// The HTTP GET of probes and hooks, as upstream's prober sends it: `User-Agent: kube-probe/<v>`,
/// `Accept: */*`, no keep-alive, HTTPS without certificate checks, redirects followed only
/// within the same host (at most 10), at most 10 KiB of the body kept for messages, the whole
/// exchange (redirects included) within the probe's timeout.
enum HTTPProbe {
    static let maxBody = 10 * 1024
    static let maxRedirects = 10

    /// Probes do not check the server's certificate (upstream's InsecureSkipVerify). One
    /// context serves every probe: building one per request would load OpenSSL state each time.
    static let insecureTLS = Result { () throws -> NIOSSLContext in
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return try NIOSSLContext(configuration: tls)
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
        let original = action.url(podIP: podIP)
        let deadline = ContinuousClock.now + timeout
        let headers = headers(action)
        var url = original
        for hop in 0...maxRedirects {
            do {
                let response = try await fetch(url, headers: headers, deadline: deadline)
                let status = Int(response.status.code)
                if (300..<400).contains(status),
                   let next = redirectTarget(location: response.headers.first(name: "location"), from: url, original: original) {
                    if hop == maxRedirects { break }
                    url = next
                    continue
                }
                return classify(status: status, body: String(decoding: response.body, as: UTF8.self))
            } catch {
                return ProbeOutcome(.failure, "Get \"\(url)\": \(error)")
            }
        }
        return ProbeOutcome(.failure, "Get \"\(url)\": stopped after \(maxRedirects) redirects")
    }

    /// A lifecycle hook's GET: any answer succeeds (upstream does not look at the status, nor
    /// follow redirects); nil on success, else why it failed.
    static func hook(_ action: HTTPGetAction, podIP: String, timeout: Duration) async -> String? {
        do {
            _ = try await fetch(action.url(podIP: podIP), headers: headers(action), deadline: ContinuousClock.now + timeout)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// One GET of `url` on its own connection: the status, headers and the first `maxBody`
    /// bytes of the body, all before `deadline`.
    static func fetch(_ url: String, headers: [(String, String)], deadline: ContinuousClock.Instant) async throws
        -> (status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8]) {
        let target = try ProbeTarget(url)
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw HTTPProbeError.timedOut }
        let request = HTTP1Request(host: target.host, port: target.port, target: target.target, headers: HTTPHeaders(headers))
        let tls = target.secure ? try insecureTLS.get() : nil
        return try await within(deadline) {
            let response = try await HTTP1Client.execute(request, tls: tls, serverHostname: target.serverName, timeout: remaining)
            let body = try await response.collect(upTo: maxBody)
            return (response.status, response.headers, body)
        }
    }

    /// `work`'s result, or `HTTPProbeError.timedOut` once `deadline` passes (the work is then
    /// cancelled, which closes its connection).
    static func within<T: Sendable>(_ deadline: ContinuousClock.Instant,
                                    _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw HTTPProbeError.timedOut }
            return value
        }
    }
}

/// Why a probe's request did not get an answer, beside the client's own errors.
enum HTTPProbeError: Error, Equatable, CustomStringConvertible {
    case timedOut
    case invalidURL(String)
    case unsupportedScheme(String)

    var description: String {
        switch self {
        case .timedOut: "context deadline exceeded (Client.Timeout exceeded while awaiting response)"
        case .invalidURL(let url): "invalid URL \"\(url)\""
        case .unsupportedScheme(let scheme): "unsupported protocol scheme \"\(scheme)\""
        }
    }
}

/// Where a probe URL points: host (IPv6 without brackets), port, path and query.
struct ProbeTarget: Equatable {
    var secure: Bool
    var host: String
    var port: Int
    var target: String

    init(_ url: String) throws(HTTPProbeError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), var host = parsed.host, !host.isEmpty else {
            throw .invalidURL(url)
        }
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(scheme) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        secure = scheme == "https"
        self.host = host
        port = parsed.port ?? (secure ? 443 : 80)
        let path = parsed.path(percentEncoded: true)
        target = (path.isEmpty ? "/" : path) + (parsed.query(percentEncoded: true).map { "?" + $0 } ?? "")
    }

    /// The TLS server name: the host unless it is an IP address (SNI carries names only).
    var serverName: String? {
        var address = in6_addr()
        let isAddress = inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
        return isAddress ? nil : host
    }
}
