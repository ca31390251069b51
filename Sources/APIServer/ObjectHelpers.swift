import FoundationEssentials
import KubeAPI
import KubeStore

/// Small helpers on stored objects.
enum Objects {
    /// Parses stored bytes (or takes the parsed form from `DecodedObjects`); a stored object that
    /// does not parse is an internal error (never user input).
    static func decode(_ kv: KeyValue) throws(StatusError) -> JSON {
        try DecodedObjects.shared.object(kv)
    }

    /// Bytes to store: the object with `metadata.resourceVersion` set to the write's revision.
    /// With `key`, the object is remembered as the parsed form of those bytes, so the writes and
    /// watchers that follow need not parse them again.
    static func encode(_ object: JSON, revision: Int64, key: String? = nil) -> [UInt8] {
        var object = object
        object["metadata"]["resourceVersion"] = .string(String(revision))
        let bytes = object.serialized()
        if let key { DecodedObjects.shared.remember(key: key, revision: revision, bytes: bytes, object: object) }
        return bytes
    }

    static func labels(_ object: JSON) -> [String: String] {
        guard case .object(let labels) = object["metadata"]["labels"] else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in labels { if case .string(let s) = v { out[k] = s } }
        return out
    }

    static func name(_ object: JSON) -> String { object["metadata"]["name"].stringValue ?? "" }

    static func now() -> String { Timestamp.format(Date()) }

    /// A random (version 4) UUID in lower case. Made from the system generator (getrandom):
    /// Foundation's `UUID()` opens /dev/urandom on every call here, a syscall pair per create.
    static func newUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (8 * i))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (8 * i))
        }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Upstream's generateName suffix alphabet (no vowels, no confusable digits).
    static func generatedName(prefix: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var suffix = ""
        for _ in 0..<5 { suffix.append(alphabet.randomElement()!) }
        return prefix + suffix
    }
}

/// Label and field selectors of a list or watch, checked once and applied per object.
struct ObjectFilter: Sendable {
    var labels: LabelSelector?
    var fields: FieldSelector?
    let definition: ResourceDefinition

    init(query: Query, definition: ResourceDefinition) throws(StatusError) {
        self.definition = definition
        if let text = query.value("labelSelector"), !text.isEmpty {
            let selector = try LabelSelector(parsing: text)
            labels = selector.isEverything ? nil : selector
        }
        if let text = query.value("fieldSelector"), !text.isEmpty {
            let selector = try FieldSelector(parsing: text)
            var allowed = Set(definition.selectableFieldLabels)
            allowed.insert("metadata.name")
            if definition.namespaced { allowed.insert("metadata.namespace") }
            try selector.validate(allowed: allowed, resource: definition.plural)
            fields = selector.isEverything ? nil : selector
        }
    }

    var isEverything: Bool { labels == nil && fields == nil }

    func matches(_ object: JSON) -> Bool {
        if let labels, !labels.matches(Objects.labels(object)) { return false }
        if let fields {
            let definition = self.definition
            return fields.matches { label in
                switch label {
                case "metadata.name": return object["metadata"]["name"].stringValue ?? ""
                case "metadata.namespace": return object["metadata"]["namespace"].stringValue ?? ""
                default: return definition.selectableFieldValue(label, in: object)
                }
            }
        }
        return true
    }
}
