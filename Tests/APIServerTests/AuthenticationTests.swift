import Foundation
import KubeHTTP
import Testing
@testable import APIServer

@Suite struct AuthenticationTests {
    func tokenFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "swiftlet-tokens-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func bearerTokensFromTheTokenFile() throws {
        let path = try tokenFile("# comment\nsecret1,alice,uid1,\"dev,ops\"\nsecret2,bob,uid2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let auth = try Authenticator(tokenFile: path)
        let alice = try #require(auth.authenticate(headers: [("Authorization", "Bearer secret1")], peer: PeerInfo()))
        #expect(alice.name == "alice")
        #expect(alice.groups == ["dev", "ops", "system:authenticated"])
        #expect(auth.authenticate(headers: [("authorization", "bearer secret2")], peer: PeerInfo())?.name == "bob")
        #expect(auth.authenticate(headers: [("Authorization", "Bearer wrong")], peer: PeerInfo()) == nil)
        #expect(auth.authenticate(headers: [], peer: PeerInfo()) == nil)
    }

    @Test(arguments: ["only-a-token\n", ",user,uid\n", "tok,,uid\n"])
    func malformedTokenFilesAreRejected(_ text: String) throws {
        let path = try tokenFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: (any Error).self) { try Authenticator(tokenFile: path) }
    }

    @Test func missingTokenFileIsAnError() {
        #expect(throws: (any Error).self) { try Authenticator(tokenFile: "/nonexistent/tokens.csv") }
    }

    @Test func garbageCertificateBytesDoNotAuthenticate() throws {
        let auth = try Authenticator(tokenFile: nil)
        #expect(auth.authenticate(headers: [], peer: PeerInfo(certificateDER: [0x30, 0x03, 0x01, 0x02, 0x03])) == nil)
    }

    @Test func bootstrapAuthorizerAllowsMastersAndComponentsOnly() {
        let authorizer = BootstrapAuthorizer()
        let pods = RequestInfo.parse(method: "GET", path: "/api/v1/pods", query: Query(items: []))
        #expect(authorizer.authorize(user: UserInfo(name: "system:admin", groups: ["system:masters"]), info: pods))
        #expect(authorizer.authorize(user: UserInfo(name: "system:kube-scheduler", groups: []), info: pods))
        #expect(authorizer.authorize(user: UserInfo(name: "system:node:n1", groups: ["system:nodes"]), info: pods))
        #expect(!authorizer.authorize(user: UserInfo(name: "alice", groups: ["dev"]), info: pods))
        let alice = UserInfo(name: "alice", groups: ["dev", "system:authenticated"])
        for path in ["/version", "/api", "/apis/apps/v1", "/openapi/v3/api/v1", "/readyz"] {
            #expect(authorizer.authorize(user: alice, info: RequestInfo.parse(method: "GET", path: path, query: Query(items: []))), "\(path)")
        }
        #expect(!authorizer.authorize(user: alice, info: RequestInfo.parse(method: "GET", path: "/metrics", query: Query(items: []))))
        let review = RequestInfo.parse(method: "POST", path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", query: Query(items: []))
        #expect(authorizer.authorize(user: alice, info: review))
        let secrets = RequestInfo.parse(method: "GET", path: "/api/v1/namespaces/default/secrets", query: Query(items: []))
        #expect(!authorizer.authorize(user: alice, info: secrets))
    }

    @Test func inflightLimiterRefusesOverTheLimitAndRecovers() {
        let limiter = InflightLimiter(maxReadOnly: 2, maxMutating: 1)
        #expect(limiter.acquire(mutating: false))
        #expect(limiter.acquire(mutating: false))
        #expect(!limiter.acquire(mutating: false))
        #expect(limiter.acquire(mutating: true))
        #expect(!limiter.acquire(mutating: true))
        limiter.release(mutating: false)
        #expect(limiter.acquire(mutating: false))
        limiter.release(mutating: true)
        #expect(limiter.acquire(mutating: true))
    }
}
