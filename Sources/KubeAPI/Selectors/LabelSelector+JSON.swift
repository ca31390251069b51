/// The `metav1.LabelSelector` object form (`matchLabels`, `matchExpressions`), converted as
/// `metav1.LabelSelectorAsSelector` does.
extension LabelSelector {
    /// Converts a `metav1.LabelSelector` object.
    ///
    /// - Parameters:
    ///   - json: the selector object, or `.null` when the field is absent.
    ///   - nullMatchesNothing: what an absent selector means. Upstream's
    ///     `LabelSelectorAsSelector(nil)` matches nothing (the default here), which is right for
    ///     controllers (a ReplicaSet without a selector adopts no pods). Pass `false` where an
    ///     absent selector means "no restriction" (e.g. a NetworkPolicy-style "all objects").
    ///   An empty object `{}` always matches everything.
    /// - Throws: 400 BadRequest naming the problem (bad operator, invalid key or values, wrong types).
    public init(labelSelectorJSON json: JSON, nullMatchesNothing: Bool = true) throws(StatusError) {
        guard case .object(let object) = json else {
            if json.isNull {
                self = nullMatchesNothing ? .nothing : .everything
                return
            }
            throw .badRequest("label selector must be an object, got \(json.typeName)")
        }
        var requirements: [Requirement] = []
        switch object["matchLabels"] ?? .null {
        case .null: break
        case .object(let labels):
            // Upstream walks a Go map (random order); sorting keeps the first error stable.
            for key in labels.keys.sorted(by: goLess) {
                guard case .string(let value) = labels[key]! else {
                    throw .badRequest("matchLabels.\(key): must be a string, got \(labels[key]!.typeName)")
                }
                requirements.append(try Requirement(key: key, op: .equals, values: [value]))
            }
        case let other:
            throw .badRequest("matchLabels: must be an object, got \(other.typeName)")
        }
        switch object["matchExpressions"] ?? .null {
        case .null: break
        case .array(let expressions):
            for expression in expressions {
                requirements.append(try Self.requirement(fromExpression: expression))
            }
        case let other:
            throw .badRequest("matchExpressions: must be an array, got \(other.typeName)")
        }
        self.init(requirements: requirements)
    }

    private static func requirement(fromExpression expression: JSON) throws(StatusError) -> Requirement {
        guard case .object = expression else {
            throw .badRequest("matchExpressions: each expression must be an object, got \(expression.typeName)")
        }
        let op: Operator
        let operatorName = expression["operator"].stringValue ?? ""
        switch operatorName {
        case "In": op = .in
        case "NotIn": op = .notIn
        case "Exists": op = .exists
        case "DoesNotExist": op = .doesNotExist
        default: throw .badRequest("\(LabelValidation.goQuote(operatorName)) is not a valid label selector operator")
        }
        var values: [String] = []
        switch expression["values"] {
        case .null: break
        case .array(let items):
            for item in items {
                guard case .string(let value) = item else {
                    throw .badRequest("matchExpressions.values: must be strings, got \(item.typeName)")
                }
                values.append(value)
            }
        case let other:
            throw .badRequest("matchExpressions.values: must be an array, got \(other.typeName)")
        }
        return try Requirement(key: expression["key"].stringValue ?? "", op: op, values: values)
    }

    /// The `metav1.LabelSelector` object for this selector, when it can be written as one:
    /// `=`/`==` become `matchLabels`, set operators become `matchExpressions`. Nil for `!=`, `gt`,
    /// `lt` (no object form) and for `nothing` (a null selector).
    public var labelSelectorJSON: JSON? {
        if isNothing { return nil }
        var matchLabels = JSONObject()
        var expressions: [JSON] = []
        for requirement in requirements {
            let name: String
            switch requirement.op {
            case .equals, .doubleEquals:
                matchLabels[requirement.key] = .string(requirement.values[0])
                continue
            case .in: name = "In"
            case .notIn: name = "NotIn"
            case .exists: name = "Exists"
            case .doesNotExist: name = "DoesNotExist"
            case .notEquals, .greaterThan, .lessThan: return nil
            }
            var expression: JSONObject = ["key": .string(requirement.key), "operator": .string(name)]
            if !requirement.values.isEmpty { expression["values"] = .array(requirement.values.map(JSON.string)) }
            expressions.append(.object(expression))
        }
        var object = JSONObject()
        if !matchLabels.isEmpty { object["matchLabels"] = .object(matchLabels) }
        if !expressions.isEmpty { object["matchExpressions"] = .array(expressions) }
        return .object(object)
    }
}
