/// Registry credentials from a pod's image pull secrets, indexed the way upstream's
/// `credentialprovider` keyring indexes them, so the same secret matches the same images.
///
/// A key is a registry host with an optional port and path (`registry.local:5000/team`), taken
/// from a docker config's key after dropping the scheme and a leading `/v1/` or `/v2/` path
/// (`https://index.docker.io/v1/` is `index.docker.io`). An image matches a key when:
/// - both hosts have the same number of dot-separated parts and each image part matches the key's
///   part as a glob (`*` any run of characters, `?` one character; `*.azurecr.io`),
/// - the ports are equal (a key without a port matches only images without one),
/// - the key's path is a string prefix of the image's repository path.
///
/// `lookup` walks the keys in reverse lexical order, so longer and non-wildcard keys come
/// first, and returns every matching credential; the kubelet tries them in turn. Docker Hub
/// images fall back to the `index.docker.io` key (the legacy `https://index.docker.io/v1/`).
public struct DockerKeyring: Sendable, Equatable {
    /// Keys in lookup order (reverse lexical, no duplicates).
    public private(set) var keys: [String] = []
    public private(set) var credentials: [String: [RegistryCredential]] = [:]

    public init() {}

    /// Adds `credential` for the docker config key `location` (`registry.local:5000`,
    /// `https://index.docker.io/v1/`, `*.example.com/team`). False for a key without a host.
    @discardableResult
    public mutating func add(location: String, credential: RegistryCredential) -> Bool {
        guard let key = Self.key(of: location) else { return false }
        if credentials[key] == nil { keys.append(key) }
        credentials[key, default: []].append(credential)
        keys.sort(by: >)
        return true
    }

    /// Every credential whose key matches `image` (a reference as a pod names it; it is
    /// normalized first), most specific key first.
    public func lookup(image: String) -> [RegistryCredential] {
        let repository = Self.normalizedRepository(image)
        var found: [RegistryCredential] = []
        for key in keys where Self.matches(key: key, repository: repository) {
            found += credentials[key] ?? []
        }
        if found.isEmpty, repository.hasPrefix("docker.io/") {
            found = credentials[Self.defaultRegistryKey] ?? []
        }
        return found
    }

    /// The key Docker Hub credentials are filed under (`https://index.docker.io/v1/`).
    static let defaultRegistryKey = "index.docker.io"

    /// The index key of a docker config location, or nil when it names no host.
    static func key(of location: String) -> String? {
        var rest = Substring(location)
        for scheme in ["https://", "http://"] where rest.hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        let host: Substring
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            host = rest[..<slash]
            path = rest[slash...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" }) else { return nil }
        // The docker client treats `/v1/` and `/v2/` as the registry itself.
        if path.hasPrefix("/v1/") || path.hasPrefix("/v2/") { path = path.dropFirst(3) }
        if path.isEmpty || path == "/" { return String(host) }
        return String(host) + String(path)
    }

    /// `busybox:1.36` -> `docker.io/library/busybox`; tag and digest dropped, Docker Hub's host
    /// and `library/` added as containerd and the kubelet normalize them.
    public static func normalizedRepository(_ image: String) -> String {
        var name = Substring(image)
        if let at = name.firstIndex(of: "@") { name = name[..<at] }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = name[..<colon] }
        let parts = name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[0] == "localhost" || parts[0].contains(".") || parts[0].contains(":") {
            guard parts[0] == "docker.io" || parts[0] == "index.docker.io" else { return String(name) }
            return "docker.io/" + (parts[1].contains("/") ? "" : "library/") + parts[1]
        }
        return parts.count == 1 ? "docker.io/library/" + name : "docker.io/" + name
    }

    /// Whether the image repository `repository` (normalized, schemeless) falls under `key`.
    static func matches(key: String, repository: String) -> Bool {
        let (keyHost, keyPort, keyPath) = split(key)
        let (imageHost, imagePort, imagePath) = split(repository)
        guard keyPort == imagePort else { return false }
        let keyParts = keyHost.split(separator: ".", omittingEmptySubsequences: false)
        let imageParts = imageHost.split(separator: ".", omittingEmptySubsequences: false)
        guard keyParts.count == imageParts.count else { return false }
        for (pattern, part) in zip(keyParts, imageParts) where !glob(Array(pattern), Array(part)) { return false }
        return imagePath.hasPrefix(keyPath)
    }

    /// Host, port and path (with its leading slash, or empty) of a schemeless `host[:port][/path]`.
    private static func split(_ text: String) -> (host: Substring, port: Substring, path: Substring) {
        let slash = text.firstIndex(of: "/") ?? text.endIndex
        let authority = text[..<slash]
        let path = text[slash...]
        if let colon = authority.lastIndex(of: ":") {
            return (authority[..<colon], authority[authority.index(after: colon)...], path)
        }
        return (authority, "", path)
    }

    /// Glob match of one host part: `*` is any run of characters, `?` one character.
    private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var star: Int?, resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; resume = t; p += 1
            } else if let s = star {
                p = s + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// One set of registry credentials, in the CRI `AuthConfig` shape.
public struct RegistryCredential: Sendable, Hashable {
    public var username: String
    public var password: String
    public var identityToken: String
    public var registryToken: String
    /// Where it came from (`secret default/regcred`), for logs and events; never the secret itself.
    public var source: String

    public init(username: String = "", password: String = "", identityToken: String = "",
                registryToken: String = "", source: String = "") {
        self.username = username
        self.password = password
        self.identityToken = identityToken
        self.registryToken = registryToken
        self.source = source
    }
}
