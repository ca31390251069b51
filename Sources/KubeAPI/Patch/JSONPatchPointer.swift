/// An RFC 6901 JSON Pointer, split into unescaped reference tokens.
struct JSONPatchPointer: Hashable, Sendable, CustomStringConvertible {
    /// The reference tokens; empty for the whole document (`""`).
    var tokens: [String]
    /// The pointer as written in the patch, kept for error messages.
    var description: String

    /// Parses `text`; `~1` stands for `/` and `~0` for `~`, any other `~` escape is an error.
    init(parsing text: String) throws(PatchError) {
        description = text
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw .invalid("invalid JSON pointer \"\(text)\": it must be empty or start with \"/\"")
        }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let c = iterator.next() {
                guard c == "~" else {
                    token.append(c)
                    continue
                }
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default: throw .invalid("invalid JSON pointer \"\(text)\": \"~\" must be followed by 0 or 1")
                }
            }
            result.append(token)
        }
        tokens = result
    }

    /// Whether `self` points strictly inside `other` (used to refuse moving a value into itself).
    func isProperDescendant(of other: JSONPatchPointer) -> Bool {
        tokens.count > other.tokens.count && Array(tokens.prefix(other.tokens.count)) == other.tokens
    }

    /// The value at this pointer, or nil when some step does not exist.
    func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = JSONPatchPointer.arrayIndex(token), index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    /// An array index token: digits without a leading zero (RFC 6901 §4); `-` is handled by callers.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}
