/// One step of a path into an object, as structured-merge-diff's `fieldpath.PathElement` and
/// its FieldsV1 spelling (`f:name`, `k:{"name":"c"}`, `v:"value"`, `i:0`).
public enum FieldPathElement: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A member of a map or struct: `f:<name>`.
    case field(String)
    /// An element of a list merged by key: `k:{"<key>":<value>,...}`; fields sorted by name.
    case key([KeyField])
    /// An element of a list of primitives merged as a set: `v:<json>`.
    case value(JSON)
    /// An element of a granular list without keys: `i:<index>` (read back, never produced here).
    case index(Int)

    /// One key field of a `k:` element.
    public struct KeyField: Hashable, Sendable {
        public var name: String
        public var value: JSON

        public init(name: String, value: JSON) {
            self.name = name
            self.value = value
        }
    }

    /// The FieldsV1 object key for this element.
    public var description: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var object = JSONObject()
            for field in fields { object[field.name] = field.value }
            return "k:" + JSON.object(object).jsonString
        case .value(let value): return "v:" + value.jsonString
        case .index(let i): return "i:\(i)"
        }
    }

    /// Reads a FieldsV1 object key. Returns nil for an unknown element type (upstream skips
    /// those so newer formats do not break older servers); throws for a malformed one.
    static func parse(_ text: String) throws(ManagedFieldsDecodingError) -> FieldPathElement? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2 else { throw ManagedFieldsDecodingError("key must be 2 characters long: \(text)") }
        guard bytes[1] == UInt8(ascii: ":") else { throw ManagedFieldsDecodingError("missing colon: \(text)") }
        let rest = String(decoding: bytes[2...], as: UTF8.self)
        switch bytes[0] {
        case UInt8(ascii: "f"):
            return .field(rest)
        case UInt8(ascii: "v"):
            guard let value = try? JSON(parsing: rest) else { throw ManagedFieldsDecodingError("invalid value element: \(text)") }
            return .value(value)
        case UInt8(ascii: "k"):
            guard case .object(let object)? = try? JSON(parsing: rest) else {
                throw ManagedFieldsDecodingError("invalid key element: \(text)")
            }
            return .key(object.map { KeyField(name: $0.key, value: $0.value) }.sorted { goLess($0.name, $1.name) })
        case UInt8(ascii: "i"):
            guard let index = Int(rest) else { throw ManagedFieldsDecodingError("invalid index element: \(text)") }
            return .index(index)
        default:
            return nil
        }
    }

    /// structured-merge-diff's order: fields, then keys, then values, then indexes.
    public static func < (lhs: FieldPathElement, rhs: FieldPathElement) -> Bool {
        compare(lhs, rhs) < 0
    }

    static func compare(_ lhs: FieldPathElement, _ rhs: FieldPathElement) -> Int {
        switch (lhs, rhs) {
        case (.field(let a), .field(let b)): return compareStrings(a, b)
        case (.key(let a), .key(let b)):
            for (x, y) in zip(a, b) {
                let byName = compareStrings(x.name, y.name)
                if byName != 0 { return byName }
                let byValue = compareValues(x.value, y.value)
                if byValue != 0 { return byValue }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.value(let a), .value(let b)): return compareValues(a, b)
        case (.index(let a), .index(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        default: return lhs.rank < rhs.rank ? -1 : 1
        }
    }

    private var rank: Int {
        switch self {
        case .field: return 0
        case .key: return 1
        case .value: return 2
        case .index: return 3
        }
    }

    static func compareStrings(_ a: String, _ b: String) -> Int {
        a == b ? 0 : (goLess(a, b) ? -1 : 1)
    }

    /// `value.Compare`: numbers, then strings, then booleans, then lists, then maps, then null.
    static func compareValues(_ a: JSON, _ b: JSON) -> Int {
        func rank(_ v: JSON) -> Int {
            switch v {
            case .int, .double: return 0
            case .string: return 1
            case .bool: return 2
            case .array: return 3
            case .object: return 4
            case .null: return 5
            }
        }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.string(let x), .string(let y)): return compareStrings(x, y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.array(let x), .array(let y)):
            for (p, q) in zip(x, y) {
                let c = compareValues(p, q)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.object(let x), .object(let y)):
            // Maps compare by their sorted entries.
            let xs = x.keys.sorted(by: goLess), ys = y.keys.sorted(by: goLess)
            for (p, q) in zip(xs, ys) {
                let byKey = compareStrings(p, q)
                if byKey != 0 { return byKey }
                let byValue = compareValues(x[p]!, y[q]!)
                if byValue != 0 { return byValue }
            }
            return xs.count == ys.count ? 0 : (xs.count < ys.count ? -1 : 1)
        case (.null, .null): return 0
        default:
            // Mixed int/double: compare numerically.
            let (x, y) = (a.doubleValue ?? 0, b.doubleValue ?? 0)
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }
}

/// A `metadata.managedFields` entry or FieldsV1 document that cannot be read.
public struct ManagedFieldsDecodingError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
