import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// A certificate together with its P-256 private key, in parsed and PEM form.
public struct IssuedCertificate: Sendable {
    /// The parsed certificate.
    public let certificate: Certificate
    /// The subject's private key.
    public let privateKey: P256.Signing.PrivateKey
    /// The certificate as a PEM "CERTIFICATE" block.
    public let certificatePEM: String
    /// The key as a PEM PKCS#8 "PRIVATE KEY" block.
    public let privateKeyPEM: String

    init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) throws {
        self.certificate = certificate
        self.privateKey = privateKey
        self.certificatePEM = try PEMCoding.pem(of: certificate)
        self.privateKeyPEM = PEMCoding.pem(of: privateKey)
    }

    /// Pairs an existing certificate and key read from PEM; throws when the key does not belong to
    /// the certificate (the pair would be useless for TLS).
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try PEMCoding.certificate(fromPEM: certificatePEM, what: "certificate")
        let key = try PEMCoding.privateKey(fromPEM: privateKeyPEM, what: "private key")
        guard PEMCoding.key(key, matches: certificate) else {
            throw PKIError.invalidEncoding("certificate/key pair: the key does not match the certificate")
        }
        self.certificate = certificate
        self.privateKey = key
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}

/// PEM/DER conversions shared by the library.
enum PEMCoding {
    static func pem(of certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    static func pem(of key: P256.Signing.PrivateKey) -> String {
        key.pemRepresentation + "\n"
    }

    static func der(of certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// Parses the first CERTIFICATE block of `pem`; `what` names the input in errors.
    static func certificate(fromPEM pem: String, what: String) throws -> Certificate {
        do {
            return try Certificate(pemEncoded: firstBlock(of: pem, label: "CERTIFICATE") ?? pem)
        } catch {
            throw PKIError.invalidEncoding(what, error)
        }
    }

    /// Parses a P-256 private key in SEC1 ("EC PRIVATE KEY") or PKCS#8 ("PRIVATE KEY") PEM.
    static func privateKey(fromPEM pem: String, what: String) throws -> P256.Signing.PrivateKey {
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw PKIError.invalidEncoding(what, error)
        }
    }

    static func key(_ key: P256.Signing.PrivateKey, matches certificate: Certificate) -> Bool {
        guard let certificateKey = P256.Signing.PublicKey(certificate.publicKey) else { return false }
        return certificateKey.rawRepresentation == key.publicKey.rawRepresentation
    }

    /// The text of the first `-----BEGIN label-----` block, so a bundle (cert followed by a chain)
    /// still parses as its first certificate.
    private static func firstBlock(of pem: String, label: String) -> String? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let start = pem.firstRange(of: begin), let stop = pem[start.upperBound...].firstRange(of: end)
        else { return nil }
        return String(pem[start.lowerBound..<stop.upperBound])
    }
}
