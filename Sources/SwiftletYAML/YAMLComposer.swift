import CYAML

/// YAML text that cannot be composed into nodes; `description` is one line with the position.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    /// 1-based line and column of the problem, when the parser reported one.
    public var line: Int?
    public var column: Int?

    public init(_ description: String, line: Int? = nil, column: Int? = nil) {
        self.description = description
        self.line = line
        self.column = column
    }
}

/// Parsing YAML streams into `YAMLNode`s with libyaml (the system's libyaml-0-2), without
/// Foundation: Swiftlet's components read kubeconfigs and configuration files and stay small.
public enum YAML {
    /// Upper bound on the nodes of one document with every alias expanded: a handful of aliases
    /// of aliases ("billion laughs") would otherwise build an exponentially large value.
    public static let maximumExpandedNodes = 1_000_000

    /// The single document of `text`; nil when the stream holds none (empty text, comments only).
    /// - Throws: `YAMLError` for invalid YAML or more than one document.
    public static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        let documents = try composeAll(text)
        guard documents.count <= 1 else {
            throw YAMLError("expected a single document in the stream, found \(documents.count)")
        }
        return documents.first
    }

    /// Every document of a `---` separated stream, in order; an empty document is a null scalar.
    public static func composeAll(_ text: String) throws(YAMLError) -> [YAMLNode] {
        // A trailing NUL keeps the buffer non-empty (libyaml wants a pointer even for no input).
        var bytes = Array(text.utf8)
        bytes.append(0)
        let result: Result<[YAMLNode], YAMLError> = bytes.withUnsafeMutableBufferPointer { buffer in
            var composer = Composer()
            return composer.run(buffer)
        }
        return try result.get()
    }
}

/// libyaml's event stream turned into a tree: a stack of open collections, anchors per document.
private struct Composer {
    /// An open collection; children are appended in place (no copy per child).
    struct Frame {
        var isMapping: Bool
        var items: [YAMLNode] = []
        var entries: [YAMLMapping.Element] = []
        var key: YAMLNode?
        var anchor: String?
        /// `expanded` before this collection started, for its anchor's size.
        var start: Int
    }

    var stack: [Frame] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var documents: [YAMLNode] = []
    var root: YAMLNode?
    /// Nodes of the current document with aliases expanded.
    var expanded = 0

    mutating func run(_ input: UnsafeMutableBufferPointer<UInt8>) -> Result<[YAMLNode], YAMLError> {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return .failure(YAMLError("cannot initialize the YAML parser")) }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, input.baseAddress, input.count - 1)
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(Self.error(of: parser)) }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return .success(documents) }
            do throws(YAMLError) {
                try handle(event)
            } catch {
                return .failure(error)
            }
        }
    }

    mutating func handle(_ event: yaml_event_t) throws(YAMLError) {
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors = [:]
            root = nil
            expanded = 0
        case YAML_DOCUMENT_END_EVENT:
            documents.append(root ?? .scalar(YAMLScalar("")))
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else { throw YAMLError("unknown alias *\(name)") }
            try count(target.size)
            emit(target.node)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let node = YAMLNode.scalar(YAMLScalar(text, style: Self.style(data.style), tag: data.tag.map { String(cString: $0) }))
            try count(1)
            if let anchor = data.anchor { anchors[String(cString: anchor)] = (node, 1) }
            emit(node)
        case YAML_SEQUENCE_START_EVENT:
            try count(1)
            stack.append(Frame(isMapping: false, anchor: event.data.sequence_start.anchor.map { String(cString: $0) },
                               start: expanded - 1))
        case YAML_MAPPING_START_EVENT:
            try count(1)
            stack.append(Frame(isMapping: true, anchor: event.data.mapping_start.anchor.map { String(cString: $0) },
                               start: expanded - 1))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let node: YAMLNode = frame.isMapping ? .mapping(YAMLMapping(frame.entries)) : .sequence(frame.items)
            if let anchor = frame.anchor { anchors[anchor] = (node, expanded - frame.start) }
            emit(node)
        default:
            break
        }
    }

    mutating func count(_ nodes: Int) throws(YAMLError) {
        expanded += nodes
        if expanded > YAML.maximumExpandedNodes {
            throw YAMLError("the document has more than \(YAML.maximumExpandedNodes) nodes with its aliases expanded")
        }
    }

    /// Hands a finished node to the innermost open collection, or makes it the document's root.
    mutating func emit(_ node: YAMLNode) {
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return
        }
        if !stack[top].isMapping {
            stack[top].items.append(node)
        } else if let key = stack[top].key {
            stack[top].entries.append((key, node))
            stack[top].key = nil
        } else {
            stack[top].key = node
        }
    }

    static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    /// The parser's problem as one line: "line 3, column 7: did not find expected key (while
    /// parsing a block mapping that started at line 1, column 1)".
    static func error(of parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let line = Int(parser.problem_mark.line) + 1, column = Int(parser.problem_mark.column) + 1
        var text = "line \(line), column \(column): \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            text += " (\(context) that started at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        return YAMLError(text, line: line, column: column)
    }
}
