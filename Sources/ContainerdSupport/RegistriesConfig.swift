import FoundationEssentials
import SwiftletYAML

/// `/etc/swiftlet/registries.yaml` in the K3s format:
///
/// ```yaml
/// mirrors:
///   docker.io:
///     endpoint: ["https://mirror.local:5000"]
///     rewrite: {"^library/(.*)": "mirrored/$1"}
///   "*":
///     endpoint: ["https://fallback.local"]
/// configs:
///   mirror.local:5000:
///     auth: {username: u, password: p}        # or auth (base64 user:pass) or identity_token
///     tls: {ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, insecure_skip_verify: false}
/// ```
/// Mirrors and TLS become containerd `hosts.toml` files (`renderHosts()`); credentials are not a
/// hosts.toml feature in containerd 1.6, so the kubelet passes `auth(forImage:)` with each PullImage.
public struct RegistriesConfig: Sendable, Equatable {
    public struct Mirror: Sendable, Equatable {
        /// Endpoint URLs tried in order before the registry itself.
        public var endpoints: [String]
        /// Repository rewrites (regular expression to replacement). Upstream containerd 1.6 has no
        /// such hosts.toml key (K3s patches its containerd), so they are parsed but not applied.
        public var rewrites: [String: String]

        public init(endpoints: [String], rewrites: [String: String] = [:]) {
            self.endpoints = endpoints
            self.rewrites = rewrites
        }
    }

    /// Credentials for one registry host, in the CRI `AuthConfig` shape.
    public struct Auth: Sendable, Equatable {
        public var username: String?
        public var password: String?
        /// base64 of `username:password`.
        public var auth: String?
        public var identityToken: String?

        public init(username: String? = nil, password: String? = nil, auth: String? = nil, identityToken: String? = nil) {
            self.username = username
            self.password = password
            self.auth = auth
            self.identityToken = identityToken
        }
    }

    public struct TLS: Sendable, Equatable {
        public var certFile: String?
        public var keyFile: String?
        public var caFile: String?
        public var insecureSkipVerify: Bool

        public init(certFile: String? = nil, keyFile: String? = nil, caFile: String? = nil, insecureSkipVerify: Bool = false) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
            self.insecureSkipVerify = insecureSkipVerify
        }
    }

    public struct HostConfig: Sendable, Equatable {
        public var auth: Auth?
        public var tls: TLS?

        public init(auth: Auth? = nil, tls: TLS? = nil) {
            self.auth = auth
            self.tls = tls
        }
    }

    /// By registry host (`docker.io`, `registry.local:5000`, or `*` for every registry).
    public var mirrors: [String: Mirror]
    /// By registry or endpoint host.
    public var configs: [String: HostConfig]

    public init(mirrors: [String: Mirror] = [:], configs: [String: HostConfig] = [:]) {
        self.mirrors = mirrors
        self.configs = configs
    }

    /// The default location of the file (K3s: /etc/rancher/k3s/registries.yaml).
    public static let defaultPath = "/etc/swiftlet/registries.yaml"

    /// Reads and parses `path`; errors name the file and the key.
    public static func load(path: String) throws -> RegistriesConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistriesConfigError("\(path): cannot read the file")
        }
        do {
            return try RegistriesConfig(yaml: String(decoding: data, as: UTF8.self))
        } catch let error as RegistriesConfigError {
            throw RegistriesConfigError("\(path): \(error.message)")
        }
    }

    /// Parses registries.yaml text. An empty document is an empty configuration.
    public init(yaml: String) throws {
        let root: YAMLNode?
        do {
            root = try YAML.compose(yaml)
        } catch {
            throw RegistriesConfigError("not valid YAML: \(error)")
        }
        self.init()
        guard let root else { return }
        let top = try YAMLPath.mapping(root, at: "")
        for (key, value) in top {
            switch key {
            case "mirrors":
                for (host, entry) in try YAMLPath.mapping(value, at: "mirrors") {
                    mirrors[host] = try Self.mirror(entry, at: "mirrors.\(YAMLPath.quote(host))")
                }
            case "configs":
                for (host, entry) in try YAMLPath.mapping(value, at: "configs") {
                    configs[host] = try Self.hostConfig(entry, at: "configs.\(YAMLPath.quote(host))")
                }
            default:
                throw RegistriesConfigError("unknown key \"\(key)\" (expected mirrors or configs)")
            }
        }
    }

    private static func mirror(_ node: YAMLNode, at path: String) throws -> Mirror {
        var mirror = Mirror(endpoints: [])
        for (key, value) in try YAMLPath.mapping(node, at: path) {
            switch key {
            case "endpoint":
                mirror.endpoints = try YAMLPath.strings(value, at: "\(path).endpoint")
                for (index, endpoint) in mirror.endpoints.enumerated() {
                    guard let url = URL(string: endpoint.contains("://") ? endpoint : "https://" + endpoint),
                          url.host != nil, ["http", "https"].contains(url.scheme ?? "") else {
                        throw RegistriesConfigError("\(path).endpoint[\(index)]: \"\(endpoint)\" is not an http(s) URL")
                    }
                }
            case "rewrite":
                for (pattern, replacement) in try YAMLPath.mapping(value, at: "\(path).rewrite") {
                    mirror.rewrites[pattern] = try YAMLPath.string(replacement, at: "\(path).rewrite.\(YAMLPath.quote(pattern))")
                }
            default:
                throw RegistriesConfigError("\(path): unknown key \"\(key)\" (expected endpoint or rewrite)")
            }
        }
        return mirror
    }

    private static func hostConfig(_ node: YAMLNode, at path: String) throws -> HostConfig {
        var config = HostConfig()
        for (key, value) in try YAMLPath.mapping(node, at: path) {
            switch key {
            case "auth":
                var auth = Auth()
                for (field, item) in try YAMLPath.mapping(value, at: "\(path).auth") {
                    let text = try YAMLPath.string(item, at: "\(path).auth.\(field)")
                    switch field {
                    case "username": auth.username = text
                    case "password": auth.password = text
                    case "auth": auth.auth = text
                    case "identity_token", "identitytoken": auth.identityToken = text
                    default: throw RegistriesConfigError("\(path).auth: unknown key \"\(field)\"")
                    }
                }
                config.auth = auth
            case "tls":
                var tls = TLS()
                for (field, item) in try YAMLPath.mapping(value, at: "\(path).tls") {
                    let location = "\(path).tls.\(field)"
                    switch field {
                    case "cert_file": tls.certFile = try YAMLPath.string(item, at: location)
                    case "key_file": tls.keyFile = try YAMLPath.string(item, at: location)
                    case "ca_file": tls.caFile = try YAMLPath.string(item, at: location)
                    case "insecure_skip_verify": tls.insecureSkipVerify = try YAMLPath.bool(item, at: location)
                    default: throw RegistriesConfigError("\(path).tls: unknown key \"\(field)\"")
                    }
                }
                if (tls.certFile == nil) != (tls.keyFile == nil) {
                    throw RegistriesConfigError("\(path).tls: cert_file and key_file must be given together")
                }
                config.tls = tls
            default:
                throw RegistriesConfigError("\(path): unknown key \"\(key)\" (expected auth or tls)")
            }
        }
        return config
    }
}

/// A problem in registries.yaml; the message names the key.
public struct RegistriesConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Typed access to a Yams node tree with errors that name the key path.
enum YAMLPath {
    static func quote(_ key: String) -> String {
        key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? key : "\"\(key)\""
    }

    /// The entries of a mapping with string keys, in document order; null is an empty mapping.
    static func mapping(_ node: YAMLNode, at path: String) throws -> [(String, YAMLNode)] {
        if isNull(node) { return [] }
        guard let mapping = node.mapping else {
            throw RegistriesConfigError("\(path.isEmpty ? "the document" : path) must be a mapping")
        }
        return try mapping.map { key, value in
            guard let name = key.scalar?.string else {
                throw RegistriesConfigError("\(path.isEmpty ? "the document" : path) has a key that is not a string")
            }
            return (name, value)
        }
    }

    static func string(_ node: YAMLNode, at path: String) throws -> String {
        guard let scalar = node.scalar, !isNull(node) else {
            throw RegistriesConfigError("\(path) must be a string")
        }
        return scalar.string
    }

    static func strings(_ node: YAMLNode, at path: String) throws -> [String] {
        if isNull(node) { return [] }
        guard let sequence = node.sequence else { throw RegistriesConfigError("\(path) must be a list of strings") }
        return try sequence.enumerated().map { index, item in try string(item, at: "\(path)[\(index)]") }
    }

    static func bool(_ node: YAMLNode, at path: String) throws -> Bool {
        guard let text = node.scalar?.string else { throw RegistriesConfigError("\(path) must be true or false") }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw RegistriesConfigError("\(path) must be true or false, not \"\(text)\"")
        }
    }

    private static func isNull(_ node: YAMLNode) -> Bool { node.isNull }
}
