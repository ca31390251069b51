import Crypto
import Foundation
import KubeAPI
import KubeHTTP
import KubePKI
import KubeStore
import SwiftletCore
import Testing
@testable import APIServer

/// TokenRequest and service-account JWT authentication against a real SQLite store.
@Suite struct ServiceAccountTokenTests {
    static let issuer = "https://kubernetes.default.svc.cluster.local"

    struct Harness {
        let server: APIServer
        let tokens: ServiceAccountTokens
        let store: any KubeStore
        let dir: URL

        func put(_ plural: String, _ name: String, uid: String, extra: (inout JSON) -> Void = { _ in }) async throws {
            let def = ResourceRegistry.resource(group: "", version: "v1", plural: plural)!
            var object: JSON = ["apiVersion": "v1", "kind": .string(def.kind),
                                "metadata": ["name": .string(name), "namespace": "default", "uid": .string(uid)]]
            extra(&object)
            let frozen = object
            let key = StorageKeys.key(def, namespace: "default", name: name)
            _ = try? await store.delete(key, expectedRevision: nil)
            _ = try await store.create(key) { revision in Objects.encode(frozen, revision: revision) }
        }

        func remove(_ plural: String, _ name: String) async throws {
            let def = ResourceRegistry.resource(group: "", version: "v1", plural: plural)!
            _ = try await store.delete(StorageKeys.key(def, namespace: "default", name: name), expectedRevision: nil)
        }

        func token(_ spec: JSON = [:], account: String = "default") async throws -> JSON {
            try await server.createToken(["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec],
                                         tokens: tokens, namespace: "default", name: account, dryRun: false)
        }

        func user(_ token: String, now: Date = Date()) async -> UserInfo? {
            if case .success(let user) = await tokens.authenticate(token: token, store: store, now: now) { return user }
            return nil
        }

        func cleanup() async {
            await (store as? SQLiteStore)?.close()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    func harness() async throws -> Harness {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-satoken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let keyPath = dir.appendingPathComponent("service.key").path
        try P256.Signing.PrivateKey().pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("state.db").path)
        var config = APIServerConfig(tlsCertFile: "", tlsKeyFile: "", clientCAFile: "", databasePath: dir.path)
        config.serviceAccountSigningKeyFile = keyPath
        let server = try APIServer(config: config, store: store, logger: .init(label: "test"))
        let h = Harness(server: server, tokens: try #require(server.serviceAccountTokens), store: store, dir: dir)
        try await h.put("serviceaccounts", "default", uid: "sa-uid-1")
        try await h.put("pods", "web", uid: "pod-uid-1") { $0["spec"] = ["serviceAccountName": "default"] }
        return h
    }

    @Test func tokenRoundTripsWithUpstreamClaims() async throws {
        let h = try await harness()
        defer { Task { await h.cleanup() } }
        let answer = try await h.token(["boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": "pod-uid-1"]])
        #expect(answer["kind"] == "TokenRequest")
        #expect(answer["spec"]["audiences"] == [.string(Self.issuer)])
        #expect(answer["spec"]["expirationSeconds"] == 3600)
        let token = try #require(answer["status"]["token"].stringValue)
        let expiry = try #require(Timestamp.parse(answer["status"]["expirationTimestamp"].stringValue ?? ""))
        #expect(abs(expiry.timeIntervalSinceNow - 3600) < 5)

        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3 && !token.contains("="))
        let header = try JSON(parsing: try #require(Base64URL.decode(parts[0])))
        #expect(header["alg"] == "ES256")
        let der = h.tokens.signingKey.privateKey.publicKey.derRepresentation
        #expect(header["kid"].stringValue == Base64URL.encode(Array(SHA256.hash(data: der))))
        let claims = try JSON(parsing: try #require(Base64URL.decode(parts[1])))
        #expect(claims["iss"].stringValue == Self.issuer)
        #expect(claims["sub"] == "system:serviceaccount:default:default")
        #expect(claims["aud"] == [.string(Self.issuer)])
        #expect(claims["exp"].intValue == (claims["iat"].intValue ?? 0) + 3600)
        #expect(claims["nbf"] == claims["iat"])
        #expect(!(claims["jti"].stringValue ?? "").isEmpty)
        #expect(claims["kubernetes.io"]["namespace"] == "default")
        #expect(claims["kubernetes.io"]["serviceaccount"] == ["name": "default", "uid": "sa-uid-1"])
        #expect(claims["kubernetes.io"]["pod"] == ["name": "web", "uid": "pod-uid-1"])

        let user = try #require(await h.user(token))
        #expect(user.name == "system:serviceaccount:default:default")
        #expect(user.groups == ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"])
        #expect(user.uid == "sa-uid-1")
        #expect(user.extra["authentication.kubernetes.io/pod-name"] == ["web"])
        #expect(user.extra["authentication.kubernetes.io/pod-uid"] == ["pod-uid-1"])
        // The service account may not do more than any authenticated user.
        let pods = RequestInfo.parse(method: "GET", path: "/api/v1/namespaces/default/pods", query: Query(items: []))
        #expect(!BootstrapAuthorizer().authorize(user: user, info: pods))
    }

    /// Each case changes the world (or the token) after issuing and expects a rejection.
    static let rejections: [(String, ServiceAccountTokens.Rejection)] = [
        ("tampered signature", .notOurs), ("tampered claims", .notOurs), ("wrong issuer", .notOurs),
        ("other key", .notOurs), ("garbage", .notOurs), ("wrong audience", .wrongAudience), ("expired", .expired),
        ("not yet valid", .notYetValid), ("deleted account", .invalidated("service account")),
        ("recreated account", .invalidated("service account")), ("deleted pod", .invalidated("pods")),
        ("recreated pod", .invalidated("pods")), ("pod deleting for 2 minutes", .invalidated("pods")),
    ]

    @Test(arguments: rejections)
    func rejected(_ entry: (String, ServiceAccountTokens.Rejection)) async throws {
        let h = try await harness()
        defer { Task { await h.cleanup() } }
        let bound: JSON = ["boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": "web"]]
        var token = try #require(try await h.token(bound)["status"]["token"].stringValue)
        var now = Date()
        #expect(await h.user(token) != nil)
        switch entry.0 {
        case "tampered signature":
            // Flip a whole character in the middle of the signature (the last one holds padding bits).
            var parts = token.split(separator: ".").map(String.init)
            var signature = Array(parts[2])
            signature[10] = signature[10] == "A" ? "B" : "A"
            parts[2] = String(signature)
            token = parts.joined(separator: ".")
        case "tampered claims":
            let parts = token.split(separator: ".").map(String.init)
            var claims = try JSON(parsing: Base64URL.decode(parts[1])!)
            claims["sub"] = "system:serviceaccount:kube-system:default"
            token = [parts[0], Base64URL.encode(claims.serialized()), parts[2]].joined(separator: ".")
        case "wrong issuer":
            let other = ServiceAccountTokens(signingKey: h.tokens.signingKey, issuer: "https://elsewhere", apiAudiences: [Self.issuer])
            token = try #require(try await h.server.createToken(["spec": bound], tokens: other, namespace: "default", name: "default",
                                                                dryRun: false)["status"]["token"].stringValue)
        case "other key":
            let other = ServiceAccountTokens(signingKey: ServiceAccountSigningKey(privateKey: .init()), issuer: Self.issuer)
            token = try #require(try await h.server.createToken(["spec": bound], tokens: other, namespace: "default", name: "default",
                                                                dryRun: false)["status"]["token"].stringValue)
        case "garbage": token = "not.a.jwt"
        case "wrong audience": token = try #require(try await h.token(["audiences": ["vault"]])["status"]["token"].stringValue)
        case "expired": now = now.addingTimeInterval(3600 + 61)
        case "not yet valid": now = now.addingTimeInterval(-65)
        case "deleted account": try await h.remove("serviceaccounts", "default")
        case "recreated account": try await h.put("serviceaccounts", "default", uid: "sa-uid-2")
        case "deleted pod": try await h.remove("pods", "web")
        case "recreated pod": try await h.put("pods", "web", uid: "pod-uid-2")
        case "pod deleting for 2 minutes":
            try await h.put("pods", "web", uid: "pod-uid-1") {
                $0["metadata"]["deletionTimestamp"] = .string(Timestamp.format(Date().addingTimeInterval(-120)))
            }
        default: Issue.record("unknown case \(entry.0)")
        }
        let result = await h.tokens.authenticate(token: token, store: h.store, now: now)
        guard case .failure(let why) = result else { Issue.record("\(entry.0): accepted"); return }
        #expect(why == entry.1, "\(entry.0)")
    }

    @Test func leewayAndDeletionGraceKeepTokensValid() async throws {
        let h = try await harness()
        defer { Task { await h.cleanup() } }
        let token = try #require(try await h.token(["boundObjectRef": ["kind": "Pod", "name": "web"]])["status"]["token"].stringValue)
        #expect(await h.user(token, now: Date().addingTimeInterval(3600 + 30)) != nil)
        try await h.put("pods", "web", uid: "pod-uid-1") {
            $0["metadata"]["deletionTimestamp"] = .string(Timestamp.format(Date().addingTimeInterval(-10)))
        }
        #expect(await h.user(token) != nil)
    }

    static let badRequests: [(String, JSON, String, Int)] = [
        ("too short", ["expirationSeconds": 599], "default", 422),
        ("not an integer", ["expirationSeconds": "1h"], "default", 422),
        ("audiences not strings", ["audiences": [1]], "default", 422),
        ("missing account", [:], "nobody", 404),
        ("missing pod", ["boundObjectRef": ["kind": "Pod", "name": "gone"]], "default", 404),
        ("pod uid differs", ["boundObjectRef": ["kind": "Pod", "name": "web", "uid": "other"]], "default", 409),
        ("pod of another account", ["boundObjectRef": ["kind": "Pod", "name": "web"]], "builder", 400),
        ("unsupported kind", ["boundObjectRef": ["kind": "ConfigMap", "name": "web"]], "default", 400),
        ("apps group", ["boundObjectRef": ["apiVersion": "apps/v1", "kind": "Pod", "name": "web"]], "default", 400),
        ("no name", ["boundObjectRef": ["kind": "Pod"]], "default", 422),
    ]

    @Test(arguments: badRequests)
    func invalidRequestsAreUpstreamErrors(_ entry: (String, JSON, String, Int)) async throws {
        let h = try await harness()
        defer { Task { await h.cleanup() } }
        try await h.put("serviceaccounts", "builder", uid: "sa-builder")
        do {
            _ = try await h.token(entry.1, account: entry.2)
            Issue.record("\(entry.0): issued a token")
        } catch let error as StatusError {
            #expect(error.code == entry.3, "\(entry.0): \(error.message)")
        }
    }

    @Test func minimumLifetimeIsAccepted() async throws {
        let h = try await harness()
        defer { Task { await h.cleanup() } }
        let answer = try await h.token(["expirationSeconds": 600, "audiences": ["a", "b"]])
        #expect(answer["spec"]["expirationSeconds"] == 600)
        #expect(answer["spec"]["audiences"] == ["a", "b"])
    }

    @Test func base64URLRejectsPaddingAndForeignAlphabet() {
        #expect(Base64URL.decode("YQ") == [0x61])
        #expect(Base64URL.decode("YQ==") == nil)
        #expect(Base64URL.decode("a+b/") == nil)
        #expect(Base64URL.decode("Y") == nil)
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    }

    @Test func discoveryDocumentsNameTheIssuerAndKey() async throws {
        let h = try await harness()
        defer { Task { await h.cleanup() } }
        #expect(h.tokens.openIDConfiguration["jwks_uri"] == "https://kubernetes.default.svc.cluster.local/openid/v1/jwks")
        let key = h.tokens.jwks["keys"][0]
        #expect(key["kid"].stringValue == h.tokens.signingKey.verificationKey.keyID)
        #expect(key["crv"] == "P-256")
        let x = try #require(Base64URL.decode(key["x"].stringValue ?? "")), y = try #require(Base64URL.decode(key["y"].stringValue ?? ""))
        #expect([0x04] + x + y == Array(h.tokens.signingKey.privateKey.publicKey.x963Representation))
    }
}
