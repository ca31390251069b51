/// Small read/write helpers that let defaulting and validation treat absent, `null` and
/// wrongly typed members the way Go's zero values would, without ever trapping on bad input.
extension JSON {
    /// The string, or "" when absent or not a string.
    var string: String { stringValue ?? "" }
    var object: JSONObject { objectValue ?? [:] }
    var array: [JSON] { arrayValue ?? [] }
    var isObject: Bool { objectValue != nil }

    /// True for absent/null and for the zero values Go would not tell from absent
    /// (empty string, object or array).
    var isEmptyValue: Bool {
        switch self {
        case .null: return true
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }

    /// A `map[string]string` member (labels, selectors, data); nil when absent.
    /// Non-string values are rendered as their JSON text so they still fail validation visibly.
    var stringMap: [(String, String)]? {
        guard let o = objectValue else { return nil }
        return o.map { ($0.key, $0.value.stringValue ?? $0.value.jsonString) }
    }

    /// Sets `key` to `value` when it is absent or null.
    mutating func setDefault(_ key: String, _ value: JSON) {
        if self[key].isNull { self[key] = value }
    }

    /// Sets `key` when absent, null or an empty string (Go's `if x == ""` defaulting).
    mutating func setDefaultIfEmpty(_ key: String, _ value: JSON) {
        if self[key].isNull || self[key].stringValue == "" { self[key] = value }
    }

    /// Mutates the member `key` in place when it is present (objects only).
    mutating func update(_ key: String, _ body: (inout JSON) -> Void) {
        guard case .object(var o) = self, var member = o[key], !member.isNull else { return }
        self = .null
        o[key] = nil  // drop the reference so `member` is uniquely owned
        body(&member)
        o[key] = member
        self = .object(o)
    }

    /// Mutates each element of the array member `key` in place.
    mutating func updateEach(_ key: String, _ body: (inout JSON) -> Void) {
        update(key) { list in
            guard case .array(var items) = list else { return }
            list = .null
            for i in items.indices { body(&items[i]) }
            list = .array(items)
        }
    }

    /// Reads an integer member that may be absent.
    func int(_ key: String) -> Int64? { self[key].intValue }
}

/// An accumulating list of field errors with a few shortcuts used throughout validation.
struct ErrorList {
    var errors: [FieldError] = []

    mutating func append(_ e: FieldError) { errors.append(e) }
    mutating func append(contentsOf e: [FieldError]) { errors += e }

    /// Adds `Invalid value` errors for each message of a string check.
    mutating func check(_ path: FieldPath, _ value: String, _ messages: [String]) {
        for m in messages { errors.append(.invalid(path, value, m)) }
    }

    /// `ValidateNonnegativeField`.
    mutating func nonNegative(_ path: FieldPath, _ value: Int64?) {
        if let v = value, v < 0 { errors.append(.invalid(path, .int(v), "must be greater than or equal to 0")) }
    }

    /// `ValidateImmutableField` on JSON values, comparing as Go's semantic equality would.
    mutating func immutable(_ path: FieldPath, new: JSON, old: JSON, render: (JSON) -> BadValue = GoRender.value) {
        if !SemanticJSON.equal(new, old) { errors.append(.invalid(path, render(new), "field is immutable")) }
    }
}

/// Equality that treats absent, null and empty values alike, as Go structs with `omitempty`
/// fields and apimachinery's `Semantic.DeepEqual` (nil == empty for slices and maps) do.
enum SemanticJSON {
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            let keys = Set(x.keys).union(y.keys)
            return keys.allSatisfy { equal(x[$0] ?? .null, y[$0] ?? .null) }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        default:
            if a.isEmptyValue && b.isEmptyValue { return true }
            return a.semanticallyEquals(b)
        }
    }
}

/// Renders JSON values as upstream's `%v`/`%#v` would render the Go value behind them.
enum GoRender {
    static func value(_ v: JSON) -> BadValue {
        switch v {
        case .null: return .null
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .bool(let b): return .bool(b)
        case .double(let d): return .raw(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
        case .array(let a) where a.allSatisfy({ $0.stringValue != nil }):
            return .raw(GoSyntax.stringSlice(a.map(\.string)))
        case .object(let o) where o.values.allSatisfy({ $0.stringValue != nil }):
            return .raw(GoSyntax.stringMap(v.stringMap))
        default: return .raw(v.jsonString)
        }
    }

    /// `%#v` of a `metav1.LabelSelector` value, as printed by immutable-selector errors.
    static func labelSelector(_ v: JSON) -> BadValue {
        if v.isNull { return .null }
        let exprs: String
        if let list = v["matchExpressions"].arrayValue {
            exprs = "[]v1.LabelSelectorRequirement{" + list.map { e in
                "v1.LabelSelectorRequirement{Key:\(GoSyntax.quote(e["key"].string)), Operator:\(GoSyntax.quote(e["operator"].string)), Values:\(GoSyntax.stringSlice(e["values"].arrayValue?.map(\.string)))}"
            }.joined(separator: ", ") + "}"
        } else {
            exprs = "[]v1.LabelSelectorRequirement(nil)"
        }
        return .raw("v1.LabelSelector{MatchLabels:\(GoSyntax.stringMap(v["matchLabels"].stringMap)), MatchExpressions:\(exprs)}")
    }
}
