/// Strict field validation (`fieldValidation=Strict`, kubectl's default): finds the fields of a
/// request body that its kind's schema does not declare, named as upstream's strict JSON decoder
/// names them (`spec.containers[0].imagePullPolicyy`), so the caller can answer with upstream's text.
public enum FieldValidation {
    /// Upstream's decoder stops collecting after this many strict errors.
    public static let maximumErrors = 100

    /// The paths of unknown fields in `object`, a whole object of kind `gvk`, in document order.
    /// `apiVersion`, `kind`, `metadata` and `status` are always accepted at the top level;
    /// a kind without a schema accepts everything.
    public static func unknownFields(in object: JSON, gvk: GroupVersionKind) -> [String] {
        guard let name = SchemaCatalog.schemaName(for: gvk),
              case .object(let root)? = SchemaCatalog.definition(name),
              case .object(let members) = object
        else { return [] }
        var walker = Walker()
        for (key, value) in members {
            if let property = root.property(key) {
                walker.visit(value, property.schema, path: key)
            } else if !["apiVersion", "kind", "metadata", "status"].contains(key) {
                walker.report(key)
            }
        }
        return walker.unknown
    }

    /// The paths of unknown fields in `value` checked against `schema`, relative to `value`.
    public static func unknownFields(in value: JSON, schema: TypeSchema) -> [String] {
        var walker = Walker()
        walker.visit(value, schema, path: "")
        return walker.unknown
    }

    /// Upstream's strict decoding error text, e.g.
    /// `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
    public static func message(for paths: [String]) -> String {
        message(unknown: paths, duplicate: [])
    }

    /// The same text with duplicate-field errors (`duplicate field "metadata.name"`) listed first,
    /// as the decoder meets duplicates while reading an object and unknown fields after it.
    public static func message(unknown: [String], duplicate: [String]) -> String {
        let errors = duplicate.map { "duplicate field \(quoted($0))" } + unknown.map { "unknown field \(quoted($0))" }
        return "strict decoding error: " + errors.joined(separator: ", ")
    }

    /// Go's `strconv.Quote` for the characters field names contain; escapes the rest JSON-style.
    static func quoted(_ s: String) -> String { GoSyntax.quote(s) }

    /// Walks a value and its schema together. Values of the wrong JSON type are skipped here:
    /// type errors are reported by validation, and a mismatch has no fields to name.
    struct Walker {
        var unknown: [String] = []
        private var seen = Set<String>()

        mutating func report(_ path: String) {
            guard unknown.count < FieldValidation.maximumErrors, seen.insert(path).inserted else { return }
            unknown.append(path)
        }

        mutating func visit(_ value: JSON, _ schema: TypeSchema, path: String, depth: Int = 0) {
            // Schemas are finite but values are not; a deep enough value is not a real object.
            guard depth < 64, unknown.count < FieldValidation.maximumErrors else { return }
            switch schema {
            case .reference:
                if let resolved = SchemaCatalog.resolve(schema) { visit(value, resolved, path: path, depth: depth) }
            case .object(let object):
                guard case .object(let members) = value else { return }
                for (key, child) in members {
                    let childPath = path.isEmpty ? key : path + "." + key
                    if let property = object.property(key) {
                        visit(child, property.schema, path: childPath, depth: depth + 1)
                    } else {
                        report(childPath)
                    }
                }
            case .array(let array):
                guard case .array(let elements) = value else { return }
                for (index, element) in elements.enumerated() {
                    visit(element, array.items, path: "\(path)[\(index)]", depth: depth + 1)
                }
            case .map(let values):
                guard case .object(let members) = value else { return }
                for (key, child) in members {
                    visit(child, values, path: path.isEmpty ? key : path + "." + key, depth: depth + 1)
                }
            case .string, .integer, .number, .boolean, .intOrString, .quantity, .time, .byte, .preserveUnknown:
                return
            }
        }
    }
}
