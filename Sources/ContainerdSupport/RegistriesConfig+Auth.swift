extension RegistriesConfig {
    /// The credentials to send with a CRI PullImage of `image`, or nil.
    ///
    /// containerd 1.6 applies PullImage credentials without a server address to every host it
    /// tries for that pull (mirrors included), so the registry's own credentials win, then those of
    /// the first endpoint of its mirror (or of the `*` mirror) that has some.
    public func auth(forImage image: String) -> Auth? {
        let registry = Self.registryHost(ofImage: image)
        if let auth = configs[registry]?.auth { return auth }
        for mirror in [mirrors[registry], mirrors["*"]].compactMap({ $0 }) {
            for endpoint in mirror.endpoints {
                if let auth = configs[Self.normalizedEndpoint(endpoint).host]?.auth { return auth }
            }
        }
        return nil
    }

    /// The registry host of an image reference as containerd normalizes it: the first path
    /// component when it looks like a host (has a dot or a port, or is `localhost`), else docker.io.
    public static func registryHost(ofImage image: String) -> String {
        guard let slash = image.firstIndex(of: "/") else { return "docker.io" }
        let first = String(image[..<slash])
        if first == "localhost" || first.contains(".") || first.contains(":") {
            return first == "index.docker.io" ? "docker.io" : first
        }
        return "docker.io"
    }
}
