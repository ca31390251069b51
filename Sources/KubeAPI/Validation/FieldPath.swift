/// A path to a field inside an object, printed the way apimachinery's `field.Path` prints it:
/// `spec.containers[0].image`, `metadata.labels`, `data[key]`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    public private(set) var description: String

    /// A root path; `FieldPath("")` is the whole object (printed as the empty string).
    public init(_ root: String, _ children: String...) {
        description = root
        for child in children { description += "." + child }
    }

    /// `path.child("a", "b")` is `path.a.b`.
    public func child(_ name: String, _ more: String...) -> FieldPath {
        var copy = self
        copy.description += (description.isEmpty ? "" : ".") + name
        for child in more { copy.description += "." + child }
        return copy
    }

    /// `path[3]`, for list elements.
    public func index(_ i: Int) -> FieldPath {
        var copy = self
        copy.description += "[\(i)]"
        return copy
    }

    /// `path[key]`, for map entries (upstream prints keys without quotes).
    public func key(_ key: String) -> FieldPath {
        var copy = self
        copy.description += "[\(key)]"
        return copy
    }
}

/// The value shown in an error message, rendered as Go's `fmt` renders it in
/// apimachinery's `Error.ErrorBody` (`%q` for strings, `%v` for numbers and booleans, `%#v` for the rest).
public enum BadValue: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    /// Already rendered Go syntax, such as `map[string]string{"app":"web"}`.
    case raw(String)

    var rendered: String {
        switch self {
        case .string(let s): return GoSyntax.quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .raw(let r): return r
        }
    }
}

/// One validation error, the Swift twin of apimachinery `field.Error`.
public struct FieldError: Hashable, Sendable, CustomStringConvertible {
    /// The machine-readable type; `rawValue` is the `StatusCause.reason`.
    public enum Kind: String, Hashable, Sendable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case duplicate = "FieldValueDuplicate"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case notFound = "FieldValueNotFound"
        case typeInvalid = "FieldValueTypeInvalid"

        /// The words upstream prints for the type.
        var words: String {
            switch self {
            case .required: return "Required value"
            case .invalid, .typeInvalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .duplicate: return "Duplicate value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .notFound: return "Not found"
            }
        }
    }

    public var kind: Kind
    public var field: String
    public var value: BadValue
    public var detail: String

    public init(_ kind: Kind, _ field: FieldPath, _ value: BadValue, _ detail: String) {
        self.kind = kind
        self.field = field.description
        self.value = value
        self.detail = detail
    }

    /// The message without the field, as in `StatusCause.message` (upstream `ErrorBody`).
    public var body: String {
        var s: String
        switch kind {
        case .required, .forbidden, .tooLong: s = kind.words
        default: s = kind.words + ": " + value.rendered
        }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }

    /// `field: body`, as upstream `Error.Error()`.
    public var description: String { field.isEmpty ? body : "\(field): \(body)" }

    public var cause: StatusCause { StatusCause(reason: kind.rawValue, message: body, field: field) }

    // Factories named after apimachinery's.

    public static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, path, .string(""), detail)
    }
    public static func invalid(_ path: FieldPath, _ value: BadValue, _ detail: String) -> FieldError {
        FieldError(.invalid, path, value, detail)
    }
    public static func invalid(_ path: FieldPath, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, path, .string(value), detail)
    }
    public static func notSupported(_ path: FieldPath, _ value: BadValue, _ supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(GoSyntax.quote).joined(separator: ", ")
        return FieldError(.notSupported, path, value, detail)
    }
    public static func notSupported(_ path: FieldPath, _ value: String, _ supported: [String]) -> FieldError {
        notSupported(path, .string(value), supported)
    }
    public static func duplicate(_ path: FieldPath, _ value: BadValue) -> FieldError {
        FieldError(.duplicate, path, value, "")
    }
    public static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, path, .string(""), detail)
    }
    public static func tooLong(_ path: FieldPath, _ maxLength: Int) -> FieldError {
        FieldError(.tooLong, path, .string(""), "must have at most \(maxLength) bytes")
    }
    public static func notFound(_ path: FieldPath, _ value: BadValue) -> FieldError {
        FieldError(.notFound, path, value, "")
    }
}

/// Renders values in Go `fmt` syntax so messages match upstream byte for byte.
public enum GoSyntax {
    /// `%q` / `strconv.Quote`.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value >= 0x80 && !scalar.properties.isPrintableForGo {
                    out += scalar.value > 0xFFFF ? "\\U" + hex(scalar.value, width: 8) : "\\u" + hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `%#v` of a `map[string]string`: keys sorted, `nil` printed as `map[string]string(nil)`.
    public static func stringMap(_ map: [(String, String)]?) -> String {
        guard let map else { return "map[string]string(nil)" }
        let body = map.sorted { $0.0 < $1.0 }.map { quote($0.0) + ":" + quote($0.1) }.joined(separator: ", ")
        return "map[string]string{" + body + "}"
    }

    /// `%#v` of a `[]string`.
    public static func stringSlice(_ list: [String]?, type: String = "[]string") -> String {
        guard let list else { return type + "(nil)" }
        return type + "{" + list.map(quote).joined(separator: ", ") + "}"
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Unicode.Scalar.Properties {
    /// Close to Go's `unicode.IsPrint` for non-ASCII: letters, marks, numbers, punctuation, symbols.
    fileprivate var isPrintableForGo: Bool {
        switch generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        case .spaceSeparator: return false
        default: return true
        }
    }
}
