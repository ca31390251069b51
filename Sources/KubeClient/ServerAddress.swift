/// The host and port of an `https://host[:port]` API server URL.
public struct ServerAddress: Hashable, Sendable, CustomStringConvertible {
    /// A DNS name or an IP address (IPv6 without brackets).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `https://host`, `https://host:port` or `https://[v6]:port`; a trailing `/` is allowed,
    /// other paths are refused (the client always addresses the API root).
    public init(url: String) throws(KubeClientError) {
        let prefix = "https://"
        guard url.lowercased().hasPrefix(prefix) else {
            throw .badServerURL(url, url.contains("://") ? "only https is supported" : "expected https://host:port")
        }
        var rest = Substring(url.dropFirst(prefix.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw .badServerURL(url, "a path is not supported")
        }
        guard !rest.contains("@") else { throw .badServerURL(url, "user information is not supported") }
        let hostPart: Substring
        var portPart: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .badServerURL(url, "unterminated IPv6 address") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badServerURL(url, "unexpected text after the IPv6 address") }
                portPart = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        } else {
            hostPart = rest
        }
        guard !hostPart.isEmpty else { throw .badServerURL(url, "missing host") }
        var port = 443
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else {
                throw .badServerURL(url, "invalid port \"\(portPart)\"")
            }
            port = value
        }
        self.host = String(hostPart)
        self.port = port
    }

    /// True for IPv4 and IPv6 literals, which TLS must not send as SNI.
    public var isIPAddress: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The `Host` header value.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 443 ? name : "\(name):\(port)"
    }

    public var description: String { "https://\(authority)" }
}
