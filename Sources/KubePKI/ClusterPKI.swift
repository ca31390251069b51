import FoundationEssentials

/// A certificate (or CA) file and its key file, with their PEM contents.
public struct CertificateFiles: Sendable, Equatable {
    /// Path of the `.crt` file (mode 0644).
    public let certificatePath: String
    /// PEM contents of the `.crt` file.
    public let certificatePEM: String
    /// Path of the `.key` file (mode 0600).
    public let keyPath: String
    /// PEM contents of the `.key` file.
    public let keyPEM: String
}

/// The service-account token signing key pair.
public struct ServiceAccountKeyFiles: Sendable, Equatable {
    /// Path of `service.key` (P-256 private key PEM, mode 0600).
    public let privateKeyPath: String
    /// PEM contents of `service.key`.
    public let privateKeyPEM: String
    /// Path of `service.pub` (PKIX "PUBLIC KEY" PEM, mode 0644).
    public let publicKeyPath: String
    /// PEM contents of `service.pub`.
    public let publicKeyPEM: String
}

/// The server's TLS material in `<data-dir>/server/tls`, as left by `ensure`.
///
/// Layout (keys 0600, certificates 0644):
/// - `server-ca.crt/.key`: signs the apiserver serving certificate (clients trust it).
/// - `client-ca.crt/.key`: signs every client certificate (the apiserver trusts it).
/// - `request-header-ca.crt/.key`: for the aggregation layer's front proxy.
/// - `service.key`, `service.pub`: service-account token signing.
/// - `serving-kube-apiserver.crt/.key`: the apiserver's serving certificate.
/// - `serving-kubelet.crt/.key`: this node's kubelet serving certificate (signed by the server CA,
///   as K3s does, so the apiserver verifies kubelets with `server-ca.crt`).
/// - `client-*.crt/.key`: one per `ClientIdentity`.
public struct ClusterPKI: Sendable {
    /// File names inside the TLS directory.
    public enum FileName {
        public static let serverCA = "server-ca"
        public static let clientCA = "client-ca"
        public static let requestHeaderCA = "request-header-ca"
        public static let serviceAccountKey = "service.key"
        public static let serviceAccountPublicKey = "service.pub"
        public static let serving = "serving-kube-apiserver"
        public static let servingKubelet = "serving-kubelet"
    }

    /// Subject CN of the apiserver serving certificate.
    public static let servingCommonName = "kube-apiserver"

    /// The TLS directory.
    public let directory: String
    /// CA whose certificate clients use to verify the apiserver.
    public let serverCA: CertificateFiles
    /// CA the apiserver uses to verify client certificates.
    public let clientCA: CertificateFiles
    /// CA for front-proxy (request-header) client certificates.
    public let requestHeaderCA: CertificateFiles
    /// Service-account token signing key.
    public let serviceAccountKey: ServiceAccountKeyFiles
    /// The apiserver serving certificate.
    public let serving: CertificateFiles
    /// The kubelet serving certificate of this node (`PKIOptions.kubeletServingSANs`).
    public let servingKubelet: CertificateFiles
    /// Client certificates by identity; every `ClientIdentity` is present.
    public let clients: [ClientIdentity: CertificateFiles]
    /// Paths of files this call created or replaced, in write order (empty when all was reused);
    /// for the supervisor's log and to decide whether components must reload.
    public let written: [String]

    /// The client certificate for `identity`.
    public func client(_ identity: ClientIdentity) -> CertificateFiles {
        guard let files = clients[identity] else {
            preconditionFailure("ClusterPKI.ensure issues every ClientIdentity; \(identity) is missing")
        }
        return files
    }
}
