/// Strategic merge patch (`application/strategic-merge-patch+json`), the patch kubectl sends for
/// built-in kinds; semantics of upstream apimachinery `pkg/util/strategicpatch` (applying side).
///
/// - Maps merge recursively; `null` deletes a member.
/// - Lists whose schema strategy is `merge` merge element-wise: maps by their `patchMergeKey`
///   (`{"$patch":"delete", key}` removes an element, `{"$patch":"replace"}` replaces the whole list),
///   primitives as a set. Every other list is replaced whole.
/// - `{"$patch":"replace"}` in a map replaces that map; `{"$patch":"delete"}` empties it (as upstream)
///   and removes it where the original has no map at that place.
/// - `$setElementOrder/<list>` fixes the final order, `$deleteFromPrimitiveList/<list>` removes values,
///   `$retainKeys` drops every original member not listed (unions such as volumes).
/// - Directives never reach the result: values the patch adds are themselves applied to an empty
///   original, so nested directives are interpreted and stripped, and nulls in them dropped.
/// - With no schema (nil) maps merge like a JSON merge patch and lists are replaced.
public enum StrategicMergePatch {
    /// Applies `patch` to `original`; both must be JSON objects.
    /// - Parameter schema: the patch metadata of the object's kind (see `BuiltinMergeSchemas`).
    public static func apply(
        _ patch: JSON, to original: JSON, schema: (any StrategicMergeSchema)?
    ) throws(PatchError) -> JSON {
        guard case .object(let patchObject) = patch else {
            throw .badRequest("invalid JSON document: a strategic merge patch must be a JSON object, not \(patch.typeName)")
        }
        guard case .object(let originalObject) = original else {
            throw .badRequest("invalid JSON document: the patched object must be a JSON object, not \(original.typeName)")
        }
        return .object(try mergeMap(originalObject, patchObject, schema: schema))
    }

    // MARK: - Maps

    /// Merges `patch` into `original` (an empty map for a value the patch adds).
    static func mergeMap(
        _ original: JSONObject, _ patch: JSONObject, schema: (any StrategicMergeSchema)?
    ) throws(PatchError) -> JSONObject {
        var original = original
        var patch = patch
        if let directive = patch[PatchDirective.marker] {
            switch directive.stringValue {
            case PatchDirective.replace?:
                patch.removeValue(forKey: PatchDirective.marker)
                // The replacement may itself carry directives; applying it to nothing strips them.
                return try mergeMap([:], patch, schema: schema)
            case PatchDirective.delete?:
                return [:]
            default:
                throw PatchDirective.unknownPatchType(directive)
            }
        }
        try applyRetainKeys(&original, &patch)
        let orderedLists = try applySetElementOrder(&original, &patch, schema: schema)

        for (key, patchValue) in patch {
            if key.hasPrefix(PatchDirective.deleteFromPrimitiveListPrefix) {
                try applyDeleteFromPrimitiveList(&original, key: key, values: patchValue)
                continue
            }
            if let list = orderedLists[key] {
                original[key] = list
                continue
            }
            if patchValue.isNull {
                original.removeValue(forKey: key)
                continue
            }
            let field = PatchFieldMeta(schema?.field(key))
            let merged: JSON?
            if let current = original[key] {
                merged = try mergeValue(current, patchValue, field: field)
            } else {
                merged = try fresh(patchValue, field: field)
            }
            if let merged { original[key] = merged } else { original.removeValue(forKey: key) }
        }
        return original
    }

    /// Merges one member present in both documents; nil removes it.
    static func mergeValue(_ current: JSON, _ patch: JSON, field: PatchFieldMeta) throws(PatchError) -> JSON? {
        switch (current, patch) {
        case (.object(let original), .object(let patchObject)):
            if field.replaces { return try fresh(patch, field: field) }
            return .object(try mergeMap(original, patchObject, schema: field.schema))
        case (.array(let original), .array(let patchList)):
            return .array(try mergeList(original, patchList, field: field))
        default:
            // Different types (or scalars): the patch value wins, as upstream does.
            return try fresh(patch, field: field)
        }
    }

    /// A value the patch puts where the original has nothing comparable: applied to an empty
    /// original so directives inside it are honoured and stripped; nil when it is a delete directive.
    static func fresh(_ value: JSON, field: PatchFieldMeta) throws(PatchError) -> JSON? {
        switch value {
        case .object(let object):
            if let directive = object[PatchDirective.marker], directive.stringValue == PatchDirective.delete { return nil }
            return .object(try mergeMap([:], object, schema: field.schema))
        case .array(let list):
            return .array(try mergeList([], list, field: field))
        default:
            return value
        }
    }

    // MARK: - Map directives

    /// `$retainKeys`: every patch member must be listed, and original members not listed are dropped.
    private static func applyRetainKeys(_ original: inout JSONObject, _ patch: inout JSONObject) throws(PatchError) {
        guard let directive = patch.removeValue(forKey: PatchDirective.retainKeys) else { return }
        let badFormat = PatchError.badRequest("invalid patch format of retainKeys")
        guard case .array(let items) = directive else { throw badFormat }
        var retained = Set<String>()
        for item in items {
            guard let key = item.stringValue else { throw badFormat }
            retained.insert(key)
        }
        for (key, value) in patch where !value.isNull && !PatchDirective.isListDirective(key) {
            guard retained.contains(key) else {
                throw .badRequest("invalid patch format of retainKeys: \"\(key)\" is set but not in $retainKeys")
            }
        }
        original = original.filter { retained.contains($0.key) }
    }

    /// `$deleteFromPrimitiveList/<list>`: removes the given values from the original list.
    private static func applyDeleteFromPrimitiveList(
        _ original: inout JSONObject, key: String, values: JSON
    ) throws(PatchError) {
        let listKey = String(key.dropFirst(PatchDirective.deleteFromPrimitiveListPrefix.count))
        guard !listKey.isEmpty, case .array(let toDelete) = values else {
            throw .badRequest("invalid patch format of primitive list: \(key)")
        }
        guard case .array(let current)? = original[listKey] else { return }
        original[listKey] = .array(current.filter { item in !toDelete.contains { $0.semanticallyEquals(item) } })
    }
}

/// The patch metadata of one field, read from its schema.
struct PatchFieldMeta {
    var schema: (any StrategicMergeSchema)?
    var strategies: [Substring]

    init(_ schema: (any StrategicMergeSchema)?) {
        self.schema = schema
        strategies = (schema?.patchStrategy ?? "").split(separator: ",").map { $0.trimmingWhitespace() }
    }

    var mergeKey: String? { schema?.patchMergeKey }
    var merges: Bool { strategies.contains("merge") }
    var replaces: Bool { strategies.contains("replace") }
    /// The metadata of this list's elements (only lists of lists read it).
    var elements: PatchFieldMeta { PatchFieldMeta(schema?.elements) }
}

/// Directive spellings of the strategic merge patch format.
enum PatchDirective {
    static let marker = "$patch"
    static let replace = "replace"
    static let delete = "delete"
    static let merge = "merge"
    static let retainKeys = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder/"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"

    /// The parallel-list directives, which `$retainKeys` does not have to list.
    static func isListDirective(_ key: String) -> Bool {
        key.hasPrefix(setElementOrderPrefix) || key.hasPrefix(deleteFromPrimitiveListPrefix)
    }

    static func unknownPatchType(_ directive: JSON) -> PatchError {
        .badRequest("unknown patch type: \(directive.jsonString)")
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
