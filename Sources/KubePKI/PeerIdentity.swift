import SwiftASN1
import X509

/// Maps a verified TLS client certificate to a Kubernetes user, as the apiserver's x509
/// authenticator does: the subject CN is the user name and every O attribute is a group.
public enum PeerIdentity {
    /// Extracts the user (subject CN) and groups (all subject O values, in order) from a DER
    /// certificate. The caller must already have verified the chain (NIOSSL does, against the client
    /// CA); this only reads names.
    ///
    /// Throws `PKIError.Kind.invalidEncoding` for bytes that are not a certificate and
    /// `PKIError.Kind.missingField` when there is no CN, since an empty user name must not authenticate.
    public static func fromCertificate(derBytes: [UInt8]) throws -> (user: String, groups: [String]) {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: derBytes)
        } catch {
            throw PKIError.invalidEncoding("client certificate (DER)", error)
        }
        let names = SubjectNames(certificate.subject)
        guard let user = names.commonName, !user.isEmpty else {
            throw PKIError.missingField("client certificate subject \(certificate.subject) has no common name")
        }
        return (user, names.organizations)
    }
}

/// The CN and O values of a distinguished name.
struct SubjectNames {
    var commonName: String?
    var organizations: [String] = []

    init(_ name: DistinguishedName) {
        for rdn in name {
            for attribute in rdn {
                // Values in other string types (e.g. BMPString) are not used by Kubernetes tooling.
                guard let text = String(attribute.value) else { continue }
                if attribute.type == .RDNAttributeType.commonName {
                    // Go keeps the last CN when there are several; do the same.
                    commonName = text
                } else if attribute.type == .RDNAttributeType.organizationName {
                    organizations.append(text)
                }
            }
        }
    }
}
