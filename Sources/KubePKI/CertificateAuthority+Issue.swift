import Crypto
import FoundationEssentials
import SwiftASN1
import X509

extension CertificateAuthority {
    /// Issues a TLS serving certificate (EKU serverAuth) for the given DNS names and IP addresses.
    ///
    /// - Parameters:
    ///   - commonName: subject CN; clients match on the SANs, the CN is informational.
    ///   - dnsNames: DNS SANs, in order, duplicates removed.
    ///   - ipAddresses: IP SANs (v4 and v6), in order, duplicates removed.
    ///   - key: the subject key; a new one by default (pass the old one to renew without re-keying).
    ///   - now: start of validity.
    ///   - validity: lifetime from `now`, cut to the CA's own expiry.
    public func issueServerCertificate(
        commonName: String,
        dnsNames: [String],
        ipAddresses: [IPAddress],
        key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(),
        now: Date = Date(),
        validity: Duration = CertificateValidity.leaf
    ) throws -> IssuedCertificate {
        guard !dnsNames.isEmpty || !ipAddresses.isEmpty else {
            throw PKIError.missingField("a serving certificate needs at least one DNS name or IP address")
        }
        let subject = try DistinguishedName { CommonName(commonName) }
        var names: [GeneralName] = []
        for name in dnsNames.uniqued() { names.append(.dnsName(name)) }
        for ip in ipAddresses.uniqued() { names.append(.ipAddress(ASN1OctetString(contentBytes: ip.bytes[...]))) }
        let sans = SubjectAlternativeNames(names)
        return try issue(subject: subject, usage: .serverAuth, sans: sans, key: key, now: now, validity: validity)
    }

    /// Issues a TLS client certificate (EKU clientAuth) for a Kubernetes identity: the subject CN is
    /// the user name and each group becomes its own O attribute, which is how the apiserver's x509
    /// authenticator reads users and groups.
    public func issueClientCertificate(
        user: String,
        groups: [String],
        key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(),
        now: Date = Date(),
        validity: Duration = CertificateValidity.leaf
    ) throws -> IssuedCertificate {
        guard !user.isEmpty else { throw PKIError.missingField("a client certificate needs a user name") }
        // One RDN per group, so the O values are separate attributes, as Go's pkix.Name writes them.
        var rdns = groups.map { group in
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: group))
        }
        rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: user)))
        return try issue(subject: DistinguishedName(rdns), usage: .clientAuth, sans: nil, key: key, now: now,
                         validity: validity)
    }

    private func issue(
        subject: DistinguishedName,
        usage: ExtendedKeyUsage.Usage,
        sans: SubjectAlternativeNames?,
        key: P256.Signing.PrivateKey,
        now: Date,
        validity: Duration
    ) throws -> IssuedCertificate {
        guard validity > .zero else { throw PKIError.missingField("certificate validity must be positive") }
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([usage])
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            if let sans { sans }
        }
        // A leaf must not outlive (or predate) its issuer, or verifiers reject the chain.
        let notBefore = max(now - CertificateValidity.clockSkewAllowance.timeInterval, certificate.notValidBefore)
        let notAfter = min(now + validity.timeInterval, certificate.notValidAfter)
        guard notAfter > notBefore else {
            throw PKIError.inconsistentCA("CA \(certificate.subject) has expired; cannot issue certificates")
        }
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
        return try IssuedCertificate(certificate: leaf, privateKey: key)
    }
}

extension Array where Element: Hashable {
    /// The elements in order with later duplicates dropped.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
