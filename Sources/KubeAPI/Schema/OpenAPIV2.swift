/// The Swagger 2.0 document served at `/openapi/v2`, as JSON and as gnostic's `openapi.v2.Document`
/// protobuf (kubectl asks only for the protobuf form).
///
/// kubectl needs it where OpenAPI v3 cannot answer: client-side validation of `kind: List`
/// manifests (its field-validation verifier refuses `v1 List` outright, so `create`/`apply -f` of a
/// List validates each item against these definitions, and a 404 fails the whole command), and
/// strategic-merge-patch metadata when v3 is unavailable. The definitions are the catalog's schemas
/// rendered the way upstream's v2 documents shape them: `#/definitions/<name>` references, kinds
/// tagged with `x-kubernetes-group-version-kind`, int-or-string as `type: string` with that format.
public enum OpenAPIV2: OpenAPISchemaDialect {
    /// The `Content-Type` of the protobuf form. kubectl asks for the older spelling with `@v1.0`,
    /// but Go's media-type parser rejects `@` in an answer, so upstream answers with `.v1.0`.
    public static let protobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    /// True when `accept` asks for the protobuf form (either spelling).
    public static func acceptsProtobuf(_ accept: String) -> Bool {
        accept.contains("com.github.proto-openapi.spec.v2")
    }

    static let intOrStringName = OpenAPIV3.intOrStringName
    static let quantityName = OpenAPIV3.quantityName
    /// An object without properties is read as a map of anything: no unknown-field errors.
    static let preserveUnknownSchema: JSON = ["type": "object"]

    /// `#/definitions/<name>`.
    public static func ref(_ name: String) -> String { "#/definitions/" + name }

    /// The whole document as Swagger 2.0 JSON (definitions only; kubectl reads no v2 paths).
    public static func document() -> JSON {
        var definitions: JSONObject = [:]
        for name in SchemaCatalog.definitions.keys.sorted() {
            guard let schema = SchemaCatalog.definition(name) else { continue }
            var json = render(schema)
            if let gvk = SchemaCatalog.kindsBySchemaName[name], case .object(var object) = json {
                object["x-kubernetes-group-version-kind"] = [OpenAPIV3.gvkJSON(gvk)]
                json = .object(object)
            }
            definitions[name] = json
        }
        definitions[intOrStringName] = ["type": "string", "format": "int-or-string"]
        definitions[quantityName] = ["type": "string"]
        return [
            "swagger": "2.0",
            "info": ["title": "Kubernetes", "version": .string(OpenAPIV3.kubernetesVersion)],
            "paths": [:],
            "definitions": .object(definitions),
        ]
    }

    /// A member's schema with its description and patch tags. Siblings of `$ref` are kept, as
    /// upstream's v2 documents do; readers ignore what they do not understand.
    static func renderProperty(_ property: Property, topLevel: Bool) -> JSON {
        guard case .object(var object) = render(property.schema) else { return render(property.schema) }
        if !property.description.isEmpty { object["description"] = .string(property.description) }
        if case .array(let array) = property.schema {
            if let key = array.patchMergeKey { object["x-kubernetes-patch-merge-key"] = .string(key) }
            if let strategy = array.patchStrategy { object["x-kubernetes-patch-strategy"] = .string(strategy) }
        } else if let strategy = property.patchStrategy {
            object["x-kubernetes-patch-strategy"] = .string(strategy)
        }
        return .object(object)
    }
}
