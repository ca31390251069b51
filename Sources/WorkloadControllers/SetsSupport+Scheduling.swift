import KubeAPI

/// The scheduling predicates a DaemonSet applies itself before it makes a pod for a node:
/// taints against tolerations, `nodeSelector`, and required node affinity (after upstream's
/// `v1helper.TolerationsTolerateTaint` and `nodeaffinity.GetRequiredNodeAffinity`).
extension SetsSupport {
    /// Whether `toleration` tolerates `taint`: same effect (or any), same key (or an empty key with
    /// `Exists`), and `Exists` or an equal value.
    static func tolerates(_ toleration: JSON, _ taint: JSON) -> Bool {
        let effect = toleration["effect"].stringValue ?? ""
        if !effect.isEmpty, effect != (taint["effect"].stringValue ?? "") { return false }
        let key = toleration["key"].stringValue ?? ""
        let op = toleration["operator"].stringValue ?? "Equal"
        if key.isEmpty { return op == "Exists" }
        if key != (taint["key"].stringValue ?? "") { return false }
        switch op {
        case "Exists": return true
        case "Equal", "": return (toleration["value"].stringValue ?? "") == (taint["value"].stringValue ?? "")
        default: return false
        }
    }

    /// The node's taints with one of `effects` that no toleration tolerates.
    static func untoleratedTaints(node: JSON, tolerations: [JSON], effects: Set<String>) -> [JSON] {
        (node[path: ["spec", "taints"]].arrayValue ?? []).filter { taint in
            effects.contains(taint["effect"].stringValue ?? "") && !tolerations.contains { tolerates($0, taint) }
        }
    }

    /// `spec.nodeSelector` and required node affinity of a pod spec, against a node.
    static func matchesNodeSelectorAndAffinity(podSpec: JSON, node: JSON) -> Bool {
        let nodeLabels = labels(node)
        for (key, value) in podSpec["nodeSelector"].objectValue ?? [:] where nodeLabels[key] != value.stringValue {
            return false
        }
        let required = podSpec[path: ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]]
        if required.isNull { return true }
        // Terms are ORed; a term with no requirements matches nothing.
        let terms = required["nodeSelectorTerms"].arrayValue ?? []
        return terms.contains { termMatches($0, nodeLabels: nodeLabels, nodeName: name(node)) }
    }

    static func termMatches(_ term: JSON, nodeLabels: [String: String], nodeName: String) -> Bool {
        let expressions = term["matchExpressions"].arrayValue ?? []
        let fields = term["matchFields"].arrayValue ?? []
        if expressions.isEmpty && fields.isEmpty { return false }
        for expression in expressions {
            guard let key = expression["key"].stringValue,
                  requirementMatches(expression, value: nodeLabels[key]) else { return false }
        }
        for field in fields {
            // `metadata.name` is the only field upstream supports.
            guard field["key"].stringValue == "metadata.name",
                  requirementMatches(field, value: nodeName) else { return false }
        }
        return true
    }

    /// One NodeSelectorRequirement (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`) against a
    /// label value (nil when the label is absent). Unknown operators match nothing.
    static func requirementMatches(_ requirement: JSON, value: String?) -> Bool {
        let values = (requirement["values"].arrayValue ?? []).compactMap(\.stringValue)
        switch requirement["operator"].stringValue ?? "" {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard values.count == 1, let bound = Int64(values[0]), let value, let number = Int64(value) else {
                return false
            }
            return requirement["operator"].stringValue == "Gt" ? number > bound : number < bound
        default: return false
        }
    }
}
