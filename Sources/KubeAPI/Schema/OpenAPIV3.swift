/// The OpenAPI v3 documents served at `/openapi/v3` (the index) and `/openapi/v3/<api|apis/g>/<v>`.
///
/// kubectl reads them for three things: whether PATCH accepts `fieldValidation` (then it sends
/// `fieldValidation=Strict`), strategic-merge-patch metadata for client-side apply
/// (`components.schemas`), and `kubectl explain` (paths carry the GVK, schemas carry fields).
public enum OpenAPIV3 {
    /// The Kubernetes version the documents describe.
    public static let kubernetesVersion = "v1.32.0"

    /// `api/v1` for the core group version `v1`, `apis/apps/v1` for `apps/v1`.
    public static func documentPath(groupVersion: String) -> String {
        groupVersion.contains("/") ? "apis/" + groupVersion : "api/" + groupVersion
    }

    /// The index document: every group version with a URL whose `hash` changes with its content,
    /// so clients may cache documents by URL.
    public static func root(documents: [(groupVersion: String, document: JSON)]) -> JSON {
        var paths: JSONObject = [:]
        for (groupVersion, document) in documents.sorted(by: { $0.groupVersion < $1.groupVersion }) {
            let path = documentPath(groupVersion: groupVersion)
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(hash(of: document))")]
        }
        return ["paths": .object(paths)]
    }

    /// The index for `groupVersions`, hashing the documents built from `resources`.
    public static func root(groupVersions: [String], resources: [ResourceDefinition]) -> JSON {
        root(documents: groupVersions.map { ($0, document(groupVersion: $0, resources: resources)) })
    }

    /// A stable content hash: FNV-1a 64 of the serialized document, 16 uppercase hex digits.
    public static func hash(of document: JSON) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in document.serialized() {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The document of one group version (`v1`, `apps/v1`) for those of `resources` in it.
    public static func document(groupVersion: String, resources: [ResourceDefinition]) -> JSON {
        let mine = resources.filter { $0.apiVersion == groupVersion }
        var paths: JSONObject = [:]
        for resource in mine {
            for (path, item) in pathItems(for: resource) { paths[path] = item }
        }
        var roots: [String] = []
        for resource in mine {
            for gvk in [resource.gvk, listGVK(resource.gvk)] + resource.subresources.map(\.responseKind) {
                if let name = SchemaCatalog.schemaName(for: gvk) { roots.append(name) }
            }
        }
        if !mine.isEmpty {
            roots += [SchemaCatalog.metaPrefix + "Status", SchemaCatalog.metaPrefix + "DeleteOptions",
                      SchemaCatalog.metaPrefix + "Patch"]
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(kubernetesVersion)],
            "paths": .object(paths),
            "components": ["schemas": .object(components(reachableFrom: roots))],
        ]
    }

    /// Every schema reachable from `roots`, sorted by name, plus the scalar components they use.
    static func components(reachableFrom roots: [String]) -> JSONObject {
        var out: [(String, JSON)] = []
        var scalars = Set<String>()
        for name in SchemaCatalog.reachable(from: roots) {
            guard let schema = SchemaCatalog.definition(name) else { continue }
            out.append((name, component(named: name, schema)))
            scalars.formUnion(scalarNames(in: schema))
        }
        out += scalarComponents.filter { scalars.contains($0.0) }
        var schemas: JSONObject = [:]
        for (name, json) in out.sorted(by: { $0.0 < $1.0 }) { schemas[name] = json }
        return schemas
    }

    static func listGVK(_ gvk: GroupVersionKind) -> GroupVersionKind {
        GroupVersionKind(group: gvk.group, version: gvk.version, kind: gvk.kind + "List")
    }
}
