import KubeAPI
import KubeHTTP
import NIOCore
import NIOHTTP1

extension APIServer {
    /// `GET /api/v1/namespaces/{ns}/pods/{name}/log`: validates the query and the container
    /// (upstream `pod.LogLocation`), then streams the kubelet's `/containerLogs` answer through,
    /// chunk by chunk, until the kubelet ends it or the client goes away.
    func podLog(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let name = try target.requireName()
        let options = try PodLogOptions(query: context.query.items)
        guard let kv = try await store.get(target.key(name: name)) else { throw target.notFound(name) }
        let pod = try Objects.decode(kv)
        let container = try Self.logContainer(pod: pod, requested: context.query.value("container"))
        guard let nodeName = pod["spec"]["nodeName"].stringValue, !nodeName.isEmpty else {
            // Upstream answers an unscheduled pod with an empty log rather than an error.
            try await context.writer.respond(status: .ok, headers: ["Content-Type": "text/plain"], body: [])
            return 200
        }
        let namespace = target.namespace ?? "default"
        let query = options.queryString
        let path = "/containerLogs/\(namespace)/\(name)/\(container)" + (query.isEmpty ? "" : "?" + query)
        return try await proxyToKubelet(context, nodeName: nodeName, path: path, resource: "pods/log", name: name)
    }

    /// `/api/v1/nodes/{name}/proxy/{path}`: GET passed through to the node's kubelet API.
    func nodeProxy(_ context: RequestContext) async throws -> Int {
        guard let nodeName = context.info.name else { throw StatusError.methodNotSupported("nodes/proxy", verb: context.info.verb) }
        guard context.info.verb == "get" else {
            throw StatusError.methodNotSupported("nodes/proxy", verb: context.info.verb)
        }
        let rest = context.info.subresource.dropFirst("proxy".count)
        var path = rest.isEmpty ? "/" : String(rest)
        if let q = context.request.uri.firstIndex(of: "?") { path += context.request.uri[q...] }
        return try await proxyToKubelet(context, nodeName: nodeName, path: path, resource: "nodes/proxy", name: nodeName)
    }

    /// The container whose log is asked for (upstream `ValidateContainer`): the named one, which
    /// must exist, or the only one.
    static func logContainer(pod: JSON, requested: String?) throws(StatusError) -> String {
        let podName = pod["metadata"]["name"].stringValue ?? ""
        let names: (JSON) -> [String] = { ($0.arrayValue ?? []).compactMap { $0["name"].stringValue } }
        let containers = names(pod["spec"]["containers"])
        let all = names(pod["spec"]["initContainers"]) + containers + names(pod["spec"]["ephemeralContainers"])
        if let requested, !requested.isEmpty {
            guard all.contains(requested) else {
                throw .badRequest("container \(requested) is not valid for pod \(podName)")
            }
            return requested
        }
        switch containers.count {
        case 1: return containers[0]
        case 0: throw .badRequest("a container name must be specified for pod \(podName)")
        default:
            throw .badRequest("a container name must be specified for pod \(podName), choose one of: [\(all.joined(separator: " "))]")
        }
    }

    /// Sends `path` to the node's kubelet with the apiserver's client certificate and copies the
    /// answer: a 2xx is streamed, anything else becomes a `Status` (upstream's response checker).
    private func proxyToKubelet(_ context: RequestContext, nodeName: String, path: String,
                                resource: String, name: String) async throws -> Int {
        let located = try await kubeletUpgradeTarget(nodeName: nodeName)
        let kubelet = located.target
        let response: HTTP1Response
        do {
            // One connection per request, HTTP/1.1, no redirects followed. The timeout bounds the
            // connect and the response head only (the kubelet sends its head before any log
            // line): a follow lasts as long as the container runs and the client listens; the
            // client going away cancels this task, which closes the connection.
            response = try await HTTP1Client.execute(
                HTTP1Request(host: kubelet.host, port: kubelet.port, target: path),
                tls: kubelet.tls, serverHostname: kubelet.serverHostname, timeout: Self.kubeletTimeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StatusError.internalError("error trying to reach the kubelet of node \"\(nodeName)\" at https://\(located.hostHeader): \(error)")
        }
        let code = Int(response.status.code)
        guard (200...206).contains(code) else {
            let body = try await response.collect(upTo: 64 * 1024)
            throw Self.kubeletError(code: code, body: String(decoding: body, as: UTF8.self), resource: resource, name: name)
        }
        var headers: HTTPHeaders = ["Cache-Control": "no-cache, private"]
        headers.add(name: "Content-Type", value: response.headers.first(name: "Content-Type") ?? "text/plain")
        do {
            try await context.writer.writeHead(status: .init(statusCode: code), headers: headers)
            for try await chunk in response.body {
                try await context.writer.writeBody(Array(chunk.readableBytesView))
            }
            try await context.writer.end()
        } catch {
            // The client went away (the write failed): the kubelet's stream must not stay open.
            await response.body.close()
            throw error
        }
        return code
    }

    /// How long a kubelet has to accept the connection and send its response head.
    static let kubeletTimeout: Duration = .seconds(10)

    /// A kubelet's error answer as the apiserver reports it: 400 and 500 keep the kubelet's
    /// message (its `Status` message, or its text), others become a generic server response.
    static func kubeletError(code: Int, body: String, resource: String, name: String) -> StatusError {
        var message = body.trimmedWhitespace
        if let status = try? JSON(parsing: Array(body.utf8)), status["kind"].stringValue == "Status",
           let text = status["message"].stringValue {
            message = text
        }
        switch code {
        case 400: return .badRequest(message)
        case 500: return .internalError(message)
        case 404:
            return StatusError(code: 404, reason: "NotFound", message: message.isEmpty ? "the server could not find the requested resource" : message,
                               details: .init(name: name, kind: resource))
        case 401: return StatusError(code: 401, reason: "Unauthorized", message: message.isEmpty ? "Unauthorized" : message)
        case 403: return StatusError(code: 403, reason: "Forbidden", message: message)
        default:
            return StatusError(code: code, reason: "InternalError",
                               message: message.isEmpty ? "the server responded with the status code \(code) but did not return more information" : message)
        }
    }
}
