/// RFC 6902 JSON Patch (`application/json-patch+json`).
///
/// A patch that is not an array of objects is malformed (400, like upstream's `DecodePatch`);
/// every failure while applying an operation, including an unknown `op`, is `invalid` (422), and a
/// failed `test` is `testFailed`. Operations apply in order to a copy, so a failure leaves the caller's
/// document untouched.
public enum JSONPatch {
    /// Applies `patch` (an array of operations) to `document` and returns the result.
    public static func apply(_ patch: JSON, to document: JSON) throws(PatchError) -> JSON {
        guard case .array(let operations) = patch else {
            throw .badRequest("json: cannot unmarshal \(patch.typeName) into Go value of type jsonpatch.Patch")
        }
        var operationObjects: [JSONObject] = []
        for operation in operations {
            guard case .object(let object) = operation else {
                throw .badRequest("json: cannot unmarshal \(operation.typeName) into Go value of type jsonpatch.Operation")
            }
            operationObjects.append(object)
        }
        var result = document
        for (index, operation) in operationObjects.enumerated() {
            result = try applyOperation(operation, number: index, to: result)
        }
        return result
    }

    private static func applyOperation(_ operation: JSONObject, number: Int, to document: JSON) throws(PatchError) -> JSON {
        guard let op = operation["op"]?.stringValue else {
            throw .invalid("operation \(number): missing or non-string \"op\" field")
        }
        let path = try pointer(operation, "path", op: op)
        switch op {
        case "add":
            return try edit(document, path.tokens[...], .add(value(operation, op: op)), path, op: op)
        case "remove":
            return try edit(document, path.tokens[...], .remove, path, op: op)
        case "replace":
            return try edit(document, path.tokens[...], .replace(value(operation, op: op)), path, op: op)
        case "move":
            let from = try pointer(operation, "from", op: op)
            if from == path { return document }
            if path.isProperDescendant(of: from) {
                throw .invalid("move operation does not apply: cannot move \"\(from)\" into its own child \"\(path)\"")
            }
            guard let moved = from.resolve(in: document) else {
                throw .invalid("move operation does not apply: doc is missing from path: \"\(from)\"")
            }
            let removed = try edit(document, from.tokens[...], .remove, from, op: op)
            return try edit(removed, path.tokens[...], .add(moved), path, op: op)
        case "copy":
            let from = try pointer(operation, "from", op: op)
            guard let copied = from.resolve(in: document) else {
                throw .invalid("copy operation does not apply: doc is missing from path: \"\(from)\"")
            }
            return try edit(document, path.tokens[...], .add(copied), path, op: op)
        case "test":
            let expected = try value(operation, op: op)
            guard let actual = path.resolve(in: document) else {
                throw .testFailed("testing value \"\(path)\" failed: doc is missing path")
            }
            guard actual.semanticallyEquals(expected) else {
                throw .testFailed("testing value \"\(path)\" failed: test failed")
            }
            return document
        default:
            throw .invalid("Unexpected kind: \(op)")
        }
    }

    private static func pointer(_ operation: JSONObject, _ field: String, op: String) throws(PatchError) -> JSONPatchPointer {
        guard let text = operation[field]?.stringValue else {
            throw .invalid("\(op) operation: missing or non-string \"\(field)\" field")
        }
        return try JSONPatchPointer(parsing: text)
    }

    private static func value(_ operation: JSONObject, op: String) throws(PatchError) -> JSON {
        // `"value": null` is a real value; only an absent member is an error.
        guard let value = operation["value"] else { throw .invalid("\(op) operation: missing \"value\" field") }
        return value
    }

    private enum Edit {
        case add(JSON)
        case remove
        case replace(JSON)
    }

    /// Rebuilds `current` with `edit` applied at `tokens` (relative to `current`).
    private static func edit(
        _ current: JSON, _ tokens: ArraySlice<String>, _ edit: Edit, _ path: JSONPatchPointer, op: String
    ) throws(PatchError) -> JSON {
        guard let token = tokens.first else {
            // The pointer "" names the whole document.
            switch edit {
            case .add(let value), .replace(let value): return value
            case .remove: throw .invalid("remove operation does not apply: cannot remove the whole document")
            }
        }
        let missing = PatchError.invalid("\(op) operation does not apply: doc is missing path: \"\(path)\"")
        let isLast = tokens.count == 1
        switch current {
        case .object(var object):
            if isLast {
                switch edit {
                case .add(let value):
                    object[token] = value
                case .replace(let value):
                    guard object[token] != nil else { throw missing }
                    object[token] = value
                case .remove:
                    guard object.removeValue(forKey: token) != nil else { throw missing }
                }
                return .object(object)
            }
            guard let child = object[token] else { throw missing }
            object[token] = try self.edit(child, tokens.dropFirst(), edit, path, op: op)
            return .object(object)
        case .array(var array):
            if isLast, case .add(let value) = edit {
                if token == "-" {
                    array.append(value)
                } else {
                    guard let index = JSONPatchPointer.arrayIndex(token), index <= array.count else {
                        throw .invalid("add operation does not apply: index \"\(token)\" out of bounds in \"\(path)\"")
                    }
                    array.insert(value, at: index)
                }
                return .array(array)
            }
            guard let index = JSONPatchPointer.arrayIndex(token), index < array.count else {
                throw .invalid("\(op) operation does not apply: index \"\(token)\" out of bounds in \"\(path)\"")
            }
            if isLast {
                switch edit {
                case .remove: array.remove(at: index)
                case .replace(let value): array[index] = value
                case .add: break  // handled above
                }
                return .array(array)
            }
            array[index] = try self.edit(array[index], tokens.dropFirst(), edit, path, op: op)
            return .array(array)
        default:
            throw missing
        }
    }
}
