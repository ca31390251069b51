import Foundation
import KubeAPI
import Testing
@testable import KubeClient

@Suite struct KubeconfigTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "swiftlet-kubeconfig-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func supervisorKubeconfigReachesTheServer() async throws {
        try await withServer { server, _ in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try server.writeKubeconfig(to: directory + "admin.yaml")
            let config = try ClientConfig.load(kubeconfigPath: directory + "admin.yaml")
            #expect(config.server == ServerAddress(host: "127.0.0.1", port: server.port))
            #expect(config.certificateAuthorityPEM == Array(server.pki.serverCA.certificatePEM.utf8))
            let client = try HTTPClient(kubeconfigPath: directory + "admin.yaml")
            let namespace = try await client.get(.namespaces, name: "kube-system")
            #expect(namespace["metadata"]["name"] == "kube-system")
            await client.shutdown()
        }
    }

    @Test func filePathsResolveAgainstTheKubeconfigDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "CA".write(toFile: directory + "ca.crt", atomically: true, encoding: .utf8)
        try "CERT".write(toFile: directory + "client.crt", atomically: true, encoding: .utf8)
        try "KEY".write(toFile: directory + "client.key", atomically: true, encoding: .utf8)
        let text = """
            apiVersion: v1
            kind: Config
            current-context: ctx
            clusters:
            - name: c
              cluster: {server: "https://[::1]:7443", certificate-authority: ca.crt, tls-server-name: api.local}
            users:
            - name: u
              user: {client-certificate: client.crt, client-key: \(directory)client.key}
            contexts:
            - name: ctx
              context: {cluster: c, user: u}
            """
        try text.write(toFile: directory + "config", atomically: true, encoding: .utf8)
        let config = try ClientConfig.load(kubeconfigPath: directory + "config")
        #expect(config.server == ServerAddress(host: "::1", port: 7443))
        #expect(config.certificateAuthorityPEM == Array("CA".utf8))
        #expect(config.clientCertificatePEM == Array("CERT".utf8))
        #expect(config.clientKeyPEM == Array("KEY".utf8))
        #expect(config.tlsServerName == "api.local")
        #expect(config.bearerToken == nil)
    }

    static let base = """
        apiVersion: v1
        current-context: ctx
        clusters:
        - name: c
          cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: Q0E=}
        users:
        - name: u
          user: {token: s3cret}
        contexts:
        - name: ctx
          context: {cluster: c, user: u}
        """

    @Test func tokenUser() throws {
        let config = try ClientConfig.parse(kubeconfig: Self.base, path: "/k")
        #expect(config.bearerToken == "s3cret")
        #expect(config.certificateAuthorityPEM == Array("CA".utf8))
        #expect(config.clientCertificatePEM == nil)
    }

    @Test(arguments: [
        ("{cluster: c, user: u}", "{cluster: c, user: nobody}", "users has no entry named \"nobody\""),
        ("current-context: ctx\n", "", "missing key current-context"),
        ("certificate-authority-data: Q0E=", "certificate-authority-data: \"not*base64\"",
         "clusters[c].cluster.certificate-authority-data is not valid base64"),
        ("user: {token: s3cret}", "user: {client-certificate-data: Q0E=}", "users[u].user has a client certificate but no client-key"),
        ("user: {token: s3cret}", "user: {}", "users[u].user has no credentials"),
        ("server: \"https://127.0.0.1:6443\"", "server: \"http://127.0.0.1:6443\"", "only https is supported"),
        ("server: \"https://127.0.0.1:6443\", ", "", "missing key clusters[c].cluster.server"),
        ("certificate-authority-data: Q0E=", "certificate-authority: missing.crt", "cannot read /dir/missing.crt"),
        ("clusters:", "clusters: 3\nx:", "missing key clusters"),
    ])
    func badKubeconfigsNameFileAndKey(_ replaced: String, _ replacement: String, _ expected: String) throws {
        let text = Self.base.replacingOccurrences(of: replaced, with: replacement)
        #expect(text != Self.base)
        let error = #expect(throws: KubeClientError.self) {
            try ClientConfig.parse(kubeconfig: text, path: "/dir/kubeconfig")
        }
        #expect(error?.kind == .kubeconfig)
        #expect(error?.message.hasPrefix("kubeconfig /dir/kubeconfig: ") == true)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func missingAndMalformedFiles() throws {
        let error = #expect(throws: KubeClientError.self) { try ClientConfig.load(kubeconfigPath: "/nonexistent/kubeconfig") }
        #expect(error?.message.contains("/nonexistent/kubeconfig") == true)
        #expect(throws: KubeClientError.self) { try ClientConfig.parse(kubeconfig: "[unclosed", path: "/k") }
        #expect(throws: KubeClientError.self) { try ClientConfig.parse(kubeconfig: "", path: "/k") }
        #expect(throws: KubeClientError.self) { try ClientConfig.parse(kubeconfig: "- a list", path: "/k") }
    }
}
