import FoundationEssentials
import KubeAPI
import SwiftletCore
import KubeHTTP
import KubePKI
import Synchronization

/// A request's authenticated user.
struct UserInfo: Sendable {
    var name: String
    var groups: [String]
    /// Set for service accounts (the account's uid), as upstream's user.Info.
    var uid: String? = nil
    /// Upstream's user.Info extra, e.g. `authentication.kubernetes.io/pod-name` for bound tokens.
    var extra: [String: [String]] = [:]
}

/// Client certificates (verified by TLS against the client CA) and static bearer tokens.
struct Authenticator: Sendable {
    /// token -> user, from a kube-apiserver style `--token-auth-file`.
    var tokens: [String: UserInfo]
    /// Parsing a certificate per request would dominate small requests: remember the few clients.
    let certificateUsers = IdentityCache()

    init(tokenFile: String?) throws {
        tokens = [:]
        guard let tokenFile else { return }
        guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
            throw ConfigError("cannot read token file \(tokenFile)")
        }
        for (number, line) in text.split(separator: "\n").enumerated() {
            let trimmed = line.trimmedSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = Authenticator.splitCSV(trimmed)
            guard fields.count >= 3, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw ConfigError("token file \(tokenFile) line \(number + 1): expected token,user,uid[,\"groups\"]")
            }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map { String($0) } : []
            tokens[fields[0]] = UserInfo(name: fields[1], groups: groups)
        }
    }

    /// nil: anonymous (the caller answers 401).
    func authenticate(headers: [(String, String)], peer: PeerInfo) -> UserInfo? {
        if let der = peer.certificateDER {
            if let cached = certificateUsers.lookup(der) { return cached }
            if let id = try? PeerIdentity.fromCertificate(derBytes: der) {
                let user = UserInfo(name: id.user, groups: id.groups + ["system:authenticated"])
                certificateUsers.insert(der, user)
                return user
            }
        }
        if let token = Self.bearerToken(in: headers), let user = tokens[token] {
            return UserInfo(name: user.name, groups: user.groups + ["system:authenticated"])
        }
        return nil
    }

    /// The token of an `Authorization: Bearer <token>` header, if there is one.
    static func bearerToken(in headers: [(String, String)]) -> String? {
        guard let auth = headers.first(where: { $0.0.lowercased() == "authorization" })?.1,
              auth.count > 7, auth.prefix(7).lowercased() == "bearer " else { return nil }
        return auth.dropFirst(7).trimmedSpaces
    }

    /// Splits one CSV line, honouring double quotes (groups are quoted when they contain commas).
    static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == ",", !quoted { fields.append(current); current = ""; continue }
            current.append(ch)
        }
        fields.append(current)
        return fields
    }
}

/// Decides whether a user may perform a request. RBAC comes later behind this same interface.
protocol Authorizer: Sendable {
    func authorize(user: UserInfo, info: RequestInfo) -> Bool
}

/// Allows `system:masters` and the Swiftlet component identities; denies everyone else.
struct BootstrapAuthorizer: Authorizer {
    static let componentUsers: Set<String> = [
        "system:kube-controller-manager", "system:kube-scheduler", "system:kube-proxy",
        "system:swiftlet-supervisor", "system:kube-apiserver",
    ]

    func authorize(user: UserInfo, info: RequestInfo) -> Bool {
        if user.groups.contains("system:masters") { return true }
        if BootstrapAuthorizer.componentUsers.contains(user.name) { return true }
        if user.groups.contains("system:nodes"), user.name.hasPrefix("system:node:") { return true }
        // Any authenticated user may ask what it may do and who it is (upstream's system:basic-user).
        if info.kind == .resource, info.verb == "create",
           ["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"].contains(info.resource) {
            return true
        }
        // Discovery, OpenAPI, health and version are readable by any authenticated user, as upstream's
        // system:discovery and system:public-info-viewer roles allow.
        if info.kind == .nonResource, info.verb == "get" {
            let p = info.path
            if ["/healthz", "/livez", "/readyz", "/version", "/api", "/apis", "/openapi/v2", "/openapi/v3"].contains(p)
                || p.hasPrefix("/api/") || p.hasPrefix("/apis/") || p.hasPrefix("/openapi/v3/") {
                return true
            }
        }
        // Service accounts may read the issuer discovery documents (upstream's
        // system:service-account-issuer-discovery binding to system:serviceaccounts).
        if info.kind == .nonResource, info.verb == "get", user.groups.contains("system:serviceaccounts"),
           info.path == ServiceAccountTokens.openIDConfigurationPath || info.path == ServiceAccountTokens.jwksPath {
            return true
        }
        return false
    }
}

/// Users of recently seen client certificates (TLS already verified them), bounded in size.
final class IdentityCache: Sendable {
    private let entries = Mutex<[[UInt8]: UserInfo]>([:])
    private let capacity = 256

    func lookup(_ der: [UInt8]) -> UserInfo? { entries.withLock { $0[der] } }

    func insert(_ der: [UInt8], _ user: UserInfo) {
        entries.withLock { map in
            if map.count >= capacity { map.removeAll(keepingCapacity: true) }
            map[der] = user
        }
    }
}
