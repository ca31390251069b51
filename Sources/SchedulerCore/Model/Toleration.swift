import KubeAPI

/// A node taint (`spec.taints[]`).
public struct Taint: Sendable, Hashable {
    public var key: String
    public var value: String
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    public var effect: String

    public init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    /// Reads one taint; nil when it has no key or effect (the API server would have refused it).
    init?(json: JSON) {
        guard let key = json["key"].stringValue, !key.isEmpty,
              let effect = json["effect"].stringValue, !effect.isEmpty else { return nil }
        self.init(key: key, value: json["value"].stringValue ?? "", effect: effect)
    }

    /// How upstream prints a taint in "had untolerated taint {key: value}".
    var reasonText: String { "{\(key): \(value)}" }
}

/// A pod toleration (`spec.tolerations[]`), matched as `v1.Toleration.ToleratesTaint` does.
public struct Toleration: Sendable, Hashable {
    public var key: String
    /// `Equal` (the default when empty) or `Exists`.
    public var op: String
    public var value: String
    /// Empty tolerates every effect.
    public var effect: String

    public init(key: String = "", op: String = "Equal", value: String = "", effect: String = "") {
        self.key = key
        self.op = op
        self.value = value
        self.effect = effect
    }

    init(json: JSON) {
        self.init(key: json["key"].stringValue ?? "", op: json["operator"].stringValue ?? "",
                  value: json["value"].stringValue ?? "", effect: json["effect"].stringValue ?? "")
    }

    /// Whether this toleration tolerates the taint: effects match (or the toleration has none),
    /// keys match (or the toleration has an empty key with `Exists`, tolerating everything), and
    /// for `Equal` the values match. An unknown operator tolerates nothing.
    public func tolerates(_ taint: Taint) -> Bool {
        if !effect.isEmpty && effect != taint.effect { return false }
        if !key.isEmpty && key != taint.key { return false }
        switch op {
        case "Exists": return true
        case "", "Equal": return value == taint.value
        default: return false
        }
    }
}

extension Array where Element == Toleration {
    func tolerates(_ taint: Taint) -> Bool { contains { $0.tolerates(taint) } }
}
