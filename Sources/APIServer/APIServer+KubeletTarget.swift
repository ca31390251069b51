import KubeAPI
import KubeHTTP

extension APIServer {
    /// The kubelet of `nodeName` for streaming upgrades.
    func kubeletUpgradeTarget(nodeName: String) async throws -> KubeletUpgradeTarget {
        // Wired onto KubeletLocator once the kubelet API lands.
        throw StatusError(code: 503, reason: "ServiceUnavailable", message: "no kubelet connection configured")
    }
}
