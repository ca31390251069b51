import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// A self-signed ECDSA P-256 certificate authority that issues Swiftlet's serving and client
/// certificates.
///
/// A CA is created once per cluster and then only loaded: every kubeconfig and every agent pins its
/// certificate, so replacing it would lock all of them out.
public struct CertificateAuthority: Sendable {
    /// The CA certificate.
    public let certificate: Certificate
    /// The CA signing key.
    public let privateKey: P256.Signing.PrivateKey
    /// The CA certificate in PEM, as written to `*-ca.crt` and embedded in kubeconfigs.
    public let certificatePEM: String
    /// The CA key in PEM (PKCS#8), as written to `*-ca.key`.
    public let privateKeyPEM: String

    /// Creates a new self-signed CA: basicConstraints CA (critical), keyUsage keyCertSign + cRLSign +
    /// digitalSignature (critical), and a subjectKeyIdentifier that issued certificates point back to.
    ///
    /// - Parameters:
    ///   - commonName: the subject CN, e.g. "swiftlet-server-ca@1700000000".
    ///   - now: start of validity (back-dated by `CertificateValidity.clockSkewAllowance`).
    ///   - validity: lifetime from `now`; ten years by default.
    public static func create(
        commonName: String,
        now: Date = Date(),
        validity: Duration = CertificateValidity.certificateAuthority
    ) throws -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let name = try DistinguishedName { CommonName(commonName) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now - CertificateValidity.clockSkewAllowance.timeInterval,
            notValidAfter: now + validity.timeInterval,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key))
        return try CertificateAuthority(
            certificate: certificate, key: key, certificatePEM: try PEMCoding.pem(of: certificate),
            privateKeyPEM: PEMCoding.pem(of: key), describedAs: "new CA \(commonName)")
    }

    /// Loads a CA from PEM text, checking that the certificate is a CA and that the key is its key.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try PEMCoding.certificate(fromPEM: certificatePEM, what: "CA certificate")
        let key = try PEMCoding.privateKey(fromPEM: privateKeyPEM, what: "CA private key")
        try self.init(certificate: certificate, key: key, certificatePEM: certificatePEM,
                      privateKeyPEM: privateKeyPEM, describedAs: "CA certificate")
    }

    /// Loads a CA from a certificate file and a key file. Errors name the file at fault; a key that
    /// cannot be parsed is reported as `PKIError.Kind.corruptKey`.
    public static func load(certificatePath: String, keyPath: String) throws -> CertificateAuthority {
        guard let certificatePEM = try SecureFile.readTextIfPresent(certificatePath) else {
            throw PKIError.inconsistentCA("CA certificate \(certificatePath) is missing")
        }
        let keyPEM: String
        do {
            guard let text = try SecureFile.readTextIfPresent(keyPath) else {
                throw PKIError.inconsistentCA("CA key \(keyPath) is missing")
            }
            keyPEM = text
        } catch let error as PKIError where error.kind == .io {
            throw PKIError.corruptKey(path: keyPath, error)
        }
        let certificate = try PEMCoding.certificate(fromPEM: certificatePEM, what: "CA certificate \(certificatePath)")
        let key: P256.Signing.PrivateKey
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        } catch {
            throw PKIError.corruptKey(path: keyPath, error)
        }
        return try CertificateAuthority(
            certificate: certificate, key: key, certificatePEM: certificatePEM, privateKeyPEM: keyPEM,
            describedAs: "CA certificate \(certificatePath) with key \(keyPath)")
    }

    private init(
        certificate: Certificate, key: P256.Signing.PrivateKey, certificatePEM: String,
        privateKeyPEM: String, describedAs what: String
    ) throws {
        guard case .isCertificateAuthority = try certificate.extensions.basicConstraints else {
            throw PKIError.inconsistentCA("\(what): certificate is not a CA (basicConstraints CA:TRUE missing)")
        }
        guard PEMCoding.key(key, matches: certificate) else {
            throw PKIError.inconsistentCA("\(what): the key does not belong to the certificate")
        }
        self.certificate = certificate
        self.privateKey = key
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Whether `leaf` names this CA as issuer and carries a valid signature by this CA's key.
    public func hasIssued(_ leaf: Certificate) -> Bool {
        leaf.issuer == certificate.subject && certificate.publicKey.isValidSignature(leaf.signature, for: leaf)
    }
}
