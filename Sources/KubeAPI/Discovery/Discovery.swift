/// Discovery documents for `/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]`, both legacy and
/// aggregated (`apidiscovery.k8s.io/v2` and `v2beta1`), built from resource definitions.
///
/// Resources declared with `served: false` are listed too, with their verbs: kubectl resolves
/// resource names only from discovery, so listing them makes `kubectl get crd` reach the server
/// (and get a clear error) instead of failing with "the server doesn't have a resource type".
/// Resources and subresources are sorted by name and verbs alphabetically, as upstream does.
public enum Discovery {
    /// The content type of legacy discovery answers.
    public static let legacyContentType = "application/json"

    /// The aggregated discovery versions this server can answer, newest first.
    public static let aggregatedVersions = ["v2", "v2beta1"]

    /// The content type of an aggregated answer, e.g.
    /// `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`. Clients pick the
    /// format by this header alone, so it must name the version that was negotiated.
    public static func aggregatedContentType(version: String) -> String {
        "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList"
    }

    /// `GET /api`: `APIVersions` with the address clients should use (`host:port`).
    public static func apiVersions(serverAddress: String) -> JSON {
        [
            "kind": "APIVersions",
            "versions": .array(ResourceRegistry.coreVersions.map(JSON.string)),
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    /// `GET /apis`: `APIGroupList` of every non-core group, preferred version first.
    public static func apiGroupList(resources: [ResourceDefinition] = ResourceRegistry.builtin) -> JSON {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups(of: resources).map(groupJSON))]
    }

    /// `GET /apis/<group>`: one `APIGroup`, or nil when the group is unknown (answer 404).
    public static func apiGroup(named name: String, resources: [ResourceDefinition] = ResourceRegistry.builtin) -> JSON? {
        guard let group = groups(of: resources).first(where: { $0.name == name }) else { return nil }
        // kind and apiVersion first, as upstream serializes them.
        var ordered: JSONObject = ["kind": "APIGroup", "apiVersion": "v1"]
        for (k, v) in groupJSON(group).objectValue ?? [:] { ordered[k] = v }
        return .object(ordered)
    }

    /// `GET /api/v1` (group `""`) or `GET /apis/<group>/<version>`: an `APIResourceList` with one
    /// entry per resource and per subresource (`pods/status`, `deployments/scale` with group
    /// `autoscaling`, version `v1`, kind `Scale`). Nil when the group version is unknown (404).
    public static func apiResourceList(
        group: String, version: String, resources: [ResourceDefinition] = ResourceRegistry.builtin
    ) -> JSON? {
        let selected = resources.filter { $0.group == group && $0.version == version }
        guard !selected.isEmpty else { return nil }
        var entries: [(String, JSON)] = []
        for r in selected {
            var entry: JSONObject = [
                "name": .string(r.plural), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                "kind": .string(r.kind), "verbs": verbsJSON(r.verbs),
            ]
            if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map(JSON.string)) }
            if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map(JSON.string)) }
            entries.append((r.plural, .object(entry)))
            for sub in r.subresources {
                var subEntry: JSONObject = [
                    "name": .string("\(r.plural)/\(sub.name)"), "singularName": "", "namespaced": .bool(r.namespaced),
                ]
                // Group and version are given only when they differ from the list's group version.
                if sub.responseKind.group != group || sub.responseKind.version != version {
                    subEntry["group"] = .string(sub.responseKind.group)
                    subEntry["version"] = .string(sub.responseKind.version)
                }
                subEntry["kind"] = .string(sub.responseKind.kind)
                subEntry["verbs"] = verbsJSON(sub.verbs)
                entries.append(("\(r.plural)/\(sub.name)", .object(subEntry)))
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(entries.sorted { $0.0 < $1.0 }.map(\.1)),
        ]
    }

    /// Aggregated `GET /api`: an `APIGroupDiscoveryList` holding only the core group (named `""`).
    /// - Parameter version: `v2` or `v2beta1` (same shape, different apiVersion).
    public static func aggregatedCore(version: String, resources: [ResourceDefinition] = ResourceRegistry.builtin) -> JSON {
        let core = ResourceRegistry.Group(name: "", versions: ResourceRegistry.coreVersions)
        return discoveryList(version: version, items: [aggregatedGroup(core, resources: resources)])
    }

    /// Aggregated `GET /apis`: an `APIGroupDiscoveryList` of every non-core group in upstream order.
    public static func aggregatedGroups(version: String, resources: [ResourceDefinition] = ResourceRegistry.builtin) -> JSON {
        discoveryList(version: version, items: groups(of: resources).map { aggregatedGroup($0, resources: resources) })
    }

    /// The groups present in `resources`, in upstream order; unknown (custom) groups follow,
    /// sorted by name, as the aggregator gives them a lower priority.
    static func groups(of resources: [ResourceDefinition]) -> [ResourceRegistry.Group] {
        var versions: [String: [String]] = [:]
        for r in resources where !r.group.isEmpty && !(versions[r.group]?.contains(r.version) ?? false) {
            versions[r.group, default: []].append(r.version)
        }
        let known = ResourceRegistry.groupOrder.filter { versions[$0] != nil }
        let custom = versions.keys.filter { !ResourceRegistry.groupOrder.contains($0) }.sorted()
        return (known + custom).map { ResourceRegistry.Group(name: $0, versions: versions[$0]!) }
    }

    private static func groupJSON(_ group: ResourceRegistry.Group) -> JSON {
        func gv(_ v: String) -> JSON { ["groupVersion": .string("\(group.name)/\(v)"), "version": .string(v)] }
        return ["name": .string(group.name), "versions": .array(group.versions.map(gv)), "preferredVersion": gv(group.preferredVersion)]
    }

    private static func discoveryList(version: String, items: [JSON]) -> JSON {
        [
            "kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version)"),
            "metadata": .object([:]), "items": .array(items),
        ]
    }

    private static func aggregatedGroup(_ group: ResourceRegistry.Group, resources: [ResourceDefinition]) -> JSON {
        let versions: [JSON] = group.versions.map { version in
            let selected = resources.filter { $0.group == group.name && $0.version == version }.sorted { $0.plural < $1.plural }
            return [
                "version": .string(version),
                "resources": .array(selected.map(aggregatedResource)),
                "freshness": "Current",
            ]
        }
        return ["metadata": ["name": .string(group.name)], "versions": .array(versions)]
    }

    private static func aggregatedResource(_ r: ResourceDefinition) -> JSON {
        var entry: JSONObject = [
            "resource": .string(r.plural), "responseKind": gvkJSON(r.gvk),
            "scope": r.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(r.singular),
            "verbs": verbsJSON(r.verbs),
        ]
        if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map(JSON.string)) }
        if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map(JSON.string)) }
        if !r.subresources.isEmpty {
            entry["subresources"] = .array(
                r.subresources.sorted { $0.name < $1.name }.map { sub in
                    ["subresource": .string(sub.name), "responseKind": gvkJSON(sub.responseKind), "verbs": verbsJSON(sub.verbs)]
                })
        }
        return .object(entry)
    }

    private static func gvkJSON(_ gvk: GroupVersionKind) -> JSON {
        ["group": .string(gvk.group), "version": .string(gvk.version), "kind": .string(gvk.kind)]
    }

    private static func verbsJSON(_ verbs: [String]) -> JSON { .array(verbs.sorted().map(JSON.string)) }
}
