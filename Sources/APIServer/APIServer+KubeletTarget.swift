import KubeAPI
import KubeHTTP
import NIOSSL

extension APIServer {
    /// The kubelet of `nodeName` for streaming upgrades, with the apiserver's kubelet client
    /// certificate (the same locator and TLS settings as logs and the node proxy).
    func kubeletUpgradeTarget(nodeName: String) async throws -> KubeletUpgradeTarget {
        guard let locator = kubeletLocator, let context = kubeletSSLContext else {
            throw Self.noKubeletClient
        }
        let located = try await locator.locate(nodeName: nodeName)
        // Node addresses are mostly IPs, which SNI may not carry: NIOSSL then checks the
        // certificate against the peer's address.
        let isIP = located.host.contains(":") || located.host.allSatisfy { $0.isNumber || $0 == "." }
        return KubeletUpgradeTarget(target: .init(host: located.host, port: located.port, tls: context,
                                                  serverHostname: isIP ? nil : located.host))
    }

    /// The answer when the config names no kubelet client certificate.
    static let noKubeletClient = StatusError(
        code: 503, reason: "ServiceUnavailable",
        message: "this API server has no kubelet client configuration (kubeletClientCertificate)")
}
