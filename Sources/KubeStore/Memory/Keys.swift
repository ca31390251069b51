/// Rules for keys and key ranges, shared by the in-memory index and the SQL queries.
///
/// Keys are restricted to printable ASCII (0x20...0x7E, at most `maxLength` bytes). Kubernetes keys
/// (`/registry/<resource>/<namespace>/<name>`) always are, and the restriction makes Swift's string
/// order, byte order and SQLite's BINARY collation the same thing.
enum Keys {
    static let maxLength = 2048

    /// Throws a `.backend` error describing why `key` cannot be stored.
    static func validate(_ key: String) throws {
        guard !key.isEmpty else { throw StoreError.backend("invalid key: the key is empty") }
        var length = 0
        for byte in key.utf8 {
            length += 1
            guard byte >= 0x20, byte <= 0x7E else {
                throw StoreError.backend("invalid key \(key.debugDescription): only printable ASCII is allowed")
            }
        }
        guard length <= maxLength else {
            throw StoreError.backend("invalid key: \(length) bytes is longer than \(maxLength)")
        }
    }

    static func isValid(_ key: String) -> Bool { (try? validate(key)) != nil }

    /// Byte-wise prefix test (`String.hasPrefix` compares grapheme clusters).
    static func hasPrefix(_ key: String, _ prefix: String) -> Bool {
        key.utf8.starts(with: prefix.utf8)
    }

    /// The half-open key range [lower, upper) holding every key that starts with `prefix`, or nil
    /// when no valid key can start with it.
    static func range(forPrefix prefix: String) -> (lower: String, upper: String)? {
        var bytes = Array(prefix.utf8)
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return nil }
        // Every valid key is below "\u{7F}", so that bounds the empty prefix, and incrementing the
        // last byte of a printable prefix never leaves ASCII.
        guard let last = bytes.popLast() else { return ("", "\u{7F}") }
        bytes.append(last + 1)
        return (prefix, String(decoding: bytes, as: UTF8.self))
    }
}
