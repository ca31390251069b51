/// Keeps `metadata.managedFields` for writes that are not server-side apply, following the
/// apiserver's field manager (apimachinery `pkg/util/managedfields/internal`: `fieldmanager.go`,
/// `managedfieldsupdater.go`, `stripmeta.go`, `structuredmerge.go`, and structured-merge-diff's
/// `merge/update.go`).
///
/// An operation owns the fields it added or changed. Those fields, and the fields it removed, are
/// taken away from every other entry; entries left empty disappear. The operation's fields are
/// merged into the entry with the same identity (manager, operation, subresource, and — for
/// `Update` — apiVersion), whose `time` is then set; an operation that changed nothing leaves
/// every timestamp alone. Entries are sorted as upstream encodes them (operation, time, manager,
/// apiVersion, subresource), so the output is deterministic. At most `maxUpdateManagers` `Update`
/// entries are kept; older ones are folded into `ancient-changes`.
public enum ManagedFields {
    /// Paths never tracked (upstream `stripMetaManager`); not recursive: labels stay tracked.
    static let strippedPaths = FieldSet(paths: [
        [.field("apiVersion")], [.field("kind")], [.field("metadata")],
    ] + ["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation",
         "managedFields", "resourceVersion"].map { [.field("metadata"), .field($0)] })

    /// Returns `new` with `metadata.managedFields` updated for one create or update.
    ///
    /// - Parameters:
    ///   - old: the stored object before the write; nil for a create (then the manager owns every
    ///     field it set, except the server-set metadata listed in `strippedPaths`).
    ///   - new: the object about to be stored. Its own `managedFields` are used as the starting
    ///     point when they are valid and non-empty (clients may edit them; `[]` or `[{}]` resets
    ///     them), except for subresource writes, which always start from `old`'s.
    ///   - manager: the field manager (`fieldManager` parameter or the User-Agent prefix).
    ///   - operation: `Update` (ownership is always computed from the difference old -> new; a
    ///     server-side apply needs the applied configuration and is not handled here).
    ///   - apiVersion: the group/version of the request, e.g. `apps/v1`.
    ///   - time: RFC 3339 timestamp written on the manager's entry when it gains fields.
    ///   - subresource: `status`, `scale`... or nil for the main resource.
    ///   - schema: list merge keys and strategies; nil treats every list as atomic.
    ///   - ignoredTopLevelFields: top-level fields whose changes are not tracked at all, e.g.
    ///     `["status"]` for main-resource writes of a kind with a status subresource.
    public static func update(
        old: JSON?, new: JSON, manager: String, operation: String = "Update", apiVersion: String,
        time: String, subresource: String?, schema: (any StrategicMergeSchema)?,
        ignoredTopLevelFields: Set<String> = []
    ) -> JSON {
        guard case .object = new else { return new }
        var entries = startingEntries(old: old, new: new, fromRequest: subresource == nil)

        // Ignored top-level fields are left out before comparing (a status write does not walk
        // spec and metadata); the comparison of the other fields does not depend on them.
        let before = without(ignoredTopLevelFields, old.map(strip) ?? createBaseline(for: new))
        let ignored = FieldSet(paths: ignoredTopLevelFields.map { [.field($0)] })
        let comparison = FieldComparison(old: before, new: without(ignoredTopLevelFields, strip(new)), schema: schema)
            .excluding(ignored)
        let changed = comparison.modified.union(comparison.added)

        // Every existing entry, the manager's own included, loses what this write changed or
        // removed; the write then owns what it changed.
        for index in entries.indices {
            entries[index].fields = entries[index].fields.difference(changed).difference(comparison.removed)
        }
        let owned = changed.difference(strippedPaths)
        if !owned.isEmpty {
            let identity = Entry(manager: manager, operation: operation, apiVersion: apiVersion, time: time,
                                 subresource: subresource, fields: owned)
            if let index = entries.firstIndex(where: { $0.sameIdentity(as: identity) }) {
                entries[index].fields = entries[index].fields.union(owned)
                entries[index].time = time
                entries[index].apiVersion = apiVersion
            } else {
                entries.append(identity)
            }
        }
        entries.removeAll { $0.fields.isEmpty }
        capUpdateManagers(&entries)
        entries.sort(by: Entry.encodingOrder)

        var result = new
        var metadata = new["metadata"].objectValue ?? [:]
        if entries.isEmpty {
            metadata.removeValue(forKey: "managedFields")
        } else {
            metadata["managedFields"] = .array(entries.map(\.json))
        }
        result["metadata"] = .object(metadata)
        return result
    }

    /// The object without `metadata.managedFields`.
    public static func strip(_ object: JSON) -> JSON {
        guard case .object(var root) = object, case .object(var metadata)? = root["metadata"] else { return object }
        metadata.removeValue(forKey: "managedFields")
        root["metadata"] = .object(metadata)
        return .object(root)
    }

    /// `object` without the given top-level fields.
    private static func without(_ fields: Set<String>, _ object: JSON) -> JSON {
        guard !fields.isEmpty, case .object(var root) = object else { return object }
        for field in fields { root.removeValue(forKey: field) }
        return .object(root)
    }

    /// Reads `metadata.managedFields`; nil when it is absent or any entry is invalid (bad
    /// operation, empty apiVersion, fieldsType other than FieldsV1, unreadable fieldsV1).
    public static func entries(of object: JSON) -> [Entry]? {
        guard case .array(let items) = object["metadata"]["managedFields"] else { return nil }
        var entries: [Entry] = []
        for item in items {
            guard let entry = try? Entry(json: item) else { return nil }
            entries.append(entry)
        }
        return entries
    }

    /// Upstream `decodeLiveOrNew`.
    private static func startingEntries(old: JSON?, new: JSON, fromRequest: Bool) -> [Entry] {
        let live = old.flatMap(entries(of:)) ?? []
        guard fromRequest else { return live }
        if case .array(let requested) = new["metadata"]["managedFields"],
           requested.isEmpty || requested == [.object([:])] {
            return []
        }
        if let requested = entries(of: new), !requested.isEmpty { return requested }
        return live
    }

    /// What a create is compared against. Upstream compares with the kind's zero value, in which
    /// every top-level struct (`metadata`, `spec`, `status`) already exists; so only what is inside
    /// them is new, and `f:spec` carries no `"."`.
    private static func createBaseline(for new: JSON) -> JSON {
        var baseline = JSONObject()
        for (key, value) in new.objectValue ?? [:] {
            if case .object = value { baseline[key] = .object([:]) }
        }
        return .object(baseline)
    }
}
