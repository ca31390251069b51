import KubeAPI
import KubeHTTP
import NIOCore
import NIOHTTP1

/// `pods/exec`, `pods/attach` and `pods/portforward`: upgrade requests proxied to the pod's
/// kubelet (upstream's connect handlers and upgrade-aware proxy). WebSocket and SPDY upgrades
/// pass through as they are, except kubectl's port-forward WebSocket tunnel
/// (`SPDY/3.1+portforward.k8s.io`), which ends here: the kubelet gets plain SPDY and the SPDY
/// bytes travel inside binary WebSocket messages (upstream's streamtunnel.go).
extension APIServer {
    static let portForwardTunnelProtocol = "SPDY/3.1+portforward.k8s.io"

    func connect(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let name = try target.requireName()
        let request = context.request
        guard request.isUpgradeRequest else {
            throw StatusError.badRequest("Upgrade request required")
        }
        guard request.upgrader != nil else {
            throw StatusError.badRequest("\(target.subresource) needs an HTTP/1.1 connection to upgrade")
        }
        guard let kv = try await store.get(target.key(name: name)) else { throw target.notFound(name) }
        let pod = try Objects.decode(kv)
        let location = try PodStreamLocation(pod: pod, subresource: target.subresource, query: request.queryItems)
        let kubelet = try await kubeletUpgradeTarget(nodeName: location.nodeName)

        let offered = WebSocketTunnel.offeredProtocols(request.headers)
        if target.subresource == "portforward", request.headers.first(name: "Upgrade")?.lowercased() == "websocket",
           offered.contains(Self.portForwardTunnelProtocol) {
            try await tunnelPortForward(request: request, writer: context.writer, kubelet: kubelet, uri: location.kubeletURI)
        } else {
            let head = UpgradeProxy.backendHead(method: request.method, uri: location.kubeletURI,
                                                host: kubelet.hostHeader, clientHeaders: request.headers)
            try await UpgradeProxy.proxy(request, writer: context.writer, to: kubelet.target, head: head)
        }
        return 101
    }

    /// kubectl 1.30+ port-forward: answer the WebSocket here, speak plain SPDY to the kubelet.
    private func tunnelPortForward(request: HTTPServerRequest, writer: HTTPResponseWriter, kubelet: KubeletUpgradeTarget,
                                   uri: String) async throws {
        guard let answer = WebSocketTunnel.handshakeResponse(requestHeaders: request.headers,
                                                             subprotocol: Self.portForwardTunnelProtocol) else {
            throw StatusError.badRequest("invalid WebSocket handshake: Sec-WebSocket-Key and Sec-WebSocket-Version 13 are required")
        }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: [
            "Host": kubelet.hostHeader, "Connection": "Upgrade", "Upgrade": "SPDY/3.1",
            "X-Stream-Protocol-Version": "portforward.k8s.io",
        ])
        switch try await UpgradeClient.upgrade(to: kubelet.target, head: head) {
        case .refused(let response, let body):
            try await UpgradeProxy.relay(response, body: body, writer: writer)
        case .upgraded(_, let backend):
            let client: RawConnection
            do {
                client = try await request.upgrader!.takeOver(head: answer)
            } catch {
                await backend.close()
                throw error
            }
            await WebSocketTunnel.run(client: client, backend: backend)
        }
    }
}

/// A kubelet to open upgrade connections to.
struct KubeletUpgradeTarget: Sendable {
    var target: UpgradeClient.Target

    var hostHeader: String {
        target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
    }
}
