/// What `ClusterPKI.ensure` needs to know about the node and the cluster (the `swiftlet server`
/// flags that affect certificates).
public struct PKIOptions: Sendable, Equatable {
    /// The node name (normally the lower-cased hostname); a DNS SAN of the serving certificate and
    /// the kubelet identity `system:node:<nodeName>`.
    public var nodeName: String
    /// Node IP addresses for the serving certificate. Empty means "discover the host's addresses".
    public var nodeIPs: [String]
    /// Extra SANs (`--tls-san`), each an IP address or a DNS name.
    public var tlsSANs: [String]
    /// The service CIDR(s), comma-separated for dual-stack; the first address of each is a SAN.
    public var serviceCIDR: String
    /// The cluster DNS domain; gives the SAN `kubernetes.default.svc.<clusterDomain>`.
    public var clusterDomain: String
    /// Lifetime of newly issued serving and client certificates.
    public var leafValidity: Duration
    /// Re-issue a leaf certificate that expires within this window.
    public var renewBefore: Duration

    public init(
        nodeName: String,
        nodeIPs: [String] = [],
        tlsSANs: [String] = [],
        serviceCIDR: String = "10.43.0.0/16",
        clusterDomain: String = "cluster.local",
        leafValidity: Duration = CertificateValidity.leaf,
        renewBefore: Duration = CertificateValidity.renewBefore
    ) {
        self.nodeName = nodeName
        self.nodeIPs = nodeIPs
        self.tlsSANs = tlsSANs
        self.serviceCIDR = serviceCIDR
        self.clusterDomain = clusterDomain
        self.leafValidity = leafValidity
        self.renewBefore = renewBefore
    }

    /// The SANs the apiserver serving certificate must carry: the node name, node IPs, `--tls-san`
    /// values, `localhost`, the in-cluster `kubernetes` names, loopback, and the first service IP.
    ///
    /// DNS names are lower-cased (DNS is case-insensitive and Go compares them so); duplicates are
    /// dropped. Throws for a bad service CIDR, node IP, cluster domain or SAN.
    public func servingSANs(
        discoverAddresses: () -> [IPAddress] = NetworkInterfaces.hostAddresses
    ) throws -> (dnsNames: [String], ipAddresses: [IPAddress]) {
        let serviceIPs = try firstUsableAddresses(ofCIDRs: serviceCIDR)
        let domain = clusterDomain.lowercased().trimmingTrailingDot()
        try Self.validateDNSName(domain, what: "cluster domain")
        try Self.validateDNSName(nodeName.lowercased(), what: "node name")

        var dns = [nodeName.lowercased(), "localhost", "kubernetes", "kubernetes.default",
                   "kubernetes.default.svc", "kubernetes.default.svc.\(domain)"]
        var ips = try [IPAddress("127.0.0.1"), IPAddress("::1")]
        ips += serviceIPs
        ips += nodeIPs.isEmpty ? discoverAddresses() : try nodeIPs.map { try IPAddress($0) }
        for san in tlsSANs {
            if let ip = try? IPAddress(san) {
                ips.append(ip)
            } else {
                let name = san.lowercased()
                try Self.validateDNSName(name, what: "--tls-san value", allowWildcard: true)
                dns.append(name)
            }
        }
        return (dns.uniqued(), ips.uniqued())
    }

    /// The SANs of the kubelet serving certificate (K3s's `serving-kubelet.crt`): the node name,
    /// `localhost`, loopback and the node IPs (discovered when none are configured), which is what
    /// the apiserver dials (the Node's InternalIP) and what a local client uses.
    public func kubeletServingSANs(
        discoverAddresses: () -> [IPAddress] = NetworkInterfaces.hostAddresses
    ) throws -> (dnsNames: [String], ipAddresses: [IPAddress]) {
        try Self.validateDNSName(nodeName.lowercased(), what: "node name")
        var ips = try [IPAddress("127.0.0.1"), IPAddress("::1")]
        ips += nodeIPs.isEmpty ? discoverAddresses() : try nodeIPs.map { try IPAddress($0) }
        return ([nodeName.lowercased(), "localhost"].uniqued(), ips.uniqued())
    }

    /// A light syntax check: clear errors for values that are obviously not host names, without
    /// second-guessing unusual but valid ones.
    static func validateDNSName(_ name: String, what: String, allowWildcard: Bool = false) throws {
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if allowWildcard, labels.first == "*", labels.count > 1 { labels.removeFirst() }
        let valid = !name.isEmpty && name.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic
                    || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
        }
        guard valid else { throw PKIError.invalidName(what, name) }
    }
}

extension String {
    fileprivate func trimmingTrailingDot() -> String {
        hasSuffix(".") ? String(dropLast()) : self
    }
}
