import KubeAPI
import KubeHTTP

// Placeholders until logs, metrics and stats land (same branch, next commits).
extension KubeletAPI {
    func serveContainerLogs(namespace: String, pod: String, container: String,
                            query: [(name: String, value: String)], writer: HTTPResponseWriter) async throws {
        throw StatusError(code: 501, reason: "NotImplemented", message: "container logs are not served yet")
    }
}

extension NodeAgent {
    func metricsText() -> String { "" }
    func statsSummary() async -> JSON { [:] }
}
