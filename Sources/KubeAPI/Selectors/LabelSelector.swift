/// A label selector as the `labelSelector` query parameter and `metav1.LabelSelector` express it
/// (apimachinery `pkg/labels/selector.go`): a conjunction of requirements on label keys.
///
/// Parse the string form with `init(parsing:)`, the API object form with `init(labelSelectorJSON:)`.
/// Requirements are kept sorted by key and in-set values sorted and de-duplicated, as upstream
/// does, so equal selectors compare equal and print the same.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// The operators of `k8s.io/apimachinery/pkg/selection`, with their upstream spelling.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"

        /// The binary operators in the order upstream lists them in "expected: ..." messages.
        static let binary: [Operator] = [.in, .notIn, .equals, .doubleEquals, .notEquals, .greaterThan, .lessThan]
    }

    /// One condition on one label key.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public let key: String
        public let op: Operator
        /// Values in the order given (sorted and unique when parsed from a string); one value for
        /// `=`, `==`, `!=`, `gt`, `lt`; none for `exists` and `!`.
        public let values: [String]

        /// Builds a requirement and validates it as `labels.NewRequirement` does.
        public init(key: String, op: Operator, values: [String]) throws(StatusError) {
            let errors = LabelValidation.requirementErrors(key: key, op: op, values: values)
            if !errors.isEmpty { throw .badRequest(LabelValidation.aggregate(errors)) }
            self.key = key
            self.op = op
            self.values = values
        }

        /// Builds a requirement without validation, for inputs that were already validated.
        init(unchecked key: String, op: Operator, values: [String]) {
            self.key = key
            self.op = op
            self.values = values
        }

        /// Whether the labels satisfy this requirement. `!=` and `notin` also match objects that
        /// do not carry the key; `gt`/`lt` need the label to hold an integer.
        public func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .in, .equals, .doubleEquals:
                guard let value = labels[key] else { return false }
                return values.contains(value)
            case .notIn, .notEquals:
                guard let value = labels[key] else { return true }
                return !values.contains(value)
            case .exists:
                return labels[key] != nil
            case .doesNotExist:
                return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let raw = labels[key], let have = Int64(raw),
                      values.count == 1, let want = Int64(values[0]) else { return false }
                return op == .greaterThan ? have > want : have < want
            }
        }

        /// The upstream string form: `k=v`, `k in (a,b)`, `!k`, `k>5`...
        public var description: String {
            var text = op == .doesNotExist ? "!" + key : key
            switch op {
            case .exists, .doesNotExist: return text
            case .equals: text += "="
            case .doubleEquals: text += "=="
            case .notEquals: text += "!="
            case .greaterThan: text += ">"
            case .lessThan: text += "<"
            case .in: text += " in ("
            case .notIn: text += " notin ("
            }
            text += values.count == 1 ? values[0] : values.sorted(by: goLess).joined(separator: ",")
            if op == .in || op == .notIn { text += ")" }
            return text
        }
    }

    /// The requirements, all of which must hold; sorted by key.
    public private(set) var requirements: [Requirement]
    /// Set only for the selector made from an absent (null) `metav1.LabelSelector`.
    private var selectsNothing: Bool

    /// Creates a selector from requirements (they are sorted by key, stably).
    public init(requirements: [Requirement]) {
        self.requirements = LabelSelector.sortedByKey(requirements)
        self.selectsNothing = false
    }

    /// The selector that matches every object (the empty string).
    public static let everything = LabelSelector(requirements: [])

    /// The selector that matches no object (upstream `labels.Nothing()`, what a null
    /// `metav1.LabelSelector` means).
    public static let nothing: LabelSelector = {
        var selector = LabelSelector(requirements: [])
        selector.selectsNothing = true
        return selector
    }()

    /// True when the selector does not restrict anything (no requirements). False for `nothing`.
    public var isEverything: Bool { !selectsNothing && requirements.isEmpty }

    /// True for the selector that matches no object.
    public var isNothing: Bool { selectsNothing }

    /// Whether the labels satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        if selectsNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// Whether the selector needs `key` to have one specific value (`k=v`, `k==v` or `k in (v)`),
    /// and that value; lets callers use an index instead of scanning.
    public func requiredValue(for key: String) -> String? {
        guard let requirement = requirements.first(where: { $0.key == key }) else { return nil }
        switch requirement.op {
        case .equals, .doubleEquals, .in:
            return requirement.values.count == 1 ? requirement.values[0] : nil
        default:
            return nil
        }
    }

    /// Requirements joined by commas, as upstream prints selectors (`nothing` prints as empty too).
    public var description: String {
        requirements.map(\.description).joined(separator: ",")
    }

    static func sortedByKey(_ requirements: [Requirement]) -> [Requirement] {
        // Stable, so two requirements on the same key keep their written order.
        requirements.enumerated().sorted { a, b in
            if a.element.key != b.element.key { return goLess(a.element.key, b.element.key) }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Byte-wise string order, as Go's `sort.Strings` uses (Swift's `<` compares by Unicode rules).
func goLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
