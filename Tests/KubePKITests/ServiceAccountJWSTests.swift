import Crypto
import Foundation
import Testing
@testable import KubePKI

/// The ES256 JWS signer over the PKI's persistent `service.key`.
@Suite struct ServiceAccountJWSTests {
    @Test func signsWithThePersistentKeyAndOpenSSLAgrees() throws {
        try withTemporaryDirectory { root in
            let dir = "\(root)/tls"
            let pki = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let key = try ServiceAccountSigningKey(pemFile: pki.serviceAccountKey.privateKeyPath)
            let token = try key.sign(claims: Array(#"{"sub":"system:serviceaccount:default:default"}"#.utf8))
            let parts = token.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let verified = try #require(key.verificationKey.verify(token))
            #expect(String(decoding: verified.claims, as: UTF8.self) == #"{"sub":"system:serviceaccount:default:default"}"#)
            #expect(String(decoding: verified.header, as: UTF8.self) == #"{"alg":"ES256","kid":"\#(key.verificationKey.keyID)"}"#)

            // The key id survives a restart: ensure again, load again.
            _ = try ClusterPKI.ensure(directory: dir, options: testOptions())
            let reloaded = try ServiceAccountSigningKey(pemFile: pki.serviceAccountKey.privateKeyPath)
            #expect(reloaded.verificationKey.keyID == key.verificationKey.keyID)
            #expect(reloaded.verificationKey.verify(token) != nil)

            // An independent implementation accepts the signature with service.pub.
            let input = "\(root)/input", signature = "\(root)/sig.der"
            try Data((parts[0] + "." + parts[1]).utf8).write(to: URL(fileURLWithPath: input))
            let raw = try #require(Base64URL.decode(parts[2]))
            try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation.write(to: URL(fileURLWithPath: signature))
            let openssl = try run("/usr/bin/openssl", ["dgst", "-sha256", "-verify", pki.serviceAccountKey.publicKeyPath,
                                                       "-signature", signature, input])
            #expect(openssl.status == 0, "\(openssl.stdout)\(openssl.stderr)")
        }
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "!!.e30.AAAA", "e30.e30.AAAA"])
    func malformedTokensAreNotOurs(_ token: String) {
        #expect(ServiceAccountSigningKey(privateKey: .init()).verificationKey.verify(token) == nil)
    }

    @Test func anotherKeysSignatureIsRejected() throws {
        let ours = ServiceAccountSigningKey(privateKey: .init())
        let theirs = ServiceAccountSigningKey(privateKey: .init())
        let token = try theirs.sign(claims: Array("{}".utf8))
        #expect(ours.verificationKey.verify(token) == nil)
        #expect(ours.verificationKey.keyID != theirs.verificationKey.keyID)
    }

    @Test func missingOrCorruptKeyFilesAreClearErrors() throws {
        try withTemporaryDirectory { root in
            expectPKIError(.io, mentioning: "\(root)/absent.key") { try ServiceAccountSigningKey(pemFile: "\(root)/absent.key") }
            try writeText("not a key\n", to: "\(root)/bad.key")
            expectPKIError(.corruptKey, mentioning: "\(root)/bad.key") { try ServiceAccountSigningKey(pemFile: "\(root)/bad.key") }
        }
    }
}
