extension FieldValidation {
    /// Removes the fields the kind's schema does not declare, as decoding into upstream's typed
    /// structs drops them (`fieldValidation=Ignore` or `Warn`): an unknown field is never stored.
    /// Kinds without a schema are left as they are.
    public static func pruneUnknownFields(_ object: JSON, gvk: GroupVersionKind) -> JSON {
        guard let name = SchemaCatalog.schemaName(for: gvk),
              case .object(let root)? = SchemaCatalog.definition(name),
              case .object(var members) = object
        else { return object }
        for key in Array(members.keys) {
            if let property = root.property(key) {
                members[key] = prune(members[key]!, property.schema, depth: 0)
            } else if !["apiVersion", "kind", "metadata", "status"].contains(key) {
                members.removeValue(forKey: key)
            }
        }
        return .object(members)
    }

    static func prune(_ value: JSON, _ schema: TypeSchema, depth: Int) -> JSON {
        guard depth < 64 else { return value }
        switch schema {
        case .reference:
            guard let resolved = SchemaCatalog.resolve(schema) else { return value }
            return prune(value, resolved, depth: depth)
        case .object(let object):
            guard case .object(var members) = value else { return value }
            for key in Array(members.keys) {
                if let property = object.property(key) {
                    members[key] = prune(members[key]!, property.schema, depth: depth + 1)
                } else {
                    members.removeValue(forKey: key)
                }
            }
            return .object(members)
        case .array(let array):
            guard case .array(let elements) = value else { return value }
            return .array(elements.map { prune($0, array.items, depth: depth + 1) })
        case .map(let values):
            guard case .object(var members) = value else { return value }
            for key in Array(members.keys) { members[key] = prune(members[key]!, values, depth: depth + 1) }
            return .object(members)
        case .string, .integer, .number, .boolean, .intOrString, .quantity, .time, .byte, .preserveUnknown:
            return value
        }
    }
}
