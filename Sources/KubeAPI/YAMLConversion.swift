import SwiftletYAML

/// A YAML text that cannot be read as Kubernetes objects.
public struct YAMLConversionError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension JSON {
    /// Every document of a YAML stream (`---` separated; empty documents skipped) as JSON.
    public static func yamlDocuments(_ text: String) throws(YAMLConversionError) -> [JSON] {
        let nodes: [YAMLNode]
        do { nodes = try YAML.composeAll(text) } catch { throw YAMLConversionError("not valid YAML: \(error)") }
        var result: [JSON] = []
        for node in nodes { result.append(try json(from: node)) }
        return result.filter { !$0.isNull }
    }

    /// A single YAML document as JSON; nil when the text holds no document.
    public static func yamlDocument(_ text: String) throws(YAMLConversionError) -> JSON? {
        let node: YAMLNode?
        do { node = try YAML.compose(text) } catch { throw YAMLConversionError("not valid YAML: \(error)") }
        return try node.map { node throws(YAMLConversionError) in try json(from: node) }
    }

    /// A YAML node as JSON with YAML 1.2 core-schema scalars (what sigs.k8s.io/yaml accepts):
    /// plain `true`/`false`/`null`/numbers are typed, quoted (or `!!str`) scalars stay strings.
    static func json(from node: YAMLNode) throws(YAMLConversionError) -> JSON {
        switch node {
        case .scalar(let scalar):
            if scalar.isNull { return .null }
            if scalar.style == .plain && scalar.tag == nil {
                let s = scalar.string
                switch s {
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default:
                    if let i = Int64(s) { return .int(i) }
                    if s.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true, let d = Double(s), d.isFinite { return .double(d) }
                    return .string(s)
                }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard let k = key.scalar else { throw YAMLConversionError("YAML mapping keys must be strings") }
                object[k.string] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSON] = []
            for item in sequence { array.append(try json(from: item)) }
            return .array(array)
        }
    }
}
