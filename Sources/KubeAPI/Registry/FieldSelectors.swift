extension ResourceDefinition {
    /// The field selector labels this resource accepts, `metadata.name` (and `metadata.namespace` for
    /// namespaced resources) included, sorted. Anything else is answered with
    /// `400 field label not supported: <label>` upstream.
    public var selectableFieldLabels: [String] {
        var labels = Array(fieldSelectors.keys)
        labels.append("metadata.name")
        if namespaced { labels.append("metadata.namespace") }
        return labels.sorted()
    }

    /// The string a field selector compares for `label` on `object`, or nil when the label is not
    /// selectable on this resource.
    ///
    /// Values are rendered as upstream's `ToSelectableFields` does: strings as is, booleans as
    /// `true`/`false`, integers in decimal. Absent values compare as their Go zero value, so an
    /// absent `spec.hostNetwork` or `spec.unschedulable` is `"false"` and an absent
    /// `status.replicas` is `"0"`.
    public func selectableFieldValue(_ label: String, in object: JSON) -> String? {
        let path: [String]
        switch label {
        case "metadata.name": path = ["metadata", "name"]
        case "metadata.namespace" where namespaced: path = ["metadata", "namespace"]
        default:
            guard let p = fieldSelectors[label] else { return nil }
            path = p
        }
        switch object[path: path] {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return JSON.double(d).intValue.map { String($0) } ?? String(d)
        case .null: return ResourceDefinition.absentFieldValues[label] ?? ""
        case .array, .object: return ""
        }
    }

    /// Zero values of the non-string selectable fields, used when the field is absent.
    static let absentFieldValues: [String: String] = [
        "spec.hostNetwork": "false",
        "spec.unschedulable": "false",
        "status.replicas": "0",
        "status.successful": "0",
    ]
}
