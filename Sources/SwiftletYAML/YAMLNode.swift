/// A YAML node as the parser composed it: scalars keep their text and style (typing them is the
/// reader's business: a config file wants `0644` as text, a Kubernetes object wants YAML 1.2
/// core-schema types), mappings keep document order and duplicate keys.
public indirect enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence([YAMLNode])

    /// The scalar, or nil for a collection.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// The scalar's text, or nil for a collection.
    public var string: String? { scalar?.string }

    public var mapping: YAMLMapping? {
        if case .mapping(let mapping) = self { return mapping }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = self { return items }
        return nil
    }

    /// A plain `null`, `Null`, `NULL`, `~` or empty scalar (YAML's null, untagged).
    public var isNull: Bool {
        guard let scalar else { return false }
        return scalar.isNull
    }

    /// The value of the mapping entry whose key is the scalar `key` (the last one when a key is
    /// repeated, as decoders that fill a map do); nil for a missing key or a non-mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?[key]
    }
}

/// A scalar's text as written (after YAML's escapes and folding), with how it was written.
public struct YAMLScalar: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var string: String
    public var style: Style
    /// An explicit tag (`!!str 1` has `tag:yaml.org,2002:str`), nil when none was written.
    public var tag: String?

    public init(_ string: String, style: Style = .plain, tag: String? = nil) {
        self.string = string
        self.style = style
        self.tag = tag
    }

    /// Plain and untagged null (`null`, `Null`, `NULL`, `~`, or nothing at all), or `!!null`.
    public var isNull: Bool {
        if tag == YAMLScalar.nullTag { return true }
        guard style == .plain, tag == nil else { return false }
        switch string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    public static let stringTag = "tag:yaml.org,2002:str"
    public static let nullTag = "tag:yaml.org,2002:null"
}

/// A mapping's entries in document order.
public struct YAMLMapping: Sendable, RandomAccessCollection {
    public typealias Element = (key: YAMLNode, value: YAMLNode)

    public var entries: [Element]

    public init(_ entries: [Element] = []) { self.entries = entries }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Element { entries[position] }

    /// The value of the last entry whose key is the scalar `key`.
    public subscript(key: String) -> YAMLNode? {
        entries.last { $0.key.scalar?.string == key }?.value
    }
}
