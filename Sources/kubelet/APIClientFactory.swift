import KubeAPI
import SwiftletCore

/// The client the kubelet talks to the API server with.
///
/// The HTTPS client (`KubeClient.HTTPClient(kubeconfigPath:userAgent:)`) is being finished on its
/// own branch; until it is merged this reports that clearly instead of running without a server.
func makeAPIClient(kubeconfig: String) throws -> any KubeAPIClient {
    throw ConfigError("the HTTPS API client is not available in this build yet")
}
