import KubeAPI

/// The `pod-template-hash` of a pod template (upstream `controller.ComputeHash`): FNV-32a over the
/// template plus the collision count, printed in decimal and made label-safe with `rand.SafeEncodeString`.
///
/// Upstream hashes a Go `%#v` dump of the typed struct, which cannot be reproduced from JSON, so the
/// bytes hashed here are the template's canonical JSON (object keys sorted). Values therefore differ
/// from a real cluster's, but they are stable, change with any template change, and use the same
/// alphabet and length (up to 10 characters).
public enum PodTemplateHash {
    /// The label (and ReplicaSet selector key) carrying the hash.
    public static let labelKey = "pod-template-hash"

    public static func compute(template: JSON, collisionCount: Int64?) -> String {
        var hasher = FNV32a()
        hasher.write(canonical(template).serialized())
        if let count = collisionCount {
            // Upstream writes the count as a little-endian uint32 into an 8-byte buffer.
            let value = UInt32(truncatingIfNeeded: count)
            hasher.write([UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff),
                          UInt8(value >> 24), 0, 0, 0, 0])
        }
        return safeEncode(String(hasher.value))
    }

    /// Upstream `rand.SafeEncodeString`: maps each character onto an alphabet without vowels or
    /// look-alike digits, so the result never spells words.
    public static func safeEncode(_ text: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(text.unicodeScalars.map { alphabet[Int($0.value) % alphabet.count] })
    }

    /// JSON with object keys sorted recursively, so the hash does not depend on key order.
    static func canonical(_ json: JSON) -> JSON {
        switch json {
        case .object(let object):
            var sorted = JSONObject()
            for key in object.keys.sorted() { sorted[key] = canonical(object[key]!) }
            return .object(sorted)
        case .array(let items):
            return .array(items.map(canonical))
        default:
            return json
        }
    }

    /// The template without the hash label, for upstream's `EqualIgnoreHash`; an emptied labels
    /// map is dropped so `{}` and absent compare equal.
    static func strippingHash(_ template: JSON) -> JSON {
        guard case .object(var object) = template else { return template }
        if case .object(var metadata) = object["metadata"] ?? .null {
            if case .object(var labels) = metadata["labels"] ?? .null {
                labels.removeValue(forKey: labelKey)
                if labels.isEmpty { metadata.removeValue(forKey: "labels") } else { metadata["labels"] = .object(labels) }
            }
            if metadata.isEmpty { object.removeValue(forKey: "metadata") } else { object["metadata"] = .object(metadata) }
        }
        return .object(object)
    }

    /// Upstream `EqualIgnoreHash`: semantic equality of two templates ignoring the hash label.
    public static func equalIgnoringHash(_ a: JSON, _ b: JSON) -> Bool {
        canonical(strippingHash(a)).semanticallyEquals(canonical(strippingHash(b)))
    }
}

/// 32-bit FNV-1a.
struct FNV32a {
    private(set) var value: UInt32 = 2_166_136_261

    mutating func write(_ bytes: [UInt8]) {
        for byte in bytes {
            value ^= UInt32(byte)
            value = value &* 16_777_619
        }
    }
}
