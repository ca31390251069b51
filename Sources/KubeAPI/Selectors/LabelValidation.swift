/// Label key and value syntax checks with upstream's wording (apimachinery
/// `pkg/api/validate/content/kube.go`, `dns.go`, `errors.go`), and the `field.Error` text format
/// that label selector errors carry.
public enum LabelValidation {
    static let labelKeyFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelKeyMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let subdomainFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"

    /// Problems with a label key (a "qualified name": optional DNS subdomain prefix and `/`, then a
    /// name of at most 63 characters); empty when valid.
    public static func labelKeyErrors(_ key: String) -> [String] {
        var errors: [String] = []
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors += subdomainErrors(String(prefix)).map { "prefix part " + $0 }
            }
        default:
            return ["a valid label key " + regexError(labelKeyMessage, labelKeyFormat, ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errors.append("name part must be no more than 63 bytes")
        }
        if !isLabelToken(name.utf8) {
            errors.append("name part " + regexError(labelKeyMessage, labelKeyFormat, ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// Problems with a label value (empty, or at most 63 characters of `[-A-Za-z0-9_.]` starting and
    /// ending with an alphanumeric); empty when valid.
    public static func labelValueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 bytes") }
        if !value.isEmpty && !isLabelToken(value.utf8) {
            errors.append(regexError(labelValueMessage, "(" + labelKeyFormat + ")?", ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    /// Problems with a lowercase RFC 1123 subdomain (at most 253 characters).
    public static func subdomainErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 253 { errors.append("must be no more than 253 bytes") }
        let labels = value.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let valid = !value.isEmpty && labels.allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            return isLowerAlnum(first) && isLowerAlnum(last)
                && label.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        }
        if !valid { errors.append(regexError(subdomainMessage, subdomainFormat, ["example.com"])) }
        return errors
    }

    /// `(alnum [-_.alnum]*)? alnum`
    static func isLabelToken(_ bytes: some Collection<UInt8>) -> Bool {
        guard let first = bytes.first, isAlnum(first) else { return false }
        var last = first
        for b in bytes {
            guard isAlnum(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") else { return false }
            last = b
        }
        return isAlnum(last)
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A)
    }

    static func regexError(_ message: String, _ regex: String, _ examples: [String]) -> String {
        let shown = examples.map { "'\($0)', " }.joined(separator: "or ")
        return message + " (e.g. " + shown + "regex used for validation is '" + regex + "')"
    }

    // MARK: - Requirement checks (labels.NewRequirement)

    /// The `field.Error` texts `labels.NewRequirement` produces for these inputs, in its order.
    static func requirementErrors(key: String, op: LabelSelector.Operator, values: [String]) -> [String] {
        var errors: [String] = []
        let keyErrors = labelKeyErrors(key)
        if !keyErrors.isEmpty {
            errors.append(invalid(path: "key", value: goQuote(key), detail: keyErrors.joined(separator: "; ")))
        }
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errors.append(invalid(path: "values", value: "null", detail: "for 'in', 'notin' operators, values set can't be empty"))
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errors.append(invalid(path: "values", value: jsonList(values), detail: "exact-match compatibility requires one single value"))
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errors.append(invalid(path: "values", value: jsonList(values), detail: "values set must be empty for exists and does not exist"))
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errors.append(invalid(path: "values", value: jsonList(values), detail: "for 'Gt', 'Lt' operators, exactly one value is required"))
            }
            for (i, value) in values.enumerated() where Int64(value) == nil {
                errors.append(invalid(path: "values[\(i)]", value: goQuote(value), detail: "for 'Gt', 'Lt' operators, the value must be an integer"))
            }
        }
        for (i, value) in values.enumerated() {
            let valueErrors = labelValueErrors(value)
            if !valueErrors.isEmpty {
                errors.append(invalid(path: "values[\(i)][\(key)]", value: goQuote(value), detail: valueErrors.joined(separator: "; ")))
            }
        }
        return errors
    }

    /// `<path>: Invalid value: <value>: <detail>`, as `field.Invalid(...).Error()` prints.
    static func invalid(path: String, value: String, detail: String) -> String {
        "\(path): Invalid value: \(value): \(detail)"
    }

    /// Joins errors as `utilerrors.NewAggregate` prints them: one alone, several as `[a, b]`,
    /// duplicates dropped.
    static func aggregate(_ errors: [String]) -> String {
        var seen = Set<String>()
        let unique = errors.filter { seen.insert($0).inserted }
        return unique.count == 1 ? unique[0] : "[" + unique.joined(separator: ", ") + "]"
    }

    static func jsonList(_ values: [String]) -> String {
        JSON.array(values.map(JSON.string)).jsonString
    }

    /// A double-quoted string as Go's `%q` writes it (escapes quotes, backslashes and controls).
    static func goQuote(_ s: String) -> String { GoSyntax.quote(s) }
}
