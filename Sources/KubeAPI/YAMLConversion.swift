import Yams

/// A YAML text that cannot be read as Kubernetes objects.
public struct YAMLConversionError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    /// One line (the parser's messages span several, with a caret under the column), so log
    /// lines and `Status` messages stay whole.
    public init(_ description: String) {
        self.description = description.split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed() }
            .map { String($0) }.filter { !$0.isEmpty && $0 != "^" }.joined(separator: " ")
    }
}

extension JSON {
    /// Every document of a YAML stream (`---` separated; empty documents skipped) as JSON.
    public static func yamlDocuments(_ text: String) throws(YAMLConversionError) -> [JSON] {
        var result: [JSON] = []
        do {
            // The parser itself, not `compose_all`: its sequence drops a parse error as the end.
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                result.append(try json(from: node))
            }
        } catch let error as YAMLConversionError {
            throw error
        } catch {
            throw YAMLConversionError("not valid YAML: \(error)")
        }
        return result.filter { !$0.isNull }
    }

    /// A single YAML document as JSON; nil when the text holds no document.
    public static func yamlDocument(_ text: String) throws(YAMLConversionError) -> JSON? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw YAMLConversionError("not valid YAML: \(error)")
        }
        return try node.map { node throws(YAMLConversionError) in try json(from: node) }
    }

    /// A YAML node as JSON with YAML 1.2 core-schema scalars (what sigs.k8s.io/yaml accepts):
    /// plain `true`/`false`/`null`/numbers are typed, quoted scalars stay strings.
    static func json(from node: Node) throws(YAMLConversionError) -> JSON {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                let s = scalar.string
                switch s {
                case "null", "Null", "NULL", "~", "": return .null
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
                guard case .scalar(let k) = key else { throw YAMLConversionError("YAML mapping keys must be strings") }
                object[k.string] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSON] = []
            for item in sequence { array.append(try json(from: item)) }
            return .array(array)
        case .alias:
            throw YAMLConversionError("YAML aliases are not supported")
        }
    }
}
