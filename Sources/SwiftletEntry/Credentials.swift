#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FoundationEssentials
import Logging
import KubePKI
import Supervision
import SwiftletCore

/// The files the supervisor writes for the control plane: kubeconfigs and the apiserver's config.
struct ControlPlaneFiles {
    let config: ServerConfig
    let pki: ClusterPKI

    /// The kubeconfig name of each component identity (`cred/<name>.kubeconfig`).
    static let credentialNames: [(ClientIdentity, String)] = [
        (.admin, "admin"), (.controllerManager, "controller"), (.scheduler, "scheduler"),
        (.supervisor, "supervisor"), (.kubeProxy, "kube-proxy"), (.kubelet, "kubelet"),
    ]

    /// The apiserver URL components and the admin use on this machine.
    static func localURL(port: Int) -> String { "https://127.0.0.1:\(port)" }

    /// Writes every component kubeconfig (0600) and the admin kubeconfig (`--write-kubeconfig`,
    /// `--write-kubeconfig-mode`), all pointing at the local apiserver on `port`.
    func writeKubeconfigs(port: Int) throws {
        let server = Self.localURL(port: port)
        for (identity, name) in Self.credentialNames {
            try write(identity, to: config.credentialPath(name), mode: 0o600, server: server)
        }
        try write(.admin, to: config.writeKubeconfig, mode: mode_t(config.writeKubeconfigMode), server: server)
    }

    /// The same kubeconfigs as templates whose server port is `SupervisorPlan.portPlaceholder`, for
    /// the supervisor to write once an apiserver started on port 0 reports its port.
    func kubeconfigTemplates() -> [SupervisorPlan.PortTemplate] {
        let server = "https://127.0.0.1:" + SupervisorPlan.portPlaceholder
        var targets = Self.credentialNames.map { (identity, name) in (identity, config.credentialPath(name), UInt32(0o600)) }
        targets.append((.admin, config.writeKubeconfig, UInt32(config.writeKubeconfigMode)))
        return targets.map { identity, path, mode in
            let files = pki.client(identity)
            return SupervisorPlan.PortTemplate(path: path, mode: mode, content: Kubeconfig.render(
                clusterName: "default", server: server, caPEM: pki.serverCA.certificatePEM, user: "default",
                clientCertPEM: files.certificatePEM, clientKeyPEM: files.keyPEM))
        }
    }

    private func write(_ identity: ClientIdentity, to path: String, mode: mode_t, server: String) throws {
        let files = pki.client(identity)
        // Named `default` like K3s, so merged kubeconfigs look familiar.
        try Kubeconfig.write(
            to: path, mode: mode, clusterName: "default", server: server, caPEM: pki.serverCA.certificatePEM,
            user: "default", clientCertPEM: files.certificatePEM, clientKeyPEM: files.keyPEM)
    }

    /// The apiserver's typed configuration.
    func apiserverConfig(advertiseAddress: String) -> APIServerConfig {
        var result = APIServerConfig(
            tlsCertFile: pki.serving.certificatePath, tlsKeyFile: pki.serving.keyPath,
            clientCAFile: pki.clientCA.certificatePath, databasePath: config.databasePath)
        result.securePort = config.httpsListenPort
        result.bindAddress = config.bindAddress
        result.advertiseAddress = advertiseAddress
        result.serviceCIDR = config.serviceCIDR
        result.clusterCIDR = config.clusterCIDR
        result.serviceNodePortRange = config.serviceNodePortRange
        result.logLevel = Self.componentLogLevel(config.logLevel)
        result.portFile = config.httpsListenPort == 0 ? config.portFile("apiserver") : nil
        // Logs, exec and port-forward: the apiserver calls kubelets with its own client
        // certificate and checks their serving certificates against the server CA (K3s's choice).
        let kubeletClient = pki.client(.apiserverKubeletClient)
        result.kubeletClientCertificate = kubeletClient.certificatePath
        result.kubeletClientKey = kubeletClient.keyPath
        result.kubeletCertificateAuthority = pki.serverCA.certificatePath
        // Service-account tokens (TokenRequest, projected volumes) are signed with the key the PKI
        // keeps across restarts, so tokens stay valid when the server restarts.
        result.serviceAccountSigningKeyFile = pki.serviceAccountKey.privateKeyPath
        result.serviceAccountIssuer = "https://kubernetes.default.svc.\(config.clusterDomain)"
        return result
    }

    /// The apiserver understands error, warning, info, debug and trace.
    static func componentLogLevel(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "trace"
        case .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warning"
        case .error, .critical: "error"
        }
    }

    /// The address clients are told to use: the configured one, else a specific bind address,
    /// else the first IPv4 host address, else loopback.
    static func advertiseAddress(config: ServerConfig, hostAddresses: () -> [IPAddress]) -> String {
        if let address = config.advertiseAddress { return address }
        if config.bindAddress != "0.0.0.0", config.bindAddress != "::" { return config.bindAddress }
        return hostAddresses().first(where: \.isIPv4)?.description ?? "127.0.0.1"
    }
}

/// Creates a directory and its parents with `mode` for the ones it creates.
func makeDirectory(_ path: String, mode: Int) throws {
    try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
}
