import CRI
import FoundationEssentials
import Glibc
import KubeAPI
import KubeHTTP
import NIOHTTP1

/// The kubelet's streaming paths (upstream `pkg/kubelet/server`: `/exec`, `/attach`,
/// `/portForward`), taken apart. Segments are percent-decoded.
public enum KubeletStreamRoute: Equatable, Sendable {
    case exec(namespace: String, pod: String, container: String)
    case attach(namespace: String, pod: String, container: String)
    case portForward(namespace: String, pod: String)

    /// nil for paths that are not streaming paths. The optional pod-UID segment upstream also
    /// accepts (`/exec/{ns}/{pod}/{uid}/{container}`) is allowed and ignored.
    public init?(path: Substring) {
        let s = path.split(separator: "/", omittingEmptySubsequences: true).map { percentDecode($0) }
        switch (s.first, s.count) {
        case ("exec", 4), ("exec", 5): self = .exec(namespace: s[1], pod: s[2], container: s[s.count - 1])
        case ("attach", 4), ("attach", 5): self = .attach(namespace: s[1], pod: s[2], container: s[s.count - 1])
        case ("portForward", 3), ("portForward", 4): self = .portForward(namespace: s[1], pod: s[2])
        default: return nil
        }
    }
}

/// The stream options of an exec or attach request (upstream `remotecommand.NewOptions`):
/// `command` (repeated), `input`, `output`, `error`, `tty`.
public struct StreamOptions: Equatable, Sendable {
    public var command: [String] = []
    public var stdin = false
    public var stdout = false
    public var stderr = false
    public var tty = false

    public init(query: [(name: String, value: String)]) {
        func flag(_ name: String) -> Bool {
            query.last { $0.name == name }.map { $0.value == "1" || $0.value.lowercased() == "true" } ?? false
        }
        command = query.filter { $0.name == "command" }.map(\.value)
        stdin = flag("input")
        stdout = flag("output")
        stderr = flag("error")
        tty = flag("tty")
        // A terminal merges stderr into stdout (upstream drops it too).
        if tty { stderr = false }
    }
}

/// The WebSocket subprotocol handshake towards the runtime: containerd 1.6 speaks
/// `v4.channel.k8s.io` but not v5, which kubectl 1.30+ offers alone. v5 only adds channel 255
/// (close stdin), so a v5-only offer without stdin is sent as v4 and the runtime's v4 answer is
/// given back to the client as v5; with stdin the kubelet answers the WebSocket itself and speaks
/// SPDY to the runtime (`RemoteCommandBridge`), where stdin can end.
public enum ChannelProtocolShim {
    public static let v4 = "v4.channel.k8s.io"
    public static let v5 = "v5.channel.k8s.io"

    /// Whether a WebSocket client offers v5.
    public static func offersV5(_ headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "Upgrade"].contains { $0.lowercased() == "websocket" }
            && WebSocketTunnel.offeredProtocols(headers).contains(v5)
    }

    /// The request headers for the runtime and whether the answer must be rewritten to v5.
    public static func requestHeaders(_ headers: HTTPHeaders) -> (HTTPHeaders, rewriteAnswer: Bool) {
        let offered = headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
        guard offered.contains(v5) else { return (headers, false) }
        var out = headers
        out.remove(name: "Sec-WebSocket-Protocol")
        let rest = offered.filter { $0 != v5 }
        for p in rest.isEmpty ? [v4] : rest { out.add(name: "Sec-WebSocket-Protocol", value: p) }
        return (out, rest.isEmpty)
    }

    /// The runtime's answer as the client must see it.
    public static func rewriteAnswer(_ head: inout HTTPResponseHead) {
        if head.headers.first(name: "Sec-WebSocket-Protocol") == v4 {
            head.headers.replaceOrAdd(name: "Sec-WebSocket-Protocol", value: v5)
        }
    }
}

extension NodeAgent {
    /// Serves a streaming request: asks the runtime for a streaming URL (CRI Exec, Attach or
    /// PortForward), forwards the client's upgrade there and splices. Errors before the upgrade
    /// are thrown as `StatusError`s for the caller to answer.
    public func serveStream(_ route: KubeletStreamRoute, request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
        guard request.method == .GET || request.method == .POST else {
            throw StatusError(code: 405, reason: "MethodNotAllowed", message: "method \(request.method.rawValue) is not allowed")
        }
        guard request.isUpgradeRequest, request.upgrader != nil else {
            throw StatusError.badRequest("Upgrade request required")
        }
        let url: String
        var extraQuery = ""
        var bridged: RemoteCommandBridge.Streams?
        switch route {
        case .exec(let namespace, let pod, let container), .attach(let namespace, let pod, let container):
            let options = StreamOptions(query: request.queryItems)
            if options.stdin, ChannelProtocolShim.offersV5(request.headers) {
                // v5 can close stdin, which the runtime's WebSocket (v4) cannot carry: speak SPDY to it.
                bridged = .init(stdin: options.stdin, stdout: options.stdout, stderr: options.stderr, tty: options.tty)
            }
            guard options.stdin || options.stdout || options.stderr else {
                throw StatusError.badRequest("you must specify at least 1 of stdin, stdout, stderr")
            }
            let containerID = try await runningContainerID(namespace: namespace, pod: pod, container: container)
            if case .exec = route {
                guard !options.command.isEmpty else { throw StatusError.badRequest("you must specify a command") }
                var cri = Runtime_V1_ExecRequest()
                cri.containerID = containerID
                cri.cmd = options.command
                cri.tty = options.tty
                cri.stdin = options.stdin
                cri.stdout = options.stdout
                cri.stderr = options.stderr
                url = try await criCall { try await runtime.exec(cri) }
            } else {
                var cri = Runtime_V1_AttachRequest()
                cri.containerID = containerID
                cri.tty = options.tty
                cri.stdin = options.stdin
                cri.stdout = options.stdout
                cri.stderr = options.stderr
                url = try await criCall { try await runtime.attach(cri) }
            }
        case .portForward(let namespace, let pod):
            let ports = try Self.forwardPorts(request.queryItems)
            let sandboxID = try await readySandboxID(namespace: namespace, pod: pod)
            url = try await criCall { try await runtime.portForward(podSandboxID: sandboxID, ports: ports) }
            // containerd reads a WebSocket client's ports from the URL, like the kubelet did.
            extraQuery = ports.map { "port=\($0)" }.joined(separator: "&")
        }
        let backend = try StreamingURL(url)
        if let bridged {
            guard let answer = WebSocketTunnel.handshakeResponse(requestHeaders: request.headers, subprotocol: ChannelProtocolShim.v5) else {
                throw StatusError.badRequest("invalid WebSocket handshake")
            }
            logger.debug("bridging stream to SPDY", metadata: ["route": "\(route)", "backend": "\(backend.host):\(backend.port)"])
            try await UpgradeProxy.proxy(request, writer: writer, to: .init(host: backend.host, port: backend.port),
                                         head: RemoteCommandBridge.backendHead(uri: backend.pathAndQuery, host: backend.hostHeader),
                                         adjustResponse: { $0 = answer },
                                         tunnel: { client, runtime in await RemoteCommandBridge.run(client: client, backend: runtime, streams: bridged) })
            return
        }
        let uri = extraQuery.isEmpty ? backend.pathAndQuery
            : backend.pathAndQuery + (backend.pathAndQuery.contains("?") ? "&" : "?") + extraQuery
        let (headers, rewrite) = ChannelProtocolShim.requestHeaders(request.headers)
        let head = UpgradeProxy.backendHead(method: request.method, uri: uri, host: backend.hostHeader, clientHeaders: headers)
        logger.debug("proxying stream", metadata: ["route": "\(route)", "backend": "\(backend.host):\(backend.port)"])
        try await UpgradeProxy.proxy(request, writer: writer, to: .init(host: backend.host, port: backend.port), head: head,
                                     adjustResponse: { if rewrite { ChannelProtocolShim.rewriteAnswer(&$0) } })
    }

    /// `port` query values (1-65535), in order.
    static func forwardPorts(_ query: [(name: String, value: String)]) throws(StatusError) -> [Int32] {
        var ports: [Int32] = []
        for item in query where item.name == "port" {
            for text in item.value.split(separator: ",") {
                guard let port = Int32(text.trimmedSpaces), (1...65535).contains(port) else {
                    throw StatusError.badRequest("invalid port \"\(text)\"")
                }
                ports.append(port)
            }
        }
        return ports
    }

    /// The CRI id of the running container `container` of the pod.
    func runningContainerID(namespace: String, pod: String, container: String) async throws -> String {
        let runtimePod = try await observedPod(namespace: namespace, pod: pod)
        guard let run = runtimePod.runs[container]?.first else {
            throw StatusError(code: 404, reason: "NotFound", message: "container not found (\"\(container)\")")
        }
        guard run.state == .containerRunning else {
            throw StatusError(code: 400, reason: "BadRequest", message: "container \(container) is not running")
        }
        return run.id
    }

    func readySandboxID(namespace: String, pod: String) async throws -> String {
        let runtimePod = try await observedPod(namespace: namespace, pod: pod)
        guard let id = runtimePod.sandboxID else {
            throw StatusError(code: 400, reason: "BadRequest", message: "pod \(namespace)/\(pod) has no running sandbox")
        }
        return id
    }

    private func observedPod(namespace: String, pod: String) async throws -> RuntimePod {
        guard let uid = podInformer.cache.get(namespace: namespace, name: pod)?["metadata"]["uid"].stringValue else {
            throw StatusError(code: 404, reason: "NotFound", message: "pod \(namespace)/\(pod) does not exist on this node")
        }
        return try await criCall { try await observe(uid: uid) }
    }

    /// Runs a CRI call, turning its failure into a 500 `StatusError` with the runtime's message.
    private func criCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CRIError {
            throw StatusError(code: 500, reason: "InternalError", message: "\(error)")
        }
    }
}

/// A runtime streaming URL (`http://127.0.0.1:PORT/exec/TOKEN`) taken apart.
struct StreamingURL: Equatable {
    var host: String
    var port: Int
    var pathAndQuery: String

    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    init(host: String, port: Int, pathAndQuery: String) {
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
    }

    init(_ url: String) throws(StatusError) {
        guard url.hasPrefix("http://") else {
            throw StatusError.internalError("unsupported streaming URL from the runtime: \(url)")
        }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        pathAndQuery = slash == rest.endIndex ? "/" : String(rest[slash...])
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty, let port = portPart.map({ Int($0) }) ?? 80 else {
            throw StatusError.internalError("unsupported streaming URL from the runtime: \(url)")
        }
        host = String(hostPart)
        self.port = port
    }
}
