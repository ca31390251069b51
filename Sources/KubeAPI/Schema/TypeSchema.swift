/// The shape of one Kubernetes API type, as much as strict field validation, `kubectl explain` and
/// client-side apply (merge keys read from OpenAPI) need. Named types are defined once in
/// `SchemaCatalog` under their upstream OpenAPI names (`io.k8s.api.core.v1.Pod`) and referred to by
/// `.reference(name)`, so the schemas form a graph rather than a tree (as upstream's do).
public indirect enum TypeSchema: Sendable, Hashable {
    case string
    /// An integer; `format` is `int32` or `int64` as in upstream's OpenAPI.
    case integer(format: IntegerFormat)
    case number
    case boolean
    /// `intstr.IntOrString`: a port number or a port name, `25%` or `3`.
    case intOrString
    /// `resource.Quantity`: `100m`, `1Gi` or a bare number.
    case quantity
    /// `metav1.Time`/`MicroTime`: an RFC 3339 date-time string.
    case time
    /// `[]byte`: a base64 string.
    case byte
    case object(ObjectSchema)
    case array(ArraySchema)
    /// A map with string keys (`labels`, `data`, `ResourceList`) whose values all have this schema.
    case map(TypeSchema)
    /// A named schema of `SchemaCatalog`.
    case reference(String)
    /// Any JSON (`RawExtension`, `FieldsV1`): never reports unknown fields.
    case preserveUnknown

    public enum IntegerFormat: String, Sendable, Hashable {
        case int32, int64
    }
}

/// One member of an object schema.
public struct Property: Sendable, Hashable {
    /// The JSON name, exactly as upstream's `json:"..."` tag spells it.
    public var name: String
    public var schema: TypeSchema
    /// A short description or empty (`kubectl explain` prints `<empty>`).
    public var description: String
    /// `retainKeys` on union structs that are not lists (Deployment `spec.strategy`); list patch
    /// metadata lives on `ArraySchema`.
    public var patchStrategy: String?

    public init(_ name: String, _ schema: TypeSchema, description: String = "", patchStrategy: String? = nil) {
        self.name = name
        self.schema = schema
        self.description = description
        self.patchStrategy = patchStrategy
    }
}

/// A struct type: its fields in upstream order and which of them are required.
public struct ObjectSchema: Sendable, Hashable {
    public var properties: [Property]
    public var required: [String]
    public var description: String

    public init(properties: [Property], required: [String] = [], description: String = "") {
        self.properties = properties
        self.required = required
        self.description = description
    }

    /// The member named `name`, if the type has one.
    public func property(_ name: String) -> Property? {
        properties.first { $0.name == name }
    }
}

/// A list, with the server-side-apply list type and the strategic-merge-patch tags upstream declares.
public struct ArraySchema: Sendable, Hashable {
    public enum ListType: String, Sendable, Hashable {
        case atomic, set, map
    }

    public var items: TypeSchema
    public var listType: ListType?
    public var listMapKeys: [String]
    /// `name`, `containerPort`, `mountPath`...: how strategic merge patch matches elements.
    public var patchMergeKey: String?
    /// `merge`, `merge,retainKeys` or `replace`.
    public var patchStrategy: String?

    public init(
        items: TypeSchema, listType: ListType? = nil, listMapKeys: [String] = [],
        patchMergeKey: String? = nil, patchStrategy: String? = nil
    ) {
        self.items = items
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.patchMergeKey = patchMergeKey
        self.patchStrategy = patchStrategy
    }
}

// MARK: - DSL

extension TypeSchema {
    public static let int32 = TypeSchema.integer(format: .int32)
    public static let int64 = TypeSchema.integer(format: .int64)

    /// An object schema from its properties; `required` names the members without `omitempty`.
    public static func object(_ properties: [Property], required: [String] = [], description: String = "") -> TypeSchema {
        .object(ObjectSchema(properties: properties, required: required, description: description))
    }

    /// A list of `items`; `keys` are the list-map keys, `merge`/`strategy` the patch tags.
    public static func list(
        _ items: TypeSchema, type: ArraySchema.ListType? = nil, keys: [String] = [],
        merge: String? = nil, strategy: String? = nil
    ) -> TypeSchema {
        .array(ArraySchema(items: items, listType: type, listMapKeys: keys, patchMergeKey: merge, patchStrategy: strategy))
    }

    /// A reference to `io.k8s.api.core.v1.<name>`.
    public static func core(_ name: String) -> TypeSchema { .reference(SchemaCatalog.corePrefix + name) }
    /// A reference to `io.k8s.apimachinery.pkg.apis.meta.v1.<name>`.
    public static func meta(_ name: String) -> TypeSchema { .reference(SchemaCatalog.metaPrefix + name) }
}

extension Property {
    /// DSL shorthand: `.p("name", .string)`.
    public static func p(_ name: String, _ schema: TypeSchema, patchStrategy: String? = nil) -> Property {
        Property(name, schema, patchStrategy: patchStrategy)
    }
}
