/// Turns protobuf messages into `JSON` following `ProtoSchema` descriptors, producing the same
/// shape the object has in its JSON form.
public struct ProtoDecoder: Sendable {
    /// Nesting limit: Kubernetes objects nest a dozen levels; this stops hostile input from
    /// exhausting the stack.
    public static let maxDepth = 64

    public let schema: [String: ProtoMessage]

    public init(schema: [String: ProtoMessage] = ProtoSchema.messages) {
        self.schema = schema
    }

    /// Decodes one message of type `messageName`.
    public func decode(_ bytes: ArraySlice<UInt8>, as messageName: String) throws(StatusError) -> JSONObject {
        guard let message = schema[messageName] else {
            throw .internalError("protobuf: no descriptor for message \(messageName)")
        }
        return try decode(bytes, message: message, depth: 0)
    }

    func decode(_ bytes: ArraySlice<UInt8>, message: ProtoMessage, depth: Int) throws(StatusError) -> JSONObject {
        guard depth < Self.maxDepth else {
            throw .badRequest("protobuf: messages nested deeper than \(Self.maxDepth) levels")
        }
        var reader = ProtoWireReader(bytes)
        var object = JSONObject()
        while let (number, value) = try reader.nextField() {
            // Unknown fields are skipped: newer clients may send fields this server predates.
            guard let field = message.fields[number] else { continue }
            try apply(value, of: field, in: message, to: &object, depth: depth)
        }
        return object
    }

    private func apply(_ value: ProtoWireValue, of field: ProtoField, in message: ProtoMessage,
                       to object: inout JSONObject, depth: Int) throws(StatusError) {
        if case .map(let valueType) = field.type {
            let entry = try expectBytes(value, field, message)
            let (key, mapped) = try decodeMapEntry(entry, valueType: valueType, field: field, in: message, depth: depth)
            var map = object[field.name]?.objectValue ?? [:]
            map[key] = mapped
            object[field.name] = .object(map)
            return
        }
        switch field.occurs {
        case .repeated:
            var list = object[field.name]?.arrayValue ?? []
            if case .bytes(let packed) = value, field.type.isPackable {
                // Packed encoding: a run of varints in one length-delimited field.
                var reader = ProtoWireReader(packed)
                while !reader.isAtEnd {
                    list.append(try scalar(.varint(reader.readVarint()), field, message, depth: depth))
                }
            } else {
                list.append(try scalar(value, field, message, depth: depth))
            }
            object[field.name] = .array(list)
        case .inline:
            guard case .message(let name) = field.type else {
                throw .internalError("protobuf: inline field \(message.name).\(field.name) is not a message")
            }
            let inner = try decode(expectBytes(value, field, message), message: lookup(name), depth: depth + 1)
            for (key, member) in inner { object[key] = member }
        case .optional, .emitZero:
            var decoded = try scalar(value, field, message, depth: depth)
            // A singular message seen twice merges, as protobuf requires.
            if case .object(let new) = decoded, case .object(var old)? = object[field.name] {
                for (key, member) in new { old[key] = member }
                decoded = .object(old)
            }
            if field.occurs == .optional && decoded.isProtoZero {
                object.removeValue(forKey: field.name)
            } else {
                object[field.name] = decoded
            }
        }
    }

    /// Decodes a single (non-map) value of the field's type.
    private func scalar(_ value: ProtoWireValue, _ field: ProtoField, _ message: ProtoMessage,
                        depth: Int) throws(StatusError) -> JSON {
        switch field.type {
        case .string:
            return .string(try utf8(expectBytes(value, field, message), field, message))
        case .bytes:
            return .string(ProtoWellKnown.Base64.encode(try expectBytes(value, field, message)))
        case .bool:
            return .bool(try expectVarint(value, field, message) != 0)
        case .int32:
            // int32 is sign-extended to 64 bits on the wire; truncation recovers negatives.
            return .int(Int64(Int32(truncatingIfNeeded: try expectVarint(value, field, message))))
        case .int64:
            return .int(Int64(bitPattern: try expectVarint(value, field, message)))
        case .double:
            guard case .fixed64(let bits) = value else { throw wrongType(value, .fixed64, field, message) }
            return .double(Double(bitPattern: bits))
        case .message(let name):
            return .object(try decode(expectBytes(value, field, message), message: lookup(name), depth: depth + 1))
        case .map:
            throw .internalError("protobuf: map field \(message.name).\(field.name) cannot be repeated")
        case .time, .intOrString, .quantity, .duration, .rawExtension, .fieldsV1:
            return try ProtoWellKnown.decode(field.type, expectBytes(value, field, message),
                                             context: "\(message.name).\(field.name)")
        }
    }

    private func decodeMapEntry(_ entry: ArraySlice<UInt8>, valueType: ProtoFieldType, field: ProtoField,
                                in message: ProtoMessage, depth: Int) throws(StatusError) -> (String, JSON) {
        var reader = ProtoWireReader(entry)
        var key = ""
        var mapped: JSON? = nil
        let valueField = ProtoField(2, field.name, valueType, .emitZero)
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: key = try utf8(expectBytes(value, field, message), field, message)
            case 2: mapped = try scalar(value, valueField, message, depth: depth)
            default: continue
            }
        }
        // An absent value means the value type's zero (Go writes empty strings as absent in maps
        // built by some encoders).
        return (key, mapped ?? valueType.zeroJSON)
    }

    private func lookup(_ name: String) throws(StatusError) -> ProtoMessage {
        guard let message = schema[name] else {
            throw .internalError("protobuf: no descriptor for message \(name)")
        }
        return message
    }

    private func expectBytes(_ value: ProtoWireValue, _ field: ProtoField,
                             _ message: ProtoMessage) throws(StatusError) -> ArraySlice<UInt8> {
        guard case .bytes(let bytes) = value else { throw wrongType(value, .lengthDelimited, field, message) }
        return bytes
    }

    private func expectVarint(_ value: ProtoWireValue, _ field: ProtoField,
                              _ message: ProtoMessage) throws(StatusError) -> UInt64 {
        guard case .varint(let v) = value else { throw wrongType(value, .varint, field, message) }
        return v
    }

    private func utf8(_ bytes: ArraySlice<UInt8>, _ field: ProtoField,
                      _ message: ProtoMessage) throws(StatusError) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .badRequest("protobuf: field \(message.name).\(field.name) is not valid UTF-8")
        }
        return string
    }

    private func wrongType(_ value: ProtoWireValue, _ expected: ProtoWireType, _ field: ProtoField,
                           _ message: ProtoMessage) -> StatusError {
        .badRequest("protobuf: field \(message.name).\(field.name) (\(field.number)) has wire type "
            + "\(value.wireType.rawValue), expected \(expected.rawValue)")
    }
}

extension ProtoFieldType {
    /// Scalar types that may use packed encoding in repeated fields.
    var isPackable: Bool {
        switch self {
        case .bool, .int32, .int64: return true
        default: return false
        }
    }

    /// The JSON for a map value that was left off the wire.
    var zeroJSON: JSON {
        switch self {
        case .string, .bytes: return .string("")
        case .bool: return .bool(false)
        case .int32, .int64, .intOrString: return .int(0)
        case .double: return .double(0)
        case .quantity: return .string("0")
        case .message, .map, .rawExtension, .fieldsV1: return .object([:])
        case .time: return .null
        case .duration: return .string("0s")
        }
    }
}

extension JSON {
    /// The zero values Go's `omitempty` drops (plus empty objects, see `ProtoOccurs`).
    var isProtoZero: Bool {
        switch self {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        }
    }
}
