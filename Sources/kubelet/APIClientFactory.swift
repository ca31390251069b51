import KubeAPI
import KubeClient
import SwiftletCore

/// The kubelet's HTTPS client (mutual TLS with the node certificate from the kubeconfig).
func makeAPIClient(kubeconfig: String) throws -> HTTPClient {
    try HTTPClient(kubeconfigPath: kubeconfig, userAgent: "swiftlet-kubelet/\(SwiftletVersion.current)")
}
