/// `metav1.LabelSelector` validation and matching, as workload controllers' selectors use them.
enum LabelSelectorValidation {
    static let operators = ["In", "NotIn", "Exists", "DoesNotExist"]

    /// `ValidateLabelSelector` (strict label values).
    static func validate(_ selector: JSON, _ path: FieldPath, into errs: inout ErrorList) {
        guard selector.isObject else { return }
        for (i, expr) in selector["matchExpressions"].array.enumerated() {
            let p = path.child("matchExpressions").index(i)
            let op = expr["operator"].string
            let values = expr["values"].array
            switch op {
            case "In", "NotIn":
                if values.isEmpty {
                    errs.append(.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errs.append(.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errs.append(.invalid(p.child("operator"), op, "not a valid selector operator"))
            }
            let key = expr["key"].string
            errs.check(p.child("key"), key, NameValidation.isQualifiedName(key))
            for (j, v) in values.enumerated() {
                errs.check(p.child("values").index(j), v.string, NameValidation.isValidLabelValue(v.string))
            }
        }
        ObjectMetaValidation.validateLabels(selector["matchLabels"], path.child("matchLabels"), into: &errs)
    }

    /// True when the selector has no requirements (it would match everything).
    static func isEmpty(_ selector: JSON) -> Bool {
        selector["matchLabels"].object.isEmpty && selector["matchExpressions"].array.isEmpty
    }

    /// Whether `labels` satisfy the selector; an empty selector matches everything.
    static func matches(_ selector: JSON, labels: JSON) -> Bool {
        let set = Dictionary(labels.stringMap ?? [], uniquingKeysWith: { a, _ in a })
        for (k, v) in selector["matchLabels"].stringMap ?? [] where set[k] != v { return false }
        for expr in selector["matchExpressions"].array {
            let key = expr["key"].string
            let values = Set(expr["values"].array.map(\.string))
            switch expr["operator"].string {
            case "In": guard let v = set[key], values.contains(v) else { return false }
            case "NotIn": if let v = set[key], values.contains(v) { return false }
            case "Exists": if set[key] == nil { return false }
            case "DoesNotExist": if set[key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// The selector-vs-template check shared by workload kinds.
    static func checkTemplateLabels(selector: JSON, template: JSON, _ templatePath: FieldPath, into errs: inout ErrorList) {
        let labels = template["metadata"]["labels"]
        if !isEmpty(selector), !matches(selector, labels: labels) {
            errs.append(.invalid(templatePath.child("metadata", "labels"), .raw(GoSyntax.stringMap(labels.stringMap)),
                                 "`selector` does not match template `labels`"))
        }
    }
}
