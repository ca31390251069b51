import Foundation
import Testing
@testable import KubePKI

@Suite struct KubeconfigTests {
    @Test func kubectlAcceptsTheRenderedKubeconfig() throws {
        try withTemporaryDirectory { dir in
            let pki = try ClusterPKI.ensure(directory: "\(dir)/tls", options: testOptions())
            let admin = pki.client(.admin)
            let path = "\(dir)/etc/swiftlet/swiftlet.yaml"
            try Kubeconfig.write(
                to: path, clusterName: "default", server: "https://127.0.0.1:6443", caPEM: pki.serverCA.certificatePEM,
                user: "system:admin", clientCertPEM: admin.certificatePEM, clientKeyPEM: admin.keyPEM)
            #expect(permissions(path) == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/etc/swiftlet") == ["swiftlet.yaml"])

            let result = try run("/usr/bin/kubectl", ["config", "view", "--kubeconfig", path, "-o", "json", "--raw"])
            try #require(result.status == 0, "\(result.stderr)")
            let json = try parseJSON(result.stdout)
            #expect(value(json, "current-context") == "default")
            #expect(value(json, "clusters", 0, "name") == "default")
            #expect(value(json, "clusters", 0, "cluster", "server") == "https://127.0.0.1:6443")
            #expect(value(json, "contexts", 0, "name") == "default")
            #expect(value(json, "contexts", 0, "context", "cluster") == "default")
            #expect(value(json, "contexts", 0, "context", "user") == "system:admin")
            #expect(value(json, "users", 0, "name") == "system:admin")
            let fields: [(String?, String)] = [
                (value(json, "clusters", 0, "cluster", "certificate-authority-data"), pki.serverCA.certificatePEM),
                (value(json, "users", 0, "user", "client-certificate-data"), admin.certificatePEM),
                (value(json, "users", 0, "user", "client-key-data"), admin.keyPEM),
            ]
            for (encoded, expected) in fields {
                let data = try #require(encoded.flatMap { Data(base64Encoded: $0) })
                #expect(String(decoding: data, as: UTF8.self) == expected)
            }
        }
    }

    @Test func writeHonoursModeAndReplacesAtomically() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/component.kubeconfig"
            try writeText("old", to: path)
            chmod(path, 0o644)
            try Kubeconfig.write(
                to: path, mode: 0o640, clusterName: "c", server: "https://s:6443", caPEM: "CA", user: "u",
                clientCertPEM: "CERT", clientKeyPEM: "KEY")
            #expect(permissions(path) == 0o640)
            #expect(String(decoding: try contents(path), as: UTF8.self).contains("kind: Config"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["component.kubeconfig"])
        }
    }

    @Test func writeIntoMissingUnwritableLocationFails() {
        #expect(throws: PKIError.self) {
            try Kubeconfig.write(
                to: "/proc/definitely/not/here.yaml", clusterName: "c", server: "https://s", caPEM: "", user: "u",
                clientCertPEM: "", clientKeyPEM: "")
        }
    }

    @Test(arguments: [
        ("plain", "\"plain\""),
        ("system:admin", "\"system:admin\""),
        ("a\"b\\c", "\"a\\\"b\\\\c\""),
        ("line\nbreak", "\"line\\nbreak\""),
        ("bell\u{07}", "\"bell\\u0007\""),
    ])
    func yamlQuoting(input: String, expected: String) {
        #expect(Kubeconfig.quoted(input) == expected)
    }

    @Test func oddNamesSurviveAKubectlRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/k.yaml"
            let name = "weird: name # with \"quotes\""
            try Kubeconfig.write(
                to: path, clusterName: name, server: "https://[::1]:6443", caPEM: "x", user: "system:node:n-1",
                clientCertPEM: "y", clientKeyPEM: "z")
            let result = try run("/usr/bin/kubectl", ["config", "view", "--kubeconfig", path, "-o", "json", "--raw"])
            try #require(result.status == 0, "\(result.stderr)")
            let json = try parseJSON(result.stdout)
            #expect(value(json, "current-context") == name)
            #expect(value(json, "clusters", 0, "name") == name)
            #expect(value(json, "clusters", 0, "cluster", "server") == "https://[::1]:6443")
            #expect(value(json, "users", 0, "name") == "system:node:n-1")
        }
    }

    private func parseJSON(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// The string at a path of object keys (String) and array indices (Int), or nil.
    private func value(_ json: Any, _ path: Any...) -> String? {
        var current: Any? = json
        for step in path {
            if let key = step as? String {
                current = (current as? [String: Any])?[key]
            } else if let index = step as? Int, let array = current as? [Any], array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current as? String
    }
}
