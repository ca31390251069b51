/// A role profile: the components of a role, in start order.
///
/// Profiles are data: `swiftlet server` builds the entries (apiserver, scheduler, controllers, and
/// the kubelet when it runs simulated nodes); containerd, the real kubelet and the proxy become
/// entries when they exist.
public struct Profile: Sendable, Equatable {
    public var components: [ComponentSpec]

    public init(components: [ComponentSpec]) throws {
        self.components = components
        try Self.validate(components)
    }

    public var names: [String] { components.map(\.name) }

    public subscript(name: String) -> ComponentSpec? { components.first { $0.name == name } }

    /// Component names known to Swiftlet, by role; `--disable` accepts these.
    public static let controlPlaneComponents = ["apiserver", "controllers", "scheduler"]
    public static let nodeComponents = ["containerd", "kubelet", "proxy"]
    public static let knownComponents = controlPlaneComponents + nodeComponents
    /// K3s add-ons `--disable` names in existing K3s configs; Swiftlet bundles none of them yet, so
    /// disabling one is accepted and does nothing.
    public static let k3sAddOns = ["coredns", "servicelb", "traefik", "local-storage", "metrics-server",
                                   "runtimes", "helm-controller", "network-policy", "cloud-controller"]

    /// What the server profile leaves out.
    public struct Exclusions: Sendable, Equatable {
        /// `--disable-agent`: no node components.
        public var agent: Bool
        /// `--disable <name>` and the K3s spellings `--disable-scheduler` and so on.
        public var components: Set<String>

        public init(agent: Bool = false, components: Set<String> = []) {
            self.agent = agent
            self.components = components
        }
    }

    /// The server profile: the control plane, then the node components (unless `exclusions.agent`),
    /// minus exclusions.
    ///
    /// Disabling the apiserver is rejected: every other server component needs it, so a server
    /// without it has nothing to do (run `swiftlet agent` for a node without a control plane).
    public static func server(controlPlane: [ComponentSpec], node: [ComponentSpec] = [],
                              excluding exclusions: Exclusions = .init()) throws -> Profile {
        for name in exclusions.components where !knownComponents.contains(name) && !k3sAddOns.contains(name) {
            throw SupervisionError("cannot disable \"\(name)\": not a component (components: \(knownComponents.joined(separator: ", ")))")
        }
        if exclusions.components.contains("apiserver") {
            throw SupervisionError("cannot disable the apiserver on a server: every other component needs it; run `swiftlet agent` for a node without a control plane")
        }
        var components = controlPlane + (exclusions.agent ? [] : node)
        components.removeAll { exclusions.components.contains($0.name) }
        // A component whose dependency is disabled runs without waiting for it.
        for index in components.indices {
            components[index].dependencies.removeAll { exclusions.components.contains($0) }
        }
        return try Profile(components: components)
    }

    /// The server profile with the apiserver alone.
    public static func server(apiserver: ComponentSpec, excluding exclusions: Exclusions = .init()) throws -> Profile {
        try server(controlPlane: [apiserver], excluding: exclusions)
    }

    /// The agent profile (containerd, kubelet, proxy). None of them exists yet, so it is empty and
    /// an agent is ready at once.
    public static func agent() -> Profile {
        // Empty is valid by construction.
        try! Profile(components: [])
    }

    /// The agent profile with the node components that exist so far (containerd).
    public static func agent(node: [ComponentSpec]) throws -> Profile {
        try Profile(components: node)
    }

    /// Unique names, known dependencies, listed before their dependents, positive timeouts.
    static func validate(_ components: [ComponentSpec]) throws {
        var seen: Set<String> = []
        for spec in components {
            guard !spec.name.isEmpty, !spec.name.contains("/") else {
                throw SupervisionError("invalid component name \"\(spec.name)\"")
            }
            guard seen.insert(spec.name).inserted else {
                throw SupervisionError("component \"\(spec.name)\" is listed twice")
            }
            for dependency in spec.dependencies where !seen.contains(dependency) {
                throw SupervisionError("component \"\(spec.name)\" depends on \"\(dependency)\", which is not listed before it")
            }
            guard spec.stopTimeout > .zero, spec.readyTimeout > .zero else {
                throw SupervisionError("component \"\(spec.name)\" needs positive stop and ready timeouts")
            }
        }
    }
}
