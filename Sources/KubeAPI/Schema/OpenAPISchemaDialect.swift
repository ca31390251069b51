/// What Swagger 2.0 (`/openapi/v2`) and OpenAPI 3.0 (`/openapi/v3`) schema objects share: the
/// same JSON for every `TypeSchema`, except where a `$ref` points, how a map of anything is
/// marked, and how a member's description and extensions attach to its schema.
protocol OpenAPISchemaDialect {
    /// The reference to the named definition (`#/definitions/...` or `#/components/schemas/...`).
    static func ref(_ name: String) -> String
    static var intOrStringName: String { get }
    static var quantityName: String { get }
    /// The schema of `TypeSchema.preserveUnknown`.
    static var preserveUnknownSchema: JSON { get }
    /// A member's schema with its description and extensions; `topLevel` members of a kind may
    /// get well-known descriptions.
    static func renderProperty(_ property: Property, topLevel: Bool) -> JSON
}

extension OpenAPISchemaDialect {
    /// One schema as a schema object of this dialect.
    static func render(_ schema: TypeSchema, topLevel: Bool = false) -> JSON {
        switch schema {
        case .string: return ["type": "string"]
        case .integer(let format): return ["type": "integer", "format": .string(format.rawValue)]
        case .number: return ["type": "number", "format": "double"]
        case .boolean: return ["type": "boolean"]
        case .intOrString: return ["$ref": .string(ref(intOrStringName))]
        case .quantity: return ["$ref": .string(ref(quantityName))]
        case .time: return ["type": "string", "format": "date-time"]
        case .byte: return ["type": "string", "format": "byte"]
        case .preserveUnknown: return preserveUnknownSchema
        case .reference(let name): return ["$ref": .string(ref(name))]
        case .map(let values): return ["type": "object", "additionalProperties": render(values)]
        case .array(let array): return ["type": "array", "items": render(array.items)]
        case .object(let object):
            var out: JSONObject = [:]
            if !object.description.isEmpty { out["description"] = .string(object.description) }
            out["type"] = "object"
            var properties: JSONObject = [:]
            for property in object.properties { properties[property.name] = renderProperty(property, topLevel: topLevel) }
            if !properties.isEmpty { out["properties"] = .object(properties) }
            if !object.required.isEmpty { out["required"] = .array(object.required.map { .string($0) }) }
            return .object(out)
        }
    }
}
