import FoundationEssentials
import SwiftASN1
import X509

/// What a certificate says about itself, for expiry reports, SAN checks and tests.
public struct CertificateInfo: Sendable, Equatable {
    /// Start of validity.
    public let notBefore: Date
    /// End of validity.
    public let notAfter: Date
    /// DNS subject alternative names, in certificate order.
    public let dnsNames: [String]
    /// IP subject alternative names, in certificate order, in canonical text form.
    public let ipAddresses: [String]
    /// The subject CN, if any.
    public let commonName: String?
    /// The subject O values, in order.
    public let organizations: [String]
    /// Whether basicConstraints says CA:TRUE.
    public let isCertificateAuthority: Bool

    /// Reads the first certificate in `pem`.
    public init(pem: String) throws {
        try self.init(PEMCoding.certificate(fromPEM: pem, what: "certificate PEM"))
    }

    init(_ certificate: Certificate) throws {
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        var dns: [String] = []
        var ips: [String] = []
        for name in try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let value):
                dns.append(value)
            case .ipAddress(let octets):
                // A malformed length is shown as hex rather than dropped, so a check never passes on it.
                if let ip = IPAddress(bytes: Array(octets.bytes)) {
                    ips.append(ip.description)
                } else {
                    ips.append(octets.bytes.map { String($0, radix: 16) }.joined(separator: ":"))
                }
            default:
                continue
            }
        }
        dnsNames = dns
        ipAddresses = ips
        let names = SubjectNames(certificate.subject)
        commonName = names.commonName
        organizations = names.organizations
        if case .isCertificateAuthority = try certificate.extensions.basicConstraints {
            isCertificateAuthority = true
        } else {
            isCertificateAuthority = false
        }
    }
}

/// Reads validity and SANs from a PEM certificate (see `CertificateInfo`).
public func certificateInfo(pem: String) throws -> CertificateInfo {
    try CertificateInfo(pem: pem)
}
