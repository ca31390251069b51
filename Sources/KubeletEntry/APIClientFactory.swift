import KubeAPI
import KubeClient
import SwiftletCore

/// The kubelet's HTTPS client (mutual TLS with the node certificate from the kubeconfig).
///
/// One process simulating `nodes` nodes gets the request budget of that many kubelets (50 qps,
/// burst 100 each, the kubelet's defaults): lease renewals alone are `nodes / 10` per second, and
/// every started pod costs a status update and three events.
func makeAPIClient(kubeconfig: String, nodes: Int = 1) throws -> HTTPClient {
    var config = try ClientConfig.load(kubeconfigPath: kubeconfig, userAgent: "swiftlet-kubelet/\(SwiftletVersion.current)")
    let nodes = max(1, nodes)
    config.qps = 50 * Double(nodes)
    config.burst = 100 * nodes
    return try HTTPClient(config: config)
}
