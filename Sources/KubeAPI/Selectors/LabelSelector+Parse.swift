/// The string syntax of label selectors, with upstream's lexer and recursive-descent parser
/// (`labels.Parse`) so that the same inputs are accepted and the same messages come back:
///
///     selector    ::= requirement | requirement "," selector
///     requirement ::= ["!"] KEY [ ("in" | "notin") "(" values ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
///
/// Whitespace (space, tab, CR, LF) separates tokens; `in`/`notin` are keywords only where an
/// operator is expected, so `in in (in)` is a valid selector. `x in ()` is accepted, as upstream
/// does, and means "x is the empty string".
extension LabelSelector {
    /// Parses the `labelSelector` query parameter form. The empty string selects everything.
    /// Throws 400 BadRequest with upstream's message (e.g. `unable to parse requirement: ...`).
    public init(parsing text: String) throws(StatusError) {
        var parser = LabelSelectorParser(tokens: LabelSelectorLexer.tokens(of: text))
        do {
            self.init(requirements: try parser.parse())
        } catch {
            throw .badRequest(error.message)
        }
    }
}

struct LabelSelectorParseError: Error {
    var message: String
}

enum LabelSelectorToken: Equatable {
    case error, endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan
    case identifier, `in`, lessThan, notEquals, notIn, openPar
}

struct ScannedItem {
    var token: LabelSelectorToken
    var literal: String
}

enum LabelSelectorLexer {
    static let keywords: [String: LabelSelectorToken] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals,
        ">": .greaterThan, "in": .in, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]

    static func isWhitespace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n")
    }

    static func isSpecial(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: ","), UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default:
            return false
        }
    }

    /// All tokens of the input, ending with `.endOfString`. Works on bytes like upstream; a NUL
    /// byte ends the input there, as it does upstream.
    static func tokens(of text: String) -> [ScannedItem] {
        let bytes = Array(text.utf8)
        var pos = 0
        func read() -> UInt8 {
            guard pos < bytes.count else { return 0 }
            defer { pos += 1 }
            return bytes[pos]
        }
        var items: [ScannedItem] = []
        while true {
            var ch = read()
            while isWhitespace(ch) { ch = read() }
            if ch == 0 {
                items.append(ScannedItem(token: .endOfString, literal: ""))
                return items
            }
            pos -= 1
            var buffer: [UInt8] = []
            if isSpecial(ch) {
                // Longest run of special characters that still forms an operator ("!=", "==").
                var last: ScannedItem?
                while true {
                    let c = read()
                    if c == 0 { break }
                    guard isSpecial(c) else { pos -= 1; break }
                    buffer.append(c)
                    let literal = String(decoding: buffer, as: UTF8.self)
                    if let token = keywords[literal] {
                        last = ScannedItem(token: token, literal: literal)
                    } else if last != nil {
                        pos -= 1
                        break
                    }
                }
                items.append(last ?? ScannedItem(
                    token: .error, literal: "error expected: keyword found '\(String(decoding: buffer, as: UTF8.self))'"))
            } else {
                while true {
                    let c = read()
                    if c == 0 { break }
                    if isSpecial(c) || isWhitespace(c) { pos -= 1; break }
                    buffer.append(c)
                }
                let literal = String(decoding: buffer, as: UTF8.self)
                items.append(ScannedItem(token: keywords[literal] ?? .identifier, literal: literal))
            }
        }
    }
}

struct LabelSelectorParser {
    /// Where a token is read: in `.values`, the keywords `in`/`notin` are ordinary identifiers.
    enum Context { case keyAndOperator, values }

    let tokens: [ScannedItem]
    var position = 0

    init(tokens: [ScannedItem]) {
        self.tokens = tokens
    }

    func lookahead(_ context: Context) -> (LabelSelectorToken, String) {
        let item = tokens[min(position, tokens.count - 1)]
        return (adjust(item.token, context), item.literal)
    }

    mutating func consume(_ context: Context) -> (LabelSelectorToken, String) {
        let item = tokens[min(position, tokens.count - 1)]
        position += 1
        return (adjust(item.token, context), item.literal)
    }

    private func adjust(_ token: LabelSelectorToken, _ context: Context) -> LabelSelectorToken {
        if context == .values, token == .in || token == .notIn { return .identifier }
        return token
    }

    mutating func parse() throws(LabelSelectorParseError) -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        while true {
            let (token, literal) = lookahead(.values)
            switch token {
            case .identifier, .doesNotExist:
                do {
                    requirements.append(try parseRequirement())
                } catch {
                    throw LabelSelectorParseError(message: "unable to parse requirement: " + error.message)
                }
                let (next, nextLiteral) = consume(.values)
                switch next {
                case .endOfString:
                    return requirements
                case .comma:
                    let (after, afterLiteral) = lookahead(.values)
                    if after != .identifier && after != .doesNotExist {
                        throw LabelSelectorParseError(message: "found '\(afterLiteral)', expected: identifier after ','")
                    }
                default:
                    throw LabelSelectorParseError(message: "found '\(nextLiteral)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw LabelSelectorParseError(message: "found '\(literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    mutating func parseRequirement() throws(LabelSelectorParseError) -> LabelSelector.Requirement {
        let (key, inferred) = try parseKeyAndInferOperator()
        if let inferred {
            return try checked(key, inferred, [])
        }
        let op = try parseOperator()
        let values: [String]
        switch op {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        return try checked(key, op, values)
    }

    private func checked(_ key: String, _ op: LabelSelector.Operator, _ values: [String]) throws(LabelSelectorParseError) -> LabelSelector.Requirement {
        let errors = LabelValidation.requirementErrors(key: key, op: op, values: values)
        if !errors.isEmpty { throw LabelSelectorParseError(message: LabelValidation.aggregate(errors)) }
        return LabelSelector.Requirement(unchecked: key, op: op, values: values)
    }

    /// Reads `[!] KEY`; returns `exists`/`doesNotExist` when no binary operator follows.
    mutating func parseKeyAndInferOperator() throws(LabelSelectorParseError) -> (String, LabelSelector.Operator?) {
        var op: LabelSelector.Operator?
        var (token, literal) = consume(.values)
        if token == .doesNotExist {
            op = .doesNotExist
            (token, literal) = consume(.values)
        }
        guard token == .identifier else {
            throw LabelSelectorParseError(message: "found '\(literal)', expected: identifier")
        }
        let keyErrors = LabelValidation.labelKeyErrors(literal)
        if !keyErrors.isEmpty {
            // Upstream validates with a nil field path here, which prints as "<nil>".
            throw LabelSelectorParseError(message: LabelValidation.invalid(
                path: "<nil>", value: LabelValidation.goQuote(literal), detail: keyErrors.joined(separator: "; ")))
        }
        let (next, _) = lookahead(.values)
        if next == .endOfString || next == .comma, op != .doesNotExist {
            op = .exists
        }
        // `!key=v` keeps `!key`; the caller then fails on the unexpected `=`, as upstream does.
        return (literal, op)
    }

    mutating func parseOperator() throws(LabelSelectorParseError) -> LabelSelector.Operator {
        let (token, literal) = consume(.keyAndOperator)
        switch token {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default:
            let expected = LabelSelector.Operator.binary.map(\.rawValue).joined(separator: ", ")
            throw LabelSelectorParseError(message: "found '\(literal)', expected: \(expected)")
        }
    }

    /// `( a, b, ... )` as a sorted set; empty members count as the empty string.
    mutating func parseValues() throws(LabelSelectorParseError) -> [String] {
        var (token, literal) = consume(.values)
        guard token == .openPar else {
            throw LabelSelectorParseError(message: "found '\(literal)' expected: '('")
        }
        (token, literal) = lookahead(.values)
        switch token {
        case .identifier, .comma:
            let values = try parseIdentifiersList()
            if consume(.values).0 != .closedPar {
                throw LabelSelectorParseError(message: "found '\(literal)', expected: ')'")
            }
            return values
        case .closedPar:
            _ = consume(.values)
            return [""]
        default:
            throw LabelSelectorParseError(message: "found '\(literal)', expected: ',', ')' or identifier")
        }
    }

    mutating func parseIdentifiersList() throws(LabelSelectorParseError) -> [String] {
        var set = Set<String>()
        func sorted() -> [String] { set.sorted(by: goLess) }
        while true {
            let (token, literal) = consume(.values)
            switch token {
            case .identifier:
                set.insert(literal)
                let (next, nextLiteral) = lookahead(.values)
                switch next {
                case .comma: continue
                case .closedPar: return sorted()
                default: throw LabelSelectorParseError(message: "found '\(nextLiteral)', expected: ',' or ')'")
                }
            case .comma:
                if set.isEmpty { set.insert("") }  // "(,"
                let (next, _) = lookahead(.values)
                if next == .closedPar {
                    set.insert("")  // ",)"
                    return sorted()
                }
                if next == .comma {
                    _ = consume(.values)
                    set.insert("")  // ",,"
                }
            default:
                throw LabelSelectorParseError(message: "found '\(literal)', expected: ',', or identifier")
            }
        }
    }

    mutating func parseExactValue() throws(LabelSelectorParseError) -> [String] {
        let (next, _) = lookahead(.values)
        if next == .endOfString || next == .comma { return [""] }
        let (token, literal) = consume(.values)
        guard token == .identifier else {
            throw LabelSelectorParseError(message: "found '\(literal)', expected: identifier")
        }
        return [literal]
    }
}
