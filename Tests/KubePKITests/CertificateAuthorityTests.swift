import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import KubePKI

@Suite struct CertificateAuthorityTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func createdCAHasCAExtensionsAndTenYears() throws {
        let ca = try CertificateAuthority.create(commonName: "test-ca", now: now)
        let certificate = ca.certificate
        #expect(certificate.subject == certificate.issuer)
        #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        guard case .isCertificateAuthority = try certificate.extensions.basicConstraints else {
            Issue.record("not a CA")
            return
        }
        let usage = try #require(try certificate.extensions.keyUsage)
        #expect(usage.keyCertSign && usage.cRLSign)
        #expect(certificate.extensions[oid: .X509ExtensionID.keyUsage]?.critical == true)
        #expect(certificate.extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
        #expect(try certificate.extensions.subjectKeyIdentifier != nil)
        #expect(P256.Signing.PublicKey(certificate.publicKey) != nil)
        let years = certificate.notValidAfter.timeIntervalSince(now) / (365 * 86_400)
        #expect(years > 9.99 && years < 10.01)
    }

    @Test func loadRoundTripsAndRejectsWrongKey() throws {
        let ca = try CertificateAuthority.create(commonName: "test-ca", now: now)
        let loaded = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)
        #expect(loaded.certificate == ca.certificate)
        let other = try CertificateAuthority.create(commonName: "other", now: now)
        expectPKIError(.inconsistentCA) { try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: other.privateKeyPEM) }
    }

    @Test func leafIsNotACA() throws {
        let ca = try CertificateAuthority.create(commonName: "test-ca", now: now)
        let leaf = try ca.issueClientCertificate(user: "u", groups: [], now: now)
        expectPKIError(.inconsistentCA) { try CertificateAuthority(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM) }
    }

    @Test func serverCertificateHasSANsUsageAndChains() throws {
        let ca = try CertificateAuthority.create(commonName: "test-ca", now: now)
        let issued = try ca.issueServerCertificate(
            commonName: "kube-apiserver", dnsNames: ["localhost", "kubernetes", "localhost"],
            ipAddresses: [try IPAddress("127.0.0.1"), try IPAddress("::1"), try IPAddress("10.43.0.1")], now: now)
        let info = try CertificateInfo(pem: issued.certificatePEM)
        #expect(info.dnsNames == ["localhost", "kubernetes"])
        #expect(info.ipAddresses == ["127.0.0.1", "::1", "10.43.0.1"])
        #expect(!info.isCertificateAuthority)
        let days = info.notAfter.timeIntervalSince(now) / 86_400
        #expect(days > 364.9 && days < 365.1)
        #expect(ca.hasIssued(issued.certificate))
        #expect(ClusterPKI.hasUsage(issued.certificate, .serverAuth))
        #expect(!ClusterPKI.hasUsage(issued.certificate, .clientAuth))
        let aki = try #require(try issued.certificate.extensions.authorityKeyIdentifier)
        #expect(aki.keyIdentifier == (try ca.certificate.extensions.subjectKeyIdentifier)?.keyIdentifier)
        #expect(P256.Signing.PublicKey(issued.certificate.publicKey)?.rawRepresentation
            == issued.privateKey.publicKey.rawRepresentation)
    }

    @Test func serverCertificateNeedsAName() throws {
        let ca = try CertificateAuthority.create(commonName: "test-ca", now: now)
        #expect(throws: PKIError.self) {
            try ca.issueServerCertificate(commonName: "x", dnsNames: [], ipAddresses: [], now: now)
        }
    }

    @Test func otherCADidNotIssue() throws {
        let ca = try CertificateAuthority.create(commonName: "test-ca", now: now)
        let other = try CertificateAuthority.create(commonName: "test-ca", now: now)
        let leaf = try other.issueClientCertificate(user: "u", groups: [], now: now)
        #expect(!ca.hasIssued(leaf.certificate))
        #expect(other.hasIssued(leaf.certificate))
    }

    @Test func leafNeverOutlivesItsCA() throws {
        let ca = try CertificateAuthority.create(commonName: "short", now: now, validity: .days(30))
        let leaf = try ca.issueClientCertificate(user: "u", groups: [], now: now)
        #expect(leaf.certificate.notValidAfter == ca.certificate.notValidAfter)
        // Once the CA has expired nothing can be issued.
        #expect(throws: PKIError.self) {
            try ca.issueClientCertificate(user: "u", groups: [], now: now + 31 * 86_400)
        }
    }

    @Test(arguments: [
        ("system:admin", ["system:masters"]),
        ("system:node:node-a", ["system:nodes"]),
        ("jane", ["dev", "ops", "system:authenticated"]),
        ("system:kube-scheduler", [String]()),
    ])
    func clientCertificateIdentity(user: String, groups: [String]) throws {
        let ca = try CertificateAuthority.create(commonName: "client-ca", now: now)
        let issued = try ca.issueClientCertificate(user: user, groups: groups, now: now)
        let der = try PEMCoding.der(of: issued.certificate)
        let identity = try PeerIdentity.fromCertificate(derBytes: der)
        #expect(identity.user == user)
        #expect(identity.groups == groups)
        #expect(ClusterPKI.hasUsage(issued.certificate, .clientAuth))
        // Each group is its own RDN, as Go writes pkix.Name.Organization.
        #expect(Array(issued.certificate.subject).count == groups.count + 1)
    }

    @Test func clientCertificateNeedsAUser() throws {
        let ca = try CertificateAuthority.create(commonName: "client-ca", now: now)
        #expect(throws: PKIError.self) { try ca.issueClientCertificate(user: "", groups: ["g"], now: now) }
    }

    @Test func peerIdentityRejectsGarbageAndMissingCN() throws {
        expectPKIError(.invalidEncoding) { try PeerIdentity.fromCertificate(derBytes: []) }
        expectPKIError(.invalidEncoding) { try PeerIdentity.fromCertificate(derBytes: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        // A certificate whose subject has only O values must not authenticate as an empty user.
        let ca = try CertificateAuthority.create(commonName: "client-ca", now: now)
        let key = P256.Signing.PrivateKey()
        let noCN = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now, notValidAfter: now + 3600, issuer: ca.certificate.subject,
            subject: try DistinguishedName { OrganizationName("system:masters") },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
            issuerPrivateKey: .init(ca.privateKey))
        expectPKIError(.missingField) { try PeerIdentity.fromCertificate(derBytes: try PEMCoding.der(of: noCN)) }
    }

    @Test func certificateInfoRejectsGarbage() {
        #expect(throws: PKIError.self) { try certificateInfo(pem: "not a certificate") }
        #expect(throws: PKIError.self) {
            try certificateInfo(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        }
    }

    @Test func issuedPairRejectsMismatchedKey() throws {
        let ca = try CertificateAuthority.create(commonName: "ca", now: now)
        let a = try ca.issueClientCertificate(user: "a", groups: [], now: now)
        let b = try ca.issueClientCertificate(user: "b", groups: [], now: now)
        #expect(throws: PKIError.self) {
            try IssuedCertificate(certificatePEM: a.certificatePEM, privateKeyPEM: b.privateKeyPEM)
        }
        #expect(try IssuedCertificate(certificatePEM: a.certificatePEM, privateKeyPEM: a.privateKeyPEM)
            .certificate == a.certificate)
    }
}
