import FoundationEssentials

extension RegistriesConfig {
    /// One `<certs.d>/<directory>/hosts.toml` file.
    public struct HostsFile: Sendable, Equatable {
        /// The registry host (`docker.io`, `registry.local:5000`), or `_default` for the `*` mirror.
        public var directory: String
        public var contents: String
    }

    /// The containerd `hosts.toml` files for these mirrors and TLS settings, sorted by directory,
    /// and warnings for what containerd 1.6 cannot express (rewrites).
    ///
    /// Each mirrored registry gets `server` (its own upstream) plus one `[host."<endpoint>"]` per
    /// endpoint with the pull and resolve capabilities, in order, and the endpoint's TLS settings
    /// from `configs`. The `*` mirror goes to `_default` (used for registries without a directory
    /// of their own) without `server`, so each registry keeps its own upstream as the fallback.
    /// A registry that only has `configs` gets a file with its TLS settings on `server`.
    public func renderHosts() -> (files: [HostsFile], warnings: [String]) {
        var files: [HostsFile] = []
        var warnings: [String] = []
        for (registry, mirror) in mirrors.sorted(by: { $0.key < $1.key }) {
            let wildcard = registry == "*"
            var lines: [String] = []
            if !wildcard {
                lines.append("server = \(TOML.string(Self.upstream(of: registry)))")
                lines += tlsLines(configs[registry]?.tls, indent: "")
            }
            for endpoint in mirror.endpoints {
                let url = Self.normalizedEndpoint(endpoint)
                // The registry's own upstream is the fallback already; listing it would try it twice.
                if !wildcard, url.text == Self.upstream(of: registry) { continue }
                if !lines.isEmpty { lines.append("") }
                lines.append("[host.\(TOML.string(url.text))]")
                lines.append("  capabilities = [\"pull\", \"resolve\"]")
                if url.overridePath { lines.append("  override_path = true") }
                lines += tlsLines(configs[url.host]?.tls, indent: "  ")
            }
            if !mirror.rewrites.isEmpty {
                warnings.append("registries.yaml: mirrors.\(YAMLPath.quote(registry)).rewrite is ignored: containerd 1.6 hosts.toml has no rewrites")
            }
            files.append(HostsFile(directory: wildcard ? "_default" : registry, contents: lines.joined(separator: "\n") + "\n"))
        }
        for (host, config) in configs.sorted(by: { $0.key < $1.key }) where mirrors[host] == nil && host != "*" {
            guard let tls = config.tls else { continue }
            let lines = ["server = \(TOML.string(Self.upstream(of: host)))"] + tlsLines(tls, indent: "")
            files.append(HostsFile(directory: host, contents: lines.joined(separator: "\n") + "\n"))
        }
        files.sort { $0.directory < $1.directory }
        return (files, warnings)
    }

    /// Replaces the contents of `certsDirectory` with `renderHosts()` (the directory is Swiftlet's:
    /// a registry removed from registries.yaml loses its file). Returns the warnings.
    @discardableResult
    public func writeHosts(to certsDirectory: String) throws -> [String] {
        let fm = FileManager.default
        let (files, warnings) = renderHosts()
        if fm.fileExists(atPath: certsDirectory) {
            for entry in try fm.contentsOfDirectory(atPath: certsDirectory) {
                try fm.removeItem(atPath: certsDirectory + "/" + entry)
            }
        }
        try fm.createDirectory(atPath: certsDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for file in files {
            guard !file.directory.contains("/"), file.directory != ".", file.directory != ".." else {
                throw RegistriesConfigError("registries.yaml: \"\(file.directory)\" is not a registry host")
            }
            let directory = certsDirectory + "/" + file.directory
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: directory + "/hosts.toml"), options: .atomic)
        }
        return warnings
    }

    /// `https://<registry>`, except Docker Hub whose API lives at registry-1.docker.io.
    static func upstream(of registry: String) -> String {
        registry == "docker.io" ? "https://registry-1.docker.io" : "https://\(registry)"
    }

    /// An endpoint as a hosts.toml host key: a scheme added when missing, a trailing slash dropped;
    /// a path ending in `/v2` is used as is (`override_path`), else containerd appends `/v2`.
    static func normalizedEndpoint(_ endpoint: String) -> (text: String, host: String, overridePath: Bool) {
        var text = endpoint.contains("://") ? endpoint : "https://" + endpoint
        while text.hasSuffix("/") { text.removeLast() }
        let components = URLComponents(string: text)
        var host = components?.host ?? ""
        if let port = components?.port { host += ":\(port)" }
        let path = components?.path ?? ""
        return (text, host, path.hasSuffix("/v2"))
    }

    private func tlsLines(_ tls: TLS?, indent: String) -> [String] {
        guard let tls else { return [] }
        var lines: [String] = []
        if tls.insecureSkipVerify { lines.append(indent + "skip_verify = true") }
        if let ca = tls.caFile { lines.append(indent + "ca = \(TOML.string(ca))") }
        if let cert = tls.certFile, let key = tls.keyFile {
            lines.append(indent + "client = [\(TOML.strings([cert, key]))]")
        }
        return lines
    }
}
