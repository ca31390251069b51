import ComponentKit
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import KubeHTTP
import NIOHTTP1

/// The kubelet's HTTPS API on its secure port (upstream `pkg/kubelet/server`), installed into the
/// component server with `PeerAuthorizer.kubeletAPI` (the apiserver and cluster admins only):
///
/// | Path | What |
/// |---|---|
/// | `/pods` | PodList of the pods bound to this node |
/// | `/containerLogs/{ns}/{pod}/{container}` | a container's log (see `KubeletAPI+Logs.swift`) |
/// | `/metrics` | Prometheus text |
/// | `/stats/summary` | node and pod CPU/memory (metrics-server's source) |
///
/// The health paths (`/healthz`, `/readyz`, `/livez`) are answered by `ComponentMain`'s server
/// before this sees a request. To add a route, add a case to `Route` and to `respond`.
public struct KubeletAPI: HTTPResponder {
    let agent: NodeAgent

    public init(agent: NodeAgent) {
        self.agent = agent
    }

    /// A request path taken apart (segments are percent-decoded).
    enum Route: Equatable {
        case pods
        case containerLogs(namespace: String, pod: String, container: String)
        case metrics
        case statsSummary
        case notFound

        init(path: Substring) {
            let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { percentDecode($0) }
            switch segments.first {
            case "pods" where segments.count == 1: self = .pods
            case "containerLogs" where segments.count == 4:
                self = .containerLogs(namespace: segments[1], pod: segments[2], container: segments[3])
            case "metrics" where segments.count == 1: self = .metrics
            case "stats" where segments.count == 2 && segments[1] == "summary": self = .statsSummary
            default: self = .notFound
            }
        }
    }

    public func respond(to request: HTTPServerRequest, writer: HTTPResponseWriter) async throws {
        // exec, attach and portForward take GET and POST upgrades (NodeAgent+Streaming.swift).
        if let stream = KubeletStreamRoute(path: request.path) {
            do {
                try await agent.serveStream(stream, request: request, writer: writer)
            } catch let error as StatusError {
                try await writer.respond(error: error)
            }
            return
        }
        let route = Route(path: request.path)
        do {
            guard request.method == .GET || route == .notFound else {
                throw StatusError(code: 405, reason: "MethodNotAllowed", message: "method \(request.method.rawValue) is not allowed on \(request.path)")
            }
            switch route {
            case .pods:
                try await writer.respond(json: podList())
            case .containerLogs(let namespace, let pod, let container):
                try await serveContainerLogs(namespace: namespace, pod: pod, container: container,
                                             query: request.queryItems, writer: writer)
            case .metrics:
                try await writer.respond(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                                         body: Array(await agent.metricsText().utf8))
            case .statsSummary:
                try await writer.respond(json: try await agent.statsSummary())
            case .notFound:
                try await writer.respond(status: .notFound, headers: ["Content-Type": "text/plain; charset=utf-8"],
                                         body: Array("404 page not found\n".utf8))
            }
        } catch let error as StatusError {
            try await writer.respond(error: error)
        }
    }

    /// The pods bound to this node, as the informer holds them (upstream serves its pod manager's).
    func podList() -> JSON {
        let items = agent.podInformer.cache.list().sorted {
            (ObjectCache.key(for: $0) ?? "") < (ObjectCache.key(for: $1) ?? "")
        }
        return ["kind": "PodList", "apiVersion": "v1", "metadata": [:], "items": .array(items)]
    }
}

extension HTTPResponseWriter {
    /// Answers 200 with a JSON body.
    func respond(json: JSON) async throws {
        try await respond(status: .ok, headers: ["Content-Type": "application/json"], body: json.serialized())
    }
}
