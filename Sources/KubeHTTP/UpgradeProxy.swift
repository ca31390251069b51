import NIOCore
import NIOHTTP1

/// Forwards a client's Upgrade request to a backend and, once the backend switched protocols,
/// splices the two connections (upstream's upgrade-aware proxy). A backend that refuses has its
/// answer relayed as an ordinary HTTP response, so the client sees the backend's error.
public enum UpgradeProxy {
    /// Headers never forwarded: the backend gets its own Host, and credentials meant for this
    /// server stay here.
    static let droppedRequestHeaders: Set<String> = [
        "host", "authorization", "proxy-authorization", "cookie", "content-length", "transfer-encoding",
        "impersonate-user", "impersonate-group", "impersonate-uid",
    ]

    /// The request head sent to the backend: `method` and `uri`, the client's headers minus
    /// `droppedRequestHeaders`, `Host` set to `host`.
    public static func backendHead(method: HTTPMethod, uri: String, host: String, clientHeaders: HTTPHeaders) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        for (name, value) in clientHeaders where !droppedRequestHeaders.contains(name.lowercased()) {
            headers.add(name: name, value: value)
        }
        return HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
    }

    /// Sends `head` to `target`. On `101` the (adjusted) answer goes to the client, which is then
    /// spliced to the backend until either ends; any other answer is relayed with its body.
    /// Throws `StatusError`-like `RawConnectionError`s only before anything was written.
    public static func proxy(
        _ request: HTTPServerRequest, writer: HTTPResponseWriter, to target: UpgradeClient.Target, head: HTTPRequestHead,
        adjustResponse: @Sendable (inout HTTPResponseHead) -> Void = { _ in },
        tunnel: (@Sendable (RawConnection, RawConnection) async -> Void)? = nil
    ) async throws {
        guard let upgrader = request.upgrader else {
            throw RawConnectionError("an upgrade needs an HTTP/1.1 connection")
        }
        switch try await UpgradeClient.upgrade(to: target, head: head) {
        case .refused(let answer, let body):
            try await relay(answer, body: body, writer: writer)
        case .upgraded(var answer, let backend):
            adjustResponse(&answer)
            let client: RawConnection
            do {
                client = try await upgrader.takeOver(head: answer)
            } catch {
                await backend.close()
                throw error
            }
            if let tunnel {
                await tunnel(client, backend)
            } else {
                await splice(client, backend)
            }
        }
    }

    /// Relays a backend's non-101 answer: its status, content type and body.
    public static func relay(_ answer: HTTPResponseHead, body: [UInt8], writer: HTTPResponseWriter) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.headers.first(name: "Content-Type") ?? "text/plain; charset=utf-8")
        try await writer.respond(status: answer.status, headers: headers, body: body)
    }
}
