/// Encoding of the Swagger 2.0 JSON document as gnostic's `openapi.v2.Document` message
/// (github.com/google/gnostic-models, `openapiv2/OpenAPIv2.proto`), the form kubectl downloads.
extension OpenAPIV2 {
    /// `document()` as protobuf bytes.
    public static func protobufDocument() -> [UInt8] {
        encodeDocument(document())
    }

    /// Encodes a Swagger 2.0 document: `swagger`, `info` and `definitions` (paths are not served).
    public static func encodeDocument(_ json: JSON) -> [UInt8] {
        var writer = ProtoWireWriter()
        if case .string(let swagger) = json["swagger"] { writer.writeString(field: 1, swagger) }
        if case .object(let info) = json["info"] {
            writer.writeMessage(field: 2) { w in
                if case .string(let title) = info["title"] { w.writeString(field: 1, title) }
                if case .string(let version) = info["version"] { w.writeString(field: 2, version) }
            }
        }
        // An empty Paths message: present, as upstream's is, so readers find the field.
        writer.writeMessage(field: 8) { _ in }
        if case .object(let definitions) = json["definitions"] {
            writer.writeMessage(field: 9) { w in
                for (name, schema) in definitions { w.writeNamedSchema(field: 1, name: name, schema) }
            }
        }
        return writer.bytes
    }
}

extension ProtoWireWriter {
    /// `NamedSchema { string name = 1; Schema value = 2; }`.
    mutating func writeNamedSchema(field: Int, name: String, _ schema: JSON) {
        writeMessage(field: field) { w in
            w.writeString(field: 1, name)
            w.writeMessage(field: 2) { $0.writeSchemaBody(schema) }
        }
    }

    /// The fields of `openapi.v2.Schema` that the rendered definitions use; vendor extensions
    /// (`x-...`) become `NamedAny` whose `Any.yaml` holds the value as JSON (which is YAML).
    mutating func writeSchemaBody(_ schema: JSON) {
        guard case .object(let object) = schema else { return }
        for (key, value) in object {
            switch (key, value) {
            case ("$ref", .string(let s)): writeString(field: 1, s)
            case ("format", .string(let s)): writeString(field: 2, s)
            case ("description", .string(let s)): writeString(field: 4, s)
            case ("required", .array(let names)):
                for case .string(let name) in names { writeString(field: 19, name) }
            case ("additionalProperties", .bool(let allowed)):
                writeMessage(field: 21) { $0.writeBool(field: 2, allowed) }
            case ("additionalProperties", .object):
                writeMessage(field: 21) { w in w.writeMessage(field: 1) { $0.writeSchemaBody(value) } }
            case ("type", .string(let s)):
                writeMessage(field: 22) { $0.writeString(field: 1, s) }
            case ("items", .object):
                writeMessage(field: 23) { w in w.writeMessage(field: 1) { $0.writeSchemaBody(value) } }
            case ("properties", .object(let properties)):
                writeMessage(field: 25) { w in
                    for (name, property) in properties { w.writeNamedSchema(field: 1, name: name, property) }
                }
            case _ where key.hasPrefix("x-"):
                writeMessage(field: 31) { w in
                    w.writeString(field: 1, key)
                    w.writeMessage(field: 2) { $0.writeString(field: 2, String(decoding: value.serialized(), as: UTF8.self)) }
                }
            default:
                break
            }
        }
    }
}
