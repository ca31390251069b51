/// The named type schemas Swiftlet knows, under upstream's OpenAPI names, and the kinds that use them.
///
/// The definitions are generated from upstream's Go API types (see `Scripts/generate-schemas.py`),
/// because strict field validation rejects every field a schema lacks: a hand-typed list that
/// missed one field would reject valid manifests. Kinds without a schema are treated as
/// preserve-unknown (no unknown-field errors, explain has nothing to show).
public enum SchemaCatalog {
    static let corePrefix = "io.k8s.api.core.v1."
    static let metaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1."

    /// Every named schema, by OpenAPI name (`io.k8s.api.core.v1.Pod`).
    public static let definitions: [String: TypeSchema] = generatedDefinitions()

    /// The schema name of each top-level kind (and list kind) the catalog declares.
    public static let kindSchemaNames: [GroupVersionKind: String] = Dictionary(
        generatedKinds, uniquingKeysWith: { first, _ in first })

    /// The kind that a schema name is the top-level type of, if any.
    public static let kindsBySchemaName: [String: GroupVersionKind] = Dictionary(
        generatedKinds.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })

    /// The named schema `name`, if defined.
    public static func definition(_ name: String) -> TypeSchema? { definitions[name] }

    /// The schema of a top-level kind, nil for kinds without one (CRDs, kinds not modelled yet).
    public static func schemaName(for gvk: GroupVersionKind) -> String? { kindSchemaNames[gvk] }

    /// Follows references until a structural schema (never `.reference`); nil for a dangling name.
    public static func resolve(_ schema: TypeSchema) -> TypeSchema? {
        var current = schema
        var hops = 0
        while case .reference(let name) = current {
            guard let next = definitions[name], hops < 16 else { return nil }
            current = next
            hops += 1
        }
        return current
    }

    /// The names of every schema reachable from `roots` (the roots included), in a stable order.
    public static func reachable(from roots: [String]) -> [String] {
        var seen = Set<String>()
        var order: [String] = []
        var stack = roots.reversed() as [String]
        while let name = stack.popLast() {
            guard seen.insert(name).inserted else { continue }
            order.append(name)
            guard let schema = definitions[name] else { continue }
            for child in referencedNames(in: schema).reversed() where !seen.contains(child) {
                stack.append(child)
            }
        }
        return order
    }

    /// The names referenced directly by `schema` (not following them).
    public static func referencedNames(in schema: TypeSchema) -> [String] {
        switch schema {
        case .reference(let name): return [name]
        case .object(let object): return object.properties.flatMap { referencedNames(in: $0.schema) }
        case .array(let array): return referencedNames(in: array.items)
        case .map(let values): return referencedNames(in: values)
        default: return []
        }
    }
}
