import ContainerdSupport
import Foundation
import Testing

@Suite struct RegistriesConfigTests {
    static let sample = """
        mirrors:
          docker.io:
            endpoint:
              - "https://mirror.local:5000"
              - "http://127.0.0.1:5001/v2"
              - "https://registry-1.docker.io"
          registry.k8s.io:
            endpoint: ["mirror.local:5000"]
            rewrite:
              "^pause$": "mirrored/pause"
          "*":
            endpoint: ["https://fallback.local"]
        configs:
          mirror.local:5000:
            auth:
              username: alice
              password: secret
            tls:
              ca_file: /etc/ssl/mirror-ca.pem
              cert_file: /etc/ssl/client.pem
              key_file: /etc/ssl/client-key.pem
          docker.io:
            auth: {auth: "Ym9iOnB3"}
          private.example:8443:
            tls:
              insecure_skip_verify: true
        """

    @Test func parsesTheK3sFormat() throws {
        let config = try RegistriesConfig(yaml: Self.sample)
        #expect(config.mirrors["docker.io"]?.endpoints == ["https://mirror.local:5000", "http://127.0.0.1:5001/v2", "https://registry-1.docker.io"])
        #expect(config.mirrors["registry.k8s.io"]?.rewrites == ["^pause$": "mirrored/pause"])
        #expect(config.configs["mirror.local:5000"]?.auth == .init(username: "alice", password: "secret"))
        #expect(config.configs["mirror.local:5000"]?.tls?.caFile == "/etc/ssl/mirror-ca.pem")
        #expect(config.configs["private.example:8443"]?.tls?.insecureSkipVerify == true)
    }

    @Test func rendersGoldenHostsFiles() throws {
        let (files, warnings) = try RegistriesConfig(yaml: Self.sample).renderHosts()
        #expect(files.map(\.directory) == ["_default", "docker.io", "mirror.local:5000", "private.example:8443", "registry.k8s.io"])
        let byDirectory = Dictionary(uniqueKeysWithValues: files.map { ($0.directory, $0.contents) })
        #expect(byDirectory["docker.io"] == """
            server = "https://registry-1.docker.io"

            [host."https://mirror.local:5000"]
              capabilities = ["pull", "resolve"]
              ca = "/etc/ssl/mirror-ca.pem"
              client = [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]]

            [host."http://127.0.0.1:5001/v2"]
              capabilities = ["pull", "resolve"]
              override_path = true

            """)
        #expect(byDirectory["registry.k8s.io"] == """
            server = "https://registry.k8s.io"

            [host."https://mirror.local:5000"]
              capabilities = ["pull", "resolve"]
              ca = "/etc/ssl/mirror-ca.pem"
              client = [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]]

            """)
        // The wildcard: no server line, so each registry keeps its own upstream as the fallback.
        #expect(byDirectory["_default"] == """
            [host."https://fallback.local"]
              capabilities = ["pull", "resolve"]

            """)
        // A host with TLS settings only: they apply to the host itself, for images named after it
        // (here the mirror, which also gets them as an endpoint above).
        #expect(byDirectory["mirror.local:5000"] == """
            server = "https://mirror.local:5000"
            ca = "/etc/ssl/mirror-ca.pem"
            client = [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]]

            """)
        #expect(byDirectory["private.example:8443"] == """
            server = "https://private.example:8443"
            skip_verify = true

            """)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("mirrors.\"registry.k8s.io\".rewrite is ignored") == true, "\(warnings)")
    }

    @Test func writeHostsReplacesTheDirectory() throws {
        let directory = try makeTemporaryDirectory("certs")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/stale.example", withIntermediateDirectories: true)
        try RegistriesConfig(yaml: Self.sample).writeHosts(to: directory)
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(entries == ["_default", "docker.io", "mirror.local:5000", "private.example:8443", "registry.k8s.io"])
        let text = try String(contentsOfFile: directory + "/docker.io/hosts.toml", encoding: .utf8)
        #expect(text.hasPrefix("server = \"https://registry-1.docker.io\"\n"))
    }

    @Test(arguments: [
        ("busybox", "docker.io"), ("library/busybox:1.35", "docker.io"), ("docker.io/library/busybox", "docker.io"),
        ("registry.k8s.io/pause:3.9", "registry.k8s.io"), ("localhost/swiftlet/pause:1", "localhost"),
        ("127.0.0.1:5000/x/y", "127.0.0.1:5000"), ("mirror.local:5000/app@sha256:abc", "mirror.local:5000"),
    ])
    func registryHostOfImage(image: String, host: String) {
        #expect(RegistriesConfig.registryHost(ofImage: image) == host)
    }

    @Test func authForImagePrefersTheRegistryThenItsMirrors() throws {
        let config = try RegistriesConfig(yaml: Self.sample)
        #expect(config.auth(forImage: "busybox:latest") == .init(auth: "Ym9iOnB3"))
        // registry.k8s.io has no credentials of its own: its mirror's apply.
        #expect(config.auth(forImage: "registry.k8s.io/pause:3.9") == .init(username: "alice", password: "secret"))
        #expect(config.auth(forImage: "quay.io/x/y:1") == nil)
        #expect(try RegistriesConfig(yaml: "").auth(forImage: "busybox") == nil)
    }

    @Test(arguments: [
        ("mirrors: [a, b]", "mirrors must be a mapping"),
        ("mirrors:\n  docker.io:\n    endpoint: https://x", "mirrors.\"docker.io\".endpoint must be a list of strings"),
        ("mirrors:\n  docker.io:\n    endpoint: [[a]]", "mirrors.\"docker.io\".endpoint[0] must be a string"),
        ("mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]", "endpoint[0]: \"ftp://x\" is not an http(s) URL"),
        ("mirrors:\n  docker.io:\n    endpoints: [a]", "unknown key \"endpoints\""),
        ("configs:\n  r.io:\n    tls:\n      insecure_skip_verify: maybe", "configs.\"r.io\".tls.insecure_skip_verify must be true or false"),
        ("configs:\n  r.io:\n    tls:\n      cert_file: /c.pem", "cert_file and key_file must be given together"),
        ("configs:\n  r.io:\n    auth:\n      username: [a]", "configs.\"r.io\".auth.username must be a string"),
        ("configs:\n  r.io:\n    auth:\n      token: t", "auth: unknown key \"token\""),
        ("mirror:\n  docker.io: {}", "unknown key \"mirror\""),
        ("mirrors: {docker.io: [unclosed", "not valid YAML"),
        ("- a\n- b", "the document must be a mapping"),
    ])
    func badInputNamesTheKey(yaml: String, expected: String) {
        do {
            _ = try RegistriesConfig(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func loadNamesTheFile() throws {
        let directory = try makeTemporaryDirectory("registries")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/registries.yaml"
        try "mirrors: 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RegistriesConfigError("\(path): mirrors must be a mapping")) { try RegistriesConfig.load(path: path) }
        #expect(throws: RegistriesConfigError("\(directory)/missing.yaml: cannot read the file")) {
            try RegistriesConfig.load(path: directory + "/missing.yaml")
        }
    }
}
