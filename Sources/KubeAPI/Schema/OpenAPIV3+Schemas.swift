/// Rendering of `TypeSchema` into OpenAPI 3.0 schema objects, shaped like upstream's documents:
/// kubectl explain follows `$ref`/`allOf` and kubectl apply reads patch metadata from the property
/// schemas (`x-kubernetes-patch-merge-key`, `x-kubernetes-patch-strategy`).
extension OpenAPIV3: OpenAPISchemaDialect {
    static let intOrStringName = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
    static let quantityName = "io.k8s.apimachinery.pkg.api.resource.Quantity"
    static let preserveUnknownSchema: JSON = ["type": "object", "x-kubernetes-preserve-unknown-fields": true]

    /// `#/components/schemas/<name>`.
    public static func ref(_ name: String) -> String { "#/components/schemas/" + name }

    /// The component schema of the named definition `name`; kinds carry their GVK.
    static func component(named name: String, _ schema: TypeSchema) -> JSON {
        var json = render(schema, topLevel: true)
        if let gvk = SchemaCatalog.kindsBySchemaName[name], case .object(var object) = json {
            object["x-kubernetes-group-version-kind"] = [gvkJSON(gvk)]
            json = .object(object)
        }
        return json
    }

    /// The synthetic components for scalar types that upstream names (shown by explain as `<IntOrString>`).
    static let scalarComponents: [(String, JSON)] = [
        (intOrStringName, [
            "description": "An integer or a string, such as a port number or name, or a percentage.",
            "format": "int-or-string",
            "oneOf": [["type": "integer"], ["type": "string"]],
            "x-kubernetes-int-or-string": true,
        ]),
        (quantityName, [
            "description": "A fixed-point quantity such as 100m, 1.5, 128Mi or 2G.",
            "oneOf": [["type": "string"], ["type": "number"]],
        ]),
    ]

    /// The names of scalar components `schema` uses directly.
    static func scalarNames(in schema: TypeSchema) -> [String] {
        switch schema {
        case .intOrString: return [intOrStringName]
        case .quantity: return [quantityName]
        case .object(let object): return object.properties.flatMap { scalarNames(in: $0.schema) }
        case .array(let array): return scalarNames(in: array.items)
        case .map(let values): return scalarNames(in: values)
        default: return []
        }
    }

    static func gvkJSON(_ gvk: GroupVersionKind) -> JSON {
        ["group": .string(gvk.group), "kind": .string(gvk.kind), "version": .string(gvk.version)]
    }

    /// A member's schema with its description and patch/list extensions; a `$ref` with siblings
    /// is wrapped in `allOf`, as upstream does (siblings of `$ref` are ignored in OpenAPI 3.0).
    static func renderProperty(_ property: Property, topLevel: Bool) -> JSON {
        var extensions: JSONObject = [:]
        let description = property.description.isEmpty && topLevel
            ? (wellKnownDescriptions[property.name] ?? "") : property.description
        if case .array(let array) = property.schema {
            if let key = array.patchMergeKey { extensions["x-kubernetes-patch-merge-key"] = .string(key) }
            if let strategy = array.patchStrategy { extensions["x-kubernetes-patch-strategy"] = .string(strategy) }
            if let type = array.listType { extensions["x-kubernetes-list-type"] = .string(type.rawValue) }
            if !array.listMapKeys.isEmpty {
                extensions["x-kubernetes-list-map-keys"] = .array(array.listMapKeys.map { .string($0) })
            }
        } else if let strategy = property.patchStrategy {
            extensions["x-kubernetes-patch-strategy"] = .string(strategy)
        }
        var rendered = render(property.schema)
        guard case .object(var object) = rendered else { return rendered }
        if object["$ref"] != nil, !(description.isEmpty && extensions.isEmpty) {
            object = ["allOf": [rendered]]
        }
        if !description.isEmpty { object["description"] = .string(description) }
        for (key, value) in extensions { object[key] = value }
        rendered = .object(object)
        return rendered
    }

    /// Descriptions (our own words) for the members every kind has.
    static let wellKnownDescriptions: [String: String] = [
        "apiVersion": "The versioned schema of this representation of an object, such as v1 or apps/v1.",
        "kind": "The REST resource this object represents, in CamelCase, such as Pod.",
        "metadata": "Standard object metadata: name, namespace, labels, annotations and more.",
        "spec": "The desired state of the object.",
        "status": "The most recently observed state of the object. Read-only for clients.",
        "items": "The list of objects.",
    ]
}
