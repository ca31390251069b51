import KubeAPI
import KubeHTTP
import NIOSSL

extension APIServer {
    /// The kubelet of `nodeName` for streaming upgrades, with the apiserver's kubelet client
    /// certificate. The locator (and so the key files) is read per request: streams are rare
    /// and long, and a rotated certificate is picked up at once.
    func kubeletUpgradeTarget(nodeName: String) async throws -> KubeletUpgradeTarget {
        let located: KubeletLocator.Target
        do {
            located = try await KubeletLocator(config: config, store: store).locate(nodeName: nodeName)
        } catch let error as StatusError {
            throw error
        } catch {
            throw StatusError.internalError("cannot set up a kubelet connection: \(error)")
        }
        // Node addresses are mostly IPs, which SNI may not carry: NIOSSL then checks the
        // certificate against the peer's address.
        let isIP = located.host.contains(":") || located.host.allSatisfy { $0.isNumber || $0 == "." }
        let context = try NIOSSLContext(configuration: located.tls)
        return KubeletUpgradeTarget(target: .init(host: located.host, port: located.port, tls: context,
                                                  serverHostname: isIP ? nil : located.host))
    }
}
