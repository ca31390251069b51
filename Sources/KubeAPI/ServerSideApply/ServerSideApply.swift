/// Server-side apply (`PATCH` with `application/apply-patch+yaml`), following structured-merge-diff's
/// `merge.Updater.Apply` and apimachinery's field manager (`pkg/util/managedfields/internal`:
/// `structuredmerge.go`, `stripmeta.go`, `managedfieldsupdater.go`, `conflict.go`).
///
/// One apply does, in order:
/// 1. **Merge** the applied configuration into the live object: maps recursively, lists with a
///    merge key item by item (new items appended in applied order), sets of primitives as a
///    union, every other list and every scalar replaced.
/// 2. **Own**: the applied configuration's field set becomes the manager's one `Apply` entry.
/// 3. **Prune**: what the manager's previous `Apply` entry owned and the new one does not is
///    removed from the object, unless another manager still owns it (then it is only released).
/// 4. **Conflicts**: a field the apply changes or adds that another entry (`Update` or `Apply`)
///    owns is a conflict: 409 without `force`; with `force` the other entries lose the field.
///    Fields removed by the apply are released by every other entry.
///
/// Top-level `apiVersion`/`kind` and server-set metadata (`name`, `uid`, ...) are never owned.
public enum ServerSideApply {
    /// Applies `applied` for `manager` and returns the object to store, with
    /// `metadata.managedFields` set.
    ///
    /// - Parameters:
    ///   - live: the stored object (with its managedFields), or nil when it does not exist yet:
    ///     then the result is built from `applied` alone (the caller adds uid, timestamps, ...).
    ///   - applied: the applied configuration; must carry `apiVersion` (equal to `apiVersion`),
    ///     `kind` and `metadata.name`, and must not carry `metadata.managedFields`.
    ///   - manager: the `fieldManager` (required for apply).
    ///   - force: `force=true`: take conflicting fields from their owners instead of failing.
    ///   - apiVersion: the group/version of the request, e.g. `apps/v1`.
    ///   - time: RFC 3339 time written on the manager's entry when the apply changes the object.
    ///   - schema: list merge keys; nil makes every list atomic (custom resources).
    ///   - ignoredTopLevelFields: top-level fields neither applied nor owned (`status` for kinds
    ///     with a status subresource).
    /// - Throws: 400 BadRequest for a malformed configuration, 409 Conflict (reason `Conflict`,
    ///   causes `FieldManagerConflict`) for ownership conflicts without `force`.
    public static func apply(
        live: JSON?, applied: JSON, manager: String, force: Bool, apiVersion: String, time: String,
        schema: (any StrategicMergeSchema)?, ignoredTopLevelFields: Set<String>
    ) throws(StatusError) -> JSON {
        try validate(applied: applied, live: live, apiVersion: apiVersion)
        guard !manager.isEmpty else {
            throw StatusError.badRequest("PATCH, application/apply-patch+yaml requests require a fieldManager query parameter")
        }

        let config = removingTopLevel(ignoredTopLevelFields, from: applied)
        let ignored = FieldSet(paths: ignoredTopLevelFields.map { [.field($0)] })
        let before = live.map(ManagedFields.strip) ?? .object([:])
        var entries = live.flatMap(ManagedFields.entries(of:)) ?? []

        // 1. Merge.
        var merged = try merge(before, config, schema: schema, path: [])

        // 2. Own: the applier's new set replaces its previous Apply entry.
        let appliedSet = try fieldSet(of: config, schema: schema)
            .difference(ManagedFields.strippedPaths).recursiveDifference(ignored)
        let mine = entries.firstIndex(where: { isApplyEntry($0, of: manager) })
        let previous = mine.map { entries[$0] }
        if let mine { entries.remove(at: mine) }

        // 3. Prune what the applier stopped applying and nobody else owns.
        if let lastSet = previous?.fields, !lastSet.isEmpty {
            let keep = entries.reduce(appliedSet) { $0.union($1.fields) }
            merged = prune(merged, last: lastSet, keep: keep, schema: schema)
        }

        // 4. Conflicts with every other entry, computed on the final object.
        let comparison = FieldComparison(old: before, new: merged, schema: schema).excluding(ignored)
        let changed = comparison.modified.union(comparison.added)
        var conflicts: [(entry: ManagedFields.Entry, fields: FieldSet)] = []
        for entry in entries {
            let overlap = entry.fields.intersection(changed)
            if !overlap.isEmpty { conflicts.append((entry, overlap)) }
        }
        if !force && !conflicts.isEmpty {
            throw conflictError(conflicts)
        }
        for index in entries.indices {
            entries[index].fields = entries[index].fields.difference(changed).difference(comparison.removed)
        }

        let objectChanged = !before.semanticallyEquals(merged)
        var own = ManagedFields.Entry(manager: manager, operation: "Apply", apiVersion: apiVersion,
                                      time: previous?.time, subresource: nil, fields: appliedSet)
        // Upstream stamps the applier's entry only when the object changed; a brand-new entry
        // gets a time too, so every entry says when its manager first applied.
        if objectChanged || previous == nil { own.time = time }
        entries.append(own)
        entries.removeAll { $0.fields.isEmpty }
        ManagedFields.capUpdateManagers(&entries)
        entries.sort(by: ManagedFields.Entry.encodingOrder)

        var metadata = merged["metadata"].objectValue ?? [:]
        if entries.isEmpty {
            metadata.removeValue(forKey: "managedFields")
        } else {
            metadata["managedFields"] = .array(entries.map(\.json))
        }
        merged["metadata"] = .object(metadata)
        return merged
    }

    /// The entry holding `manager`'s applied fields (apply on the main resource).
    static func isApplyEntry(_ entry: ManagedFields.Entry, of manager: String) -> Bool {
        entry.manager == manager && entry.operation == "Apply" && (entry.subresource ?? "").isEmpty
    }

    static func removingTopLevel(_ fields: Set<String>, from object: JSON) -> JSON {
        guard case .object(var root) = object, !fields.isEmpty else { return object }
        for field in fields { root.removeValue(forKey: field) }
        return .object(root)
    }
}
