extension ServerSideApply {
    /// Checks the applied configuration as the apiserver does before merging: the type must be
    /// the request's (upstream `versionCheckManager`, `structuredMergeManager.Apply`), the object
    /// must be named, and `managedFields` may not be sent.
    static func validate(applied: JSON, live: JSON?, apiVersion: String) throws(StatusError) {
        guard case .object(let root) = applied else {
            throw StatusError.badRequest("error decoding YAML: the applied configuration must be an object, got \(applied.typeName)")
        }
        let version = root["apiVersion"]?.stringValue ?? ""
        let kind = root["kind"]?.stringValue ?? ""
        let expectedKind = live?["kind"].stringValue
        if version.isEmpty || kind.isEmpty || (expectedKind != nil && kind != expectedKind) {
            throw StatusError.badRequest("invalid object type: \(gvkString(version, kind))")
        }
        if version != apiVersion {
            throw StatusError.badRequest("Incorrect version specified in apply patch. Specified patch version: \(version), expected: \(apiVersion)")
        }
        guard let metadataValue = root["metadata"], case .object(let metadata) = metadataValue else {
            throw StatusError.badRequest("metadata.name: Required value: name is required in an applied configuration")
        }
        if let managed = metadata["managedFields"], !managed.isNull {
            throw StatusError.badRequest("metadata.managedFields must be nil")
        }
        let name = metadata["name"]?.stringValue ?? ""
        guard !name.isEmpty else {
            throw StatusError.badRequest("metadata.name: Required value: name is required in an applied configuration")
        }
        if let live, let liveName = live["metadata"]["name"].stringValue, liveName != name {
            throw StatusError.badRequest("the name of the object (\(name)) does not match the name on the URL (\(liveName))")
        }
        if let live, let namespace = metadata["namespace"]?.stringValue, !namespace.isEmpty,
           let liveNamespace = live["metadata"]["namespace"].stringValue, namespace != liveNamespace {
            throw StatusError.badRequest("the namespace of the object (\(namespace)) does not match the namespace on the request (\(liveNamespace))")
        }
    }

    /// `schema.GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
    static func gvkString(_ apiVersion: String, _ kind: String) -> String {
        let parts = apiVersion.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let (group, version) = parts.count == 2 ? (String(parts[0]), String(parts[1])) : ("", apiVersion)
        return "\(group)/\(version), Kind=\(kind)"
    }

    // MARK: - Conflicts

    /// Upstream `NewConflictError`: one cause per conflicting path; the message names the single
    /// conflict, or lists the paths under each manager (managers sorted by their identifier).
    static func conflictError(_ conflicts: [(entry: ManagedFields.Entry, fields: FieldSet)]) -> StatusError {
        let grouped = conflicts
            .map { (identifier: Self.identifier($0.entry), entry: $0.entry, paths: Self.iterationOrder($0.fields)) }
            .sorted { goLess($0.identifier, $1.identifier) }
        var causes: [StatusCause] = []
        var lines: [String] = []
        for group in grouped {
            let who = printManager(group.entry)
            lines.append("conflicts with \(who):")
            for path in group.paths {
                let field = pathString(path)
                causes.append(StatusCause(reason: "FieldManagerConflict", message: "conflict with \(who)", field: field))
                lines.append("- \(field)")
            }
        }
        let message: String
        if causes.count == 1 {
            message = "Apply failed with 1 conflict: \(causes[0].message): \(causes[0].field)"
        } else {
            message = "Apply failed with \(causes.count) conflicts: " + lines.joined(separator: "\n")
        }
        return StatusError(code: 409, reason: "Conflict", message: message,
                           details: StatusError.Details(causes: causes))
    }

    /// Upstream `printManager`: `"kubectl"` for an applier, `"m" using apps/v1` for an updater,
    /// with `with subresource "status"` after the name for subresource writes. (The identifier
    /// it reads never carries a time.)
    static func printManager(_ entry: ManagedFields.Entry) -> String {
        var text = JSON.string(entry.manager).jsonString
        if let subresource = entry.subresource, !subresource.isEmpty {
            text += " with subresource \(JSON.string(subresource).jsonString)"
        }
        if entry.operation == "Update" { text += " using \(entry.apiVersion)" }
        return text
    }

    /// Upstream `BuildManagerIdentifier`: the entry's JSON without time and fields (and without
    /// apiVersion for appliers); conflicts are grouped and sorted by it.
    static func identifier(_ entry: ManagedFields.Entry) -> String {
        var object: JSONObject = ["manager": .string(entry.manager), "operation": .string(entry.operation)]
        if entry.operation != "Apply" { object["apiVersion"] = .string(entry.apiVersion) }
        if let subresource = entry.subresource, !subresource.isEmpty { object["subresource"] = .string(subresource) }
        return JSON.object(object).jsonString
    }

    /// `fieldpath.Set.Iterate`: the members of a node (sorted), then each child subtree (sorted).
    static func iterationOrder(_ set: FieldSet, prefix: [FieldPathElement] = []) -> [[FieldPathElement]] {
        var result = set.members.sorted().map { prefix + [$0] }
        for element in set.children.keys.sorted() {
            result += iterationOrder(set.children[element]!, prefix: prefix + [element])
        }
        return result
    }

    /// `fieldpath.Path.String()`: `.spec.template.spec.containers[name="c"].image`, `[="a/b"]`, `[0]`.
    static func pathString(_ path: [FieldPathElement]) -> String {
        var text = ""
        for element in path {
            switch element {
            case .field(let name): text += "." + name
            case .key(let fields): text += "[" + fields.map { "\($0.name)=\($0.value.jsonString)" }.joined(separator: ",") + "]"
            case .value(let value): text += "[=\(value.jsonString)]"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
