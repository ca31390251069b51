/// A field selector as the `fieldSelector` query parameter expresses it (apimachinery
/// `pkg/fields/selector.go`): comma-separated `field=value`, `field==value` or `field!=value`
/// terms, all of which must hold. In values, `\,` `\=` and `\\` escape the special characters.
///
/// Which fields may be used depends on the resource; call `validate(allowed:resource:)` with the
/// resource's labels (plus `metadata.name` and `metadata.namespace`).
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    /// `==` parses as `equals`, as upstream folds both into one term type.
    public enum Op: String, Sendable, Hashable {
        case equals = "="
        case notEquals = "!="
    }

    /// One term: `field op value`, with the value unescaped.
    public struct Requirement: Sendable, Hashable {
        public var field: String
        public var op: Op
        public var value: String

        public init(field: String, op: Op, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }
    }

    /// The terms, sorted by their original text as upstream sorts them.
    public private(set) var requirements: [Requirement]

    public init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    /// The selector that matches everything (the empty string).
    public static let everything = FieldSelector(requirements: [])

    /// True when there are no terms.
    public var isEverything: Bool { requirements.isEmpty }

    /// Parses the query parameter form. Whitespace is not trimmed (upstream keeps it as part of
    /// the field or value). Throws 400 BadRequest with upstream's messages.
    public init(parsing text: String) throws(StatusError) {
        var requirements: [Requirement] = []
        for term in Self.splitTerms(text).sorted(by: goLess) where !term.isEmpty {
            guard let (field, op, rawValue) = Self.splitTerm(term) else {
                throw .badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            requirements.append(Requirement(field: field, op: op, value: try Self.unescape(rawValue)))
        }
        self.requirements = requirements
    }

    /// Whether the object satisfies every term. `lookup` returns the value of a field label, or
    /// nil when the object has none; like upstream, a missing field compares as the empty string.
    public func matches(_ lookup: (String) -> String?) -> Bool {
        requirements.allSatisfy { requirement in
            let value = lookup(requirement.field) ?? ""
            return requirement.op == .equals ? value == requirement.value : value != requirement.value
        }
    }

    /// Checks every field against the labels the resource supports.
    /// - Parameters:
    ///   - allowed: the supported labels; callers include `metadata.name` and `metadata.namespace`.
    ///   - resource: the resource being listed (not part of upstream's message, kept for logging).
    /// - Throws: 400 BadRequest `field label not supported: <field>` for the first unknown field.
    public func validate(allowed: Set<String>, resource: String) throws(StatusError) {
        for requirement in requirements where !allowed.contains(requirement.field) {
            throw .badRequest("field label not supported: \(requirement.field)")
        }
    }

    /// The name when the selector is exactly `metadata.name=<name>`, so a list can become a get.
    public func exactName() -> String? {
        guard requirements.count == 1, requirements[0].field == "metadata.name",
              requirements[0].op == .equals else { return nil }
        return requirements[0].value
    }

    /// The value `field` must equal, if some `=` term requires one (upstream `RequiresExactMatch`).
    public func requiredValue(for field: String) -> String? {
        requirements.first { $0.field == field && $0.op == .equals }?.value
    }

    /// The canonical string form, values escaped again.
    public var description: String {
        requirements.map { "\($0.field)\($0.op.rawValue)\(Self.escape($0.value))" }.joined(separator: ",")
    }

    // MARK: - Syntax

    /// Splits on commas not preceded by a backslash escape.
    static func splitTerms(_ text: String) -> [String] {
        if text.isEmpty { return [] }
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                inEscape = false
            } else if scalar == "\\" {
                inEscape = true
            } else if scalar == "," {
                terms.append(String(current))
                current = String.UnicodeScalarView()
                continue
            }
            current.append(scalar)
        }
        terms.append(String(current))
        return terms
    }

    /// Splits at the first operator; at each position `!=` then `==` then `=` is tried.
    static func splitTerm(_ term: String) -> (String, Op, String)? {
        let scalars = term.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let rest = scalars[index...]
            for (text, op) in [("!=", Op.notEquals), ("==", Op.equals), ("=", Op.equals)]
                where rest.starts(with: text.unicodeScalars) {
                let valueStart = scalars.index(index, offsetBy: text.unicodeScalars.count)
                return (String(scalars[..<index]), op, String(scalars[valueStart...]))
            }
            index = scalars.index(after: index)
        }
        return nil
    }

    static func unescape(_ value: String) throws(StatusError) -> String {
        var out = String.UnicodeScalarView()
        var inEscape = false
        for scalar in value.unicodeScalars {
            if inEscape {
                guard scalar == "\\" || scalar == "," || scalar == "=" else {
                    throw .badRequest("invalid field selector: invalid escape sequence: \\\(Character(scalar))")
                }
                out.append(scalar)
                inEscape = false
            } else if scalar == "\\" {
                inEscape = true
            } else if scalar == "," || scalar == "=" {
                // Upstream formats the rune with %v, which prints its code point number.
                throw .badRequest("invalid field selector: unescaped character in value: \(scalar.value)")
            } else {
                out.append(scalar)
            }
        }
        if inEscape { throw .badRequest("invalid field selector: invalid escape sequence: \\") }
        return String(out)
    }

    /// Escapes `\`, `,` and `=` so the value survives parsing.
    public static func escape(_ value: String) -> String {
        var out = ""
        for ch in value {
            if ch == "\\" || ch == "," || ch == "=" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
