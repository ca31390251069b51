/// A strategic merge schema written as a literal tree. Only fields that carry patch metadata (or
/// lead to such fields) need to be listed: an unlisted field is unknown, so its maps merge and its
/// lists are replaced, which is exactly what a field without tags does upstream.
///
/// ```swift
/// let container: LiteralMergeSchema = ["env": .list(mergeKey: "name")]
/// let pod: LiteralMergeSchema = [
///     "metadata": ["finalizers": .set],
///     "spec": ["containers": .list(mergeKey: "name", of: container)],
/// ]
/// ```
public struct LiteralMergeSchema: StrategicMergeSchema, Hashable, ExpressibleByDictionaryLiteral {
    /// Schemas of the members of a map at this position.
    public var fields: [String: LiteralMergeSchema]
    /// Zero or one element schema; an array gives the recursive type the indirection it needs.
    private var elementSchemas: [LiteralMergeSchema]
    /// The merge key of a list at this position (`name`, `containerPort`, ...).
    public var patchMergeKey: String?
    /// `merge`, `retainKeys`, `merge,retainKeys`, `replace` or nil, as the upstream struct tag.
    public var patchStrategy: String?

    /// A schema node; every part is optional, an empty node means "no patch metadata here".

    public init(
        fields: [String: LiteralMergeSchema] = [:], elements: LiteralMergeSchema? = nil,
        patchMergeKey: String? = nil, patchStrategy: String? = nil
    ) {
        self.fields = fields
        self.elementSchemas = elements.map { [$0] } ?? []
        self.patchMergeKey = patchMergeKey
        self.patchStrategy = patchStrategy
    }

    /// A map whose members have the given schemas.
    public init(dictionaryLiteral elements: (String, LiteralMergeSchema)...) {
        self.init(fields: Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// The listed member schema, or nil for a member without metadata.
    public func field(_ key: String) -> (any StrategicMergeSchema)? { fields[key] }
    /// The element schema of a list at this position, if one was given.
    public var elements: (any StrategicMergeSchema)? { elementSchemas.first }

    /// A list of maps merged by `mergeKey`; `strategy` may add `retainKeys` (`"merge,retainKeys"`).
    public static func list(mergeKey: String, strategy: String = "merge", of element: LiteralMergeSchema = [:]) -> Self {
        LiteralMergeSchema(elements: element, patchMergeKey: mergeKey, patchStrategy: strategy)
    }

    /// A list replaced whole, whose elements have the given schema (e.g. tolerations, envFrom).
    public static func atomicList(of element: LiteralMergeSchema = [:]) -> Self {
        LiteralMergeSchema(elements: element)
    }

    /// A list of primitives merged as a set (e.g. `finalizers`).
    public static let set = LiteralMergeSchema(patchStrategy: "merge")

    /// A map with the given members and a strategy: `retainKeys` for unions (Deployment
    /// `spec.strategy`), `replace` for a map that the patch replaces whole.
    public static func map(_ fields: [String: LiteralMergeSchema], strategy: String?) -> Self {
        LiteralMergeSchema(fields: fields, patchStrategy: strategy)
    }

    /// This schema with `other`'s members added (theirs win), for building kinds from shared parts.
    public func adding(_ other: [String: LiteralMergeSchema]) -> Self {
        var copy = self
        copy.fields.merge(other, uniquingKeysWith: { _, new in new })
        return copy
    }
}
