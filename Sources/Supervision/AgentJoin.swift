/// What `swiftlet agent` needs to join a cluster, validated.
public struct AgentJoin: Sendable, Equatable {
    /// The server's URL, `https://host[:port]`.
    public let server: String
    /// The join token: K3s's secure form `K10<sha256 of the CA>::<user>:<secret>`, or a bare secret.
    public let token: String

    /// Validates the `--server` URL and `--token`; errors say what is wrong.
    public init(server: String, token: String) throws {
        self.server = try Self.validateServer(server)
        self.token = try Self.validateToken(token)
    }

    static func validateServer(_ text: String) throws -> String {
        let value = text.trimmedWhitespace
        guard !value.isEmpty else { throw SupervisionError("--server is required (https://<server>:6443)") }
        guard value.hasPrefix("https://") else {
            throw SupervisionError("--server \"\(text)\" must be an https:// URL, e.g. https://192.0.2.10:6443")
        }
        var rest = Substring(value.dropFirst("https://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains(" ") else {
            throw SupervisionError("--server \"\(text)\" must be https://<host>[:port] with no path")
        }
        // `[v6]:port`, `host:port` or `host`.
        let host: Substring
        var port: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw SupervisionError("--server \"\(text)\": unclosed [ in the host") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw SupervisionError("--server \"\(text)\": unexpected text after the host") }
                port = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw SupervisionError("--server \"\(text)\" has no host") }
        if let port {
            guard let number = Int(port), (1...65535).contains(number) else {
                throw SupervisionError("--server \"\(text)\": \"\(port)\" is not a port (1-65535)")
            }
        }
        return "https://" + rest
    }

    static func validateToken(_ text: String) throws -> String {
        let value = text.trimmedWhitespace
        guard !value.isEmpty else { throw SupervisionError("--token is required (the server's join token)") }
        guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw SupervisionError("--token must be printable ASCII without spaces")
        }
        if value.hasPrefix("K10") {
            let parts = value.dropFirst(3).split(separator: "::", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit), !parts[1].isEmpty else {
                throw SupervisionError("--token looks like a K10 token but is not K10<64 hex digits>::<user>:<secret>")
            }
        }
        return value
    }
}
