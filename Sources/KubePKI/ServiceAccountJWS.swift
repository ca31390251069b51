import Crypto
import FoundationEssentials

/// The service-account token signer: compact JWS with ES256 over the P-256 key `ClusterPKI` keeps
/// in `service.key`. Claims are opaque JSON bytes here; the apiserver builds and checks them.
public struct ServiceAccountSigningKey: Sendable {
    public let privateKey: P256.Signing.PrivateKey
    /// The public half, for verification and the JWKS document.
    public let verificationKey: ServiceAccountVerificationKey

    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.verificationKey = ServiceAccountVerificationKey(publicKey: privateKey.publicKey)
    }

    /// Reads a PEM private key (`service.key`), naming the file in the error.
    public init(pemFile path: String) throws {
        guard let text = try SecureFile.readTextIfPresent(path) else {
            throw PKIError(.io, "service-account signing key \(path) is missing")
        }
        do {
            self.init(privateKey: try P256.Signing.PrivateKey(pemRepresentation: text))
        } catch {
            throw PKIError.corruptKey(path: path, error)
        }
    }

    /// `base64url(header).base64url(claims).base64url(r||s)` with header `{"alg":"ES256","kid":...}`.
    public func sign(claims: [UInt8]) throws -> String {
        let header = #"{"alg":"ES256","kid":"\#(verificationKey.keyID)"}"#
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(claims)
        let signature = try privateKey.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }
}

/// The public half of the signing key.
public struct ServiceAccountVerificationKey: Sendable {
    public let publicKey: P256.Signing.PublicKey
    /// As upstream's `keyIDFromPublicKey`: base64url (no padding) of SHA-256 over the PKIX DER of the key,
    /// so the `kid` is stable across restarts and identical for the same key everywhere.
    public let keyID: String

    public init(publicKey: P256.Signing.PublicKey) {
        self.publicKey = publicKey
        self.keyID = Base64URL.encode(Array(SHA256.hash(data: publicKey.derRepresentation)))
    }

    /// The key as a JWK (RFC 7517) for `/openid/v1/jwks`.
    public var jwk: [String: String] {
        // x963: 0x04 || X (32 bytes) || Y (32 bytes).
        let point = Array(publicKey.x963Representation)
        return [
            "use": "sig", "kty": "EC", "kid": keyID, "crv": "P-256", "alg": "ES256",
            "x": Base64URL.encode(Array(point[1..<33])), "y": Base64URL.encode(Array(point[33..<65])),
        ]
    }

    /// Checks a compact JWS: three parts, an ES256 header (the `kid`, when present, must be ours) and a
    /// valid signature. Returns the decoded header and claims bytes; nil for anything else, so a
    /// foreign or tampered token is simply not ours.
    public func verify(_ token: String) -> (header: [UInt8], claims: [UInt8])? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let header = Base64URL.decode(parts[0]), let claims = Base64URL.decode(parts[1]),
              let signatureBytes = Base64URL.decode(parts[2]), signatureBytes.count == 64,
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
        else { return nil }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard publicKey.isValidSignature(signature, for: signingInput) else { return nil }
        return (header, claims)
    }
}

/// Base64url without padding (RFC 7515 §2), as JWS requires.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// nil for characters outside the url-safe alphabet or padding (JWS forbids it).
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        guard text.utf8.allSatisfy({ c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
        }) else { return nil }
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        switch standard.utf8.count % 4 {
        case 0: break
        case 2: standard += "=="
        case 3: standard += "="
        default: return nil
        }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}
