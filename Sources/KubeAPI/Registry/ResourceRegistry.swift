/// The built-in resources the apiserver knows, with lookups used by routing, discovery and printing.
///
/// Every entry mirrors what kube-apiserver 1.32 reports in discovery for the same resource: kind,
/// plural, singular, scope, verbs, short names, categories and subresources (with their
/// response kinds). Entries with `served: false` are declared so that discovery (and therefore
/// kubectl's resource resolution) knows them; their requests are answered by the generic handlers
/// with an error until a later change serves them.
public enum ResourceRegistry {
    /// A non-core API group and the versions it serves, preferred version first.
    public struct Group: Hashable, Sendable {
        public var name: String
        public var versions: [String]
        public var preferredVersion: String { versions[0] }

        public init(name: String, versions: [String]) {
            precondition(!versions.isEmpty, "a group serves at least one version")
            self.name = name
            self.versions = versions
        }
    }

    /// Every built-in resource, core group first, then the groups in `groups` order.
    public static let builtin: [ResourceDefinition] = coreV1 + namedGroupResources

    /// The versions of the legacy core group served under `/api`.
    public static let coreVersions = ["v1"]

    /// The non-core groups in the order kube-apiserver lists them under `/apis`. Upstream orders
    /// groups by the aggregator's group priority (apiregistration 18000, apps 17800, events 17750,
    /// ...), not alphabetically; clients treat the first version of a group as preferred.
    public static let groups: [Group] = groupOrder.compactMap { name in
        var versions: [String] = []
        for r in builtin where r.group == name && !versions.contains(r.version) {
            versions.append(r.version)
        }
        return versions.isEmpty ? nil : Group(name: name, versions: versions)
    }

    static let groupOrder = [
        "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io",
        "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io",
        "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io",
        "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io",
        "discovery.k8s.io", "flowcontrol.apiserver.k8s.io",
    ]

    private static let byGVR: [String: ResourceDefinition] = {
        var map: [String: ResourceDefinition] = [:]
        for r in builtin { map["\(r.group)/\(r.version)/\(r.plural)"] = r }
        return map
    }()

    private static let byGVK: [GroupVersionKind: ResourceDefinition] = {
        var map: [GroupVersionKind: ResourceDefinition] = [:]
        for r in builtin where map[r.gvk] == nil { map[r.gvk] = r }
        return map
    }()

    /// The resource served at `/api/v1/<plural>` (group `""`) or `/apis/<group>/<version>/<plural>`.
    public static func resource(group: String, version: String, plural: String) -> ResourceDefinition? {
        byGVR["\(group)/\(version)/\(plural)"]
    }

    /// The resource storing objects of `kind` in `apiVersion` (`v1`, `apps/v1`), as a manifest names it.
    public static func resource(forKind kind: String, apiVersion: String) -> ResourceDefinition? {
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return byGVK[GroupVersionKind(group: "", version: String(parts[0]), kind: kind)]
        case 2: return byGVK[GroupVersionKind(group: String(parts[0]), version: String(parts[1]), kind: kind)]
        default: return nil
        }
    }

    /// The resources a kubectl-style name resolves to: a plural, singular or short name, optionally
    /// qualified by group (`deployments.apps`, `deploy.apps`). Core resources come first, so `ev`
    /// yields core `events` before `events.events.k8s.io`, as kubectl's priority mapper prefers.
    public static func resources(named token: String) -> [ResourceDefinition] {
        let name = token.lowercased()
        guard !name.isEmpty else { return [] }
        let matches: (ResourceDefinition, String) -> Bool = { r, n in
            r.plural == n || r.singular == n || r.shortNames.contains(n)
        }
        var found = builtin.filter { matches($0, name) }
        if found.isEmpty, let dot = name.firstIndex(of: ".") {
            let bare = String(name[..<dot])
            let group = String(name[name.index(after: dot)...])
            found = builtin.filter { $0.group == group && matches($0, bare) }
        }
        return found
    }

    /// The resources in a category such as `all` (what `kubectl get all` expands to).
    public static func resources(inCategory category: String) -> [ResourceDefinition] {
        builtin.filter { $0.categories.contains(category) }
    }

    /// All resources of one group version, in registry order.
    public static func resources(group: String, version: String) -> [ResourceDefinition] {
        builtin.filter { $0.group == group && $0.version == version }
    }
}

extension SubresourceDefinition {
    /// The `status` subresource, answering the parent kind.
    static func status(_ parent: GroupVersionKind) -> SubresourceDefinition {
        SubresourceDefinition(name: "status", responseKind: parent, verbs: ["get", "patch", "update"])
    }

    /// The `scale` subresource, answering `autoscaling/v1` `Scale` as upstream does for workloads.
    static let scale = SubresourceDefinition(
        name: "scale", responseKind: GroupVersionKind(group: "autoscaling", version: "v1", kind: "Scale"),
        verbs: ["get", "patch", "update"])

    /// Verbs of a connect subresource (`proxy`) that accepts every HTTP method.
    static let proxyVerbs = ["create", "delete", "get", "patch", "update"]
}

extension ResourceDefinition {
    /// Verbs of a namespace-like resource that cannot be deleted as a collection.
    static let verbsWithoutDeleteCollection = ["create", "delete", "get", "list", "patch", "update", "watch"]
    /// Verbs of a virtual review resource that only accepts POST.
    static let createOnly = ["create"]
}
