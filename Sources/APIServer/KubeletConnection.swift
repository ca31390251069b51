import FoundationEssentials
import KubeAPI
import KubeStore
import NIOSSL
import SwiftletCore

/// Where a node's kubelet API is and how to reach it: the apiserver's side of logs, exec, attach,
/// port-forward and `nodes/{name}/proxy` (upstream's `NodeConnectionInfoGetter`).
///
/// ```
/// let locator = try KubeletLocator(config: config, store: store)
/// let target = try await locator.locate(nodeName: "node-1")   // StatusError 404 / 500
/// // connect to target.host:target.port with target.tls (HTTP1Client or UpgradeClient)
/// ```
public struct KubeletLocator: Sendable {
    /// Address types tried in order; the first present one wins. K3s passes
    /// `--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname` (upstream's default puts
    /// Hostname first, which needs node names in DNS).
    public var preferredAddressTypes = ["InternalIP", "ExternalIP", "Hostname"]
    /// The port when the Node reports none (`status.daemonEndpoints.kubeletEndpoint.Port` 0 or absent).
    public var defaultPort = 10250
    /// Client certificate and trust roots for kubelet connections.
    public let tls: TLSConfiguration
    private let store: any KubeStore

    /// Where to connect and with which TLS settings.
    public struct Target: Sendable {
        public var nodeName: String
        public var host: String
        public var port: Int
        public var tls: TLSConfiguration

        /// `https://host:port` (IPv6 hosts bracketed), without a trailing slash.
        public var baseURL: String {
            let bracketed = host.contains(":") ? "[\(host)]" : host
            return "https://\(bracketed):\(port)"
        }
    }

    /// TLS from the config's `kubeletClientCertificate`/`kubeletClientKey` (presented when both are
    /// set) and `kubeletCertificateAuthority` (nil: the system roots). Unreadable files are errors.
    public init(config: APIServerConfig, store: any KubeStore) throws {
        self.init(tls: try Self.tlsConfiguration(config), store: store)
    }

    public init(tls: TLSConfiguration, store: any KubeStore) {
        self.tls = tls
        self.store = store
    }

    /// The kubelet of `nodeName`. Throws upstream's errors: `nodes "n" not found` (404) and
    /// `no preferred addresses found; known addresses: [...]` (500).
    public func locate(nodeName: String) async throws -> Target {
        guard let definition = ResourceRegistry.resource(group: "", version: "v1", plural: "nodes") else {
            throw StatusError.internalError("the nodes resource is not registered")
        }
        guard let kv = try await store.get(StorageKeys.key(definition, namespace: nil, name: nodeName)) else {
            throw StatusError.notFound("nodes", name: nodeName)
        }
        let node = try Objects.decode(kv)
        let (host, port) = try endpoint(of: node)
        return Target(nodeName: nodeName, host: host, port: port, tls: tls)
    }

    /// Host and port from a Node object (pure; `locate` after the store read).
    public func endpoint(of node: JSON) throws(StatusError) -> (host: String, port: Int) {
        let addresses: [(type: String, address: String)] = (node["status"]["addresses"].arrayValue ?? []).compactMap {
            guard let type = $0["type"].stringValue, let address = $0["address"].stringValue, !address.isEmpty else { return nil }
            return (type, address)
        }
        guard let host = preferredAddressTypes.lazy.compactMap({ wanted in
            addresses.first { $0.type == wanted }?.address
        }).first else {
            // Go prints the slice of NodeAddress structs as `[{Type Address} ...]`.
            let known = addresses.map { "{\($0.type) \($0.address)}" }.joined(separator: " ")
            throw StatusError(code: 500, reason: "InternalError", message: "no preferred addresses found; known addresses: [\(known)]")
        }
        let reported = node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"].intValue ?? 0
        return (host, reported > 0 && reported <= 65535 ? Int(reported) : defaultPort)
    }

    /// The client TLS configuration the config describes.
    public static func tlsConfiguration(_ config: APIServerConfig) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        func read(_ path: String, _ what: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError("cannot read the \(what) \(path)")
            }
            return Array(data)
        }
        if let caPath = config.kubeletCertificateAuthority {
            let roots = try NIOSSLCertificate.fromPEMBytes(read(caPath, "kubelet certificate authority"))
            guard !roots.isEmpty else { throw ConfigError("the kubelet certificate authority \(caPath) holds no certificate") }
            tls.trustRoots = .certificates(roots)
        }
        if let certPath = config.kubeletClientCertificate, let keyPath = config.kubeletClientKey {
            let chain = try NIOSSLCertificate.fromPEMBytes(read(certPath, "kubelet client certificate"))
            guard !chain.isEmpty else { throw ConfigError("the kubelet client certificate \(certPath) holds no certificate") }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: read(keyPath, "kubelet client key"), format: .pem))
        }
        return tls
    }
}
