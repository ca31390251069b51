import Testing
@testable import Supervision

@Suite struct ProfileTests {
    let apiserver = ComponentSpec(name: "apiserver", executableName: "swiftlet-apiserver", port: .fixed(6443))

    @Test func serverProfileHoldsTheApiserver() throws {
        #expect(try Profile.server(apiserver: apiserver).names == ["apiserver"])
        #expect(try Profile.server(apiserver: apiserver, excluding: .init(agent: true, components: ["scheduler", "traefik"])).names == ["apiserver"])
        #expect(Profile.agent().components.isEmpty)
    }

    @Test(arguments: [
        (["apiserver"], "cannot disable the apiserver"),
        (["kube-dns-typo"], "not a component"),
    ])
    func badDisableIsRejected(names: [String], message: String) {
        #expect {
            try Profile.server(apiserver: apiserver, excluding: .init(components: Set(names)))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func invalidProfilesAreRejected() throws {
        let a = ComponentSpec(name: "a", executableName: "x", port: .fixed(1))
        var b = ComponentSpec(name: "b", executableName: "x", port: .fixed(1), dependencies: ["c"])
        #expect(throws: SupervisionError.self) { try Profile(components: [a, a]) }
        #expect(throws: SupervisionError.self) { try Profile(components: [a, b]) }
        b.dependencies = ["a"]
        #expect(throws: SupervisionError.self) { try Profile(components: [b, a]) }
        #expect(try Profile(components: [a, b]).names == ["a", "b"])
        var c = a
        c.stopTimeout = .zero
        #expect(throws: SupervisionError.self) { try Profile(components: [c]) }
    }

    @Test(arguments: [
        ("https://192.0.2.1:6443", "https://192.0.2.1:6443"),
        ("https://server.example/", "https://server.example"),
        ("https://[2001:db8::1]:6443", "https://[2001:db8::1]:6443"),
    ])
    func agentAcceptsServerURLs(input: String, expected: String) throws {
        #expect(try AgentJoin(server: input, token: "secret").server == expected)
    }

    @Test(arguments: [
        ("", "secret", "--server is required"),
        ("http://s:6443", "secret", "must be an https:// URL"),
        ("https://s:99999", "secret", "is not a port"),
        ("https://s:6443/path", "secret", "no path"),
        ("https://:6443", "secret", "has no host"),
        ("https://s:6443", "", "--token is required"),
        ("https://s:6443", "a b", "printable ASCII"),
        ("https://s:6443", "K10abc::server:x", "K10"),
    ])
    func agentRejectsBadInput(server: String, token: String, message: String) {
        #expect {
            try AgentJoin(server: server, token: token)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func agentAcceptsASecureK10Token() throws {
        let token = "K10" + String(repeating: "ab", count: 32) + "::server:secret"
        #expect(try AgentJoin(server: "https://s:6443", token: token).token == token)
    }
}
