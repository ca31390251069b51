import KubeAPI

/// One `NodeSelectorRequirement` (`matchExpressions`/`matchFields` entry), evaluated as upstream's
/// `nodeaffinity.NodeSelector` does.
struct NodeSelectorRequirement: Sendable, Hashable {
    enum Op: String, Sendable { case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist", gt = "Gt", lt = "Lt" }
    var key: String
    var op: Op
    var values: [String]

    /// Nil for a requirement upstream's validation refuses; the term holding it then matches nothing.
    init?(json: JSON) {
        guard let key = json["key"].stringValue, !key.isEmpty,
              let op = Op(rawValue: json["operator"].stringValue ?? "") else { return nil }
        let values = (json["values"].arrayValue ?? []).compactMap(\.stringValue)
        switch op {
        case .in, .notIn: if values.isEmpty { return nil }
        case .exists, .doesNotExist: if !values.isEmpty { return nil }
        case .gt, .lt: if values.count != 1 || Int64(values[0]) == nil { return nil }
        }
        self.key = key
        self.op = op
        self.values = values
    }

    func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        switch op {
        case .in: return value.map(values.contains) ?? false
        case .notIn: return value.map { !values.contains($0) } ?? true
        case .exists: return value != nil
        case .doesNotExist: return value == nil
        case .gt, .lt:
            guard let value, let have = Int64(value), let want = Int64(values[0]) else { return false }
            return op == .gt ? have > want : have < want
        }
    }
}

/// A `NodeSelectorTerm`: all its expressions (on labels) and fields (only `metadata.name`) must match.
struct NodeSelectorTerm: Sendable, Hashable {
    var expressions: [NodeSelectorRequirement]
    var fields: [NodeSelectorRequirement]
    /// An empty term, or one with a requirement upstream refuses, matches no node.
    var matchesNothing: Bool

    init(json: JSON) {
        let rawExpressions = json["matchExpressions"].arrayValue ?? []
        let rawFields = json["matchFields"].arrayValue ?? []
        expressions = rawExpressions.compactMap(NodeSelectorRequirement.init(json:))
        fields = rawFields.compactMap(NodeSelectorRequirement.init(json:))
        let fieldsValid = fields.allSatisfy { $0.key == "metadata.name" && ($0.op == .in || $0.op == .notIn) && $0.values.count == 1 }
        matchesNothing = (rawExpressions.isEmpty && rawFields.isEmpty)
            || expressions.count != rawExpressions.count || fields.count != rawFields.count || !fieldsValid
    }

    func matches(labels: [String: String], nodeName: String) -> Bool {
        if matchesNothing { return false }
        return expressions.allSatisfy { $0.matches(labels) }
            && fields.allSatisfy { $0.matches(["metadata.name": nodeName]) }
    }
}

/// A weighted preferred node-affinity term.
struct PreferredNodeTerm: Sendable, Hashable {
    var weight: Int64
    var term: NodeSelectorTerm
}

/// A `PodAffinityTerm` with its namespaces resolved against the pod that declares it.
struct PodAffinityTerm: Sendable, Hashable {
    var selector: LabelSelector
    /// The namespaces whose pods the term looks at; nil means every namespace.
    var namespaces: Set<String>?
    /// A `namespaceSelector` other than `{}`, matched against namespace labels in the snapshot.
    var namespaceSelector: LabelSelector?
    var topologyKey: String

    /// Nil when the term cannot be understood (no topology key, bad selector); upstream's
    /// validation refuses those, so here they are ignored rather than crashing.
    init?(json: JSON, ownerNamespace: String, ownerLabels: [String: String]) {
        guard let topologyKey = json["topologyKey"].stringValue, !topologyKey.isEmpty,
              var selector = try? LabelSelector(labelSelectorJSON: json["labelSelector"]) else { return nil }
        // matchLabelKeys / mismatchLabelKeys narrow the selector with the owner's own label values.
        var extra: [LabelSelector.Requirement] = []
        for key in (json["matchLabelKeys"].arrayValue ?? []).compactMap(\.stringValue) {
            if let value = ownerLabels[key], let r = try? LabelSelector.Requirement(key: key, op: .in, values: [value]) { extra.append(r) }
        }
        for key in (json["mismatchLabelKeys"].arrayValue ?? []).compactMap(\.stringValue) {
            if let value = ownerLabels[key], let r = try? LabelSelector.Requirement(key: key, op: .notIn, values: [value]) { extra.append(r) }
        }
        if !extra.isEmpty && !selector.isNothing { selector = LabelSelector(requirements: selector.requirements + extra) }
        self.selector = selector
        self.topologyKey = topologyKey
        let listed = Set((json["namespaces"].arrayValue ?? []).compactMap(\.stringValue))
        switch json["namespaceSelector"] {
        case .null:
            namespaces = listed.isEmpty ? [ownerNamespace] : listed
            namespaceSelector = nil
        case let raw:
            guard let nsSelector = try? LabelSelector(labelSelectorJSON: raw) else { return nil }
            if nsSelector.isEverything {
                namespaces = nil  // `{}` selects every namespace
                namespaceSelector = nil
            } else {
                namespaces = listed
                namespaceSelector = nsSelector
            }
        }
    }

    /// Whether `pod` is one of the pods this term selects.
    func matches(_ pod: PodInfo, namespaceLabels: [String: [String: String]]) -> Bool {
        matches(namespace: pod.namespace, labels: pod.labels, namespaceLabels: namespaceLabels)
    }

    /// Same, from the pod's namespace and labels (lets scans avoid copying whole pods).
    func matches(namespace: String, labels: [String: String], namespaceLabels: [String: [String: String]]) -> Bool {
        if let namespaces, !namespaces.contains(namespace) {
            guard let namespaceSelector, let nsLabels = namespaceLabels[namespace],
                  namespaceSelector.matches(nsLabels) else { return false }
        }
        return selector.matches(labels)
    }
}

/// A weighted preferred pod (anti-)affinity term.
struct WeightedPodAffinityTerm: Sendable, Hashable {
    var weight: Int64
    var term: PodAffinityTerm
}
