/// A group/version/kind triple. The core group is the empty string.
public struct GroupVersionKind: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// `v1` for the core group, `apps/v1` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// A subresource such as `status`, `scale`, `binding` or `log`.
public struct SubresourceDefinition: Hashable, Sendable {
    public var name: String
    /// The kind answered by and sent to the subresource (`Scale` in `autoscaling/v1` for `scale`).
    public var responseKind: GroupVersionKind
    public var verbs: [String]
    /// Whether the apiserver serves this subresource now; declared-for-later ones answer 405 or 501.
    public var served: Bool

    public init(name: String, responseKind: GroupVersionKind, verbs: [String], served: Bool = true) {
        self.name = name
        self.responseKind = responseKind
        self.verbs = verbs
        self.served = served
    }
}

/// Everything the generic handlers, discovery, OpenAPI and kubectl need to know about one resource.
/// Resources are declared once (see `ResourceRegistry`) and served by generic code.
public struct ResourceDefinition: Hashable, Sendable {
    public var group: String
    public var version: String
    public var kind: String
    /// The URL segment, e.g. `deployments`.
    public var plural: String
    public var singular: String
    public var namespaced: Bool
    public var verbs: [String]
    public var shortNames: [String]
    public var categories: [String]
    public var subresources: [SubresourceDefinition]
    /// Field selector labels accepted besides `metadata.name` and `metadata.namespace`, mapped to the
    /// JSON path of the value (e.g. `spec.nodeName` -> ["spec", "nodeName"]).
    public var fieldSelectors: [String: [String]]
    /// Whether the kind has a `spec` whose changes bump `metadata.generation`, and a `status` that is
    /// written only through the `status` subresource when one exists.
    public var hasStatusSubresource: Bool { subresources.contains { $0.name == "status" } }
    /// Served by the apiserver now (false: declared in discovery for later, requests answer 404/405).
    public var served: Bool

    public init(
        group: String, version: String, kind: String, plural: String, singular: String? = nil,
        namespaced: Bool, verbs: [String] = ResourceDefinition.allVerbs, shortNames: [String] = [],
        categories: [String] = [], subresources: [SubresourceDefinition] = [],
        fieldSelectors: [String: [String]] = [:], served: Bool = true
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
        self.fieldSelectors = fieldSelectors
        self.served = served
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public var gvk: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    public var apiVersion: String { gvk.apiVersion }
    /// `pods`, `deployments.apps`: how upstream names the resource in messages.
    public var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }
}
