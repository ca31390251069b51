import FoundationEssentials
import KubeAPI
import KubeStore
import NIOHTTP1

extension APIServer {
    func update(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let options = try WriteOptions(context)
        let (incoming, warnings) = try decodeObject(context, target, options: options)
        let name = try target.requireName()
        let given = Objects.name(incoming)
        if !given.isEmpty, given != name {
            throw StatusError.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
        }
        let result = try await guaranteedUpdate(target, name: name, options: options, operation: "Update") { _ in incoming }
        try await context.send(bytes: result.value, status: .ok, warnings: warnings)
        return 200
    }

    func patch(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let options = try WriteOptions(context)
        let name = try target.requireName()
        let def = target.definition
        let media = (context.contentType ?? "").split(separator: ";").first.map { $0.trimmedSpaces.lowercased() } ?? ""
        let body = context.body
        let patch: JSON
        switch media {
        case "application/apply-patch+yaml":
            patch = try Codec.decodeYAML(body)
        case "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json":
            patch = try Codec.decodeJSON(body)
        default:
            throw StatusError.unsupportedMediaType(media)
        }
        let schema = BuiltinMergeSchemas.schema(for: def.gvk)
        if media == "application/strategic-merge-patch+json", schema == nil {
            throw StatusError.unsupportedMediaType(media)
        }
        if media == "application/apply-patch+yaml" {
            return try await serverSideApply(context, target, applied: patch, options: options, schema: schema)
        }
        var warnings: [String] = []
        let result = try await guaranteedUpdate(target, name: name, options: options, operation: "Update") { current in
            let patched = try APIServer.applyPatch(patch, media: media, to: current, schema: schema)
            guard case .object = patched else { throw StatusError.badRequest("the patch did not produce an object") }
            if patched["apiVersion"] != current["apiVersion"] || patched["kind"] != current["kind"] {
                throw StatusError.badRequest("the patch may not change apiVersion or kind")
            }
            if options.fieldValidation != "Ignore" {
                let unknown = FieldValidation.unknownFields(in: patched, gvk: def.gvk)
                if !unknown.isEmpty {
                    if options.fieldValidation == "Strict" { throw StatusError.badRequest(FieldValidation.message(for: unknown)) }
                    warnings = unknown.map { "unknown field \"\($0)\"" }
                }
            }
            return FieldValidation.pruneUnknownFields(patched, gvk: def.gvk)
        }
        try await context.send(bytes: result.value, status: .ok, warnings: warnings)
        return 200
    }

    /// Applies a JSON, merge or strategic merge patch; patch errors become their Status.
    static func applyPatch(_ patch: JSON, media: String, to document: JSON, schema: (any StrategicMergeSchema)?) throws(StatusError) -> JSON {
        do {
            switch media {
            case "application/json-patch+json": return try JSONPatch.apply(patch, to: document)
            case "application/merge-patch+json": return MergePatch.apply(patch, to: document)
            default: return try StrategicMergePatch.apply(patch, to: document, schema: schema)
            }
        } catch {
            throw error.statusError
        }
    }

    /// Server-side apply (`ServerSideApply.apply`): a missing object is created (201) from the
    /// applied configuration; an existing one gets it merged in, with field ownership, pruning of
    /// fields the manager stopped applying, and 409 on conflicts unless `force=true`.
    func serverSideApply(_ context: RequestContext, _ target: ResourceTarget, applied: JSON, options: WriteOptions,
                         schema: (any StrategicMergeSchema)?) async throws -> Int {
        let def = target.definition
        guard context.query.value("fieldManager")?.isEmpty == false else {
            throw StatusError.badRequest("PATCH, application/apply-patch+yaml requests require a fieldManager query parameter")
        }
        let force = ["true", "1"].contains(context.query.value("force") ?? "")
        let name = try target.requireName()
        // Upstream `versionCheckManager` (the kind is checked here; the version, name and the
        // rest of the configuration by `ServerSideApply`) and `checkName`.
        if let kind = applied["kind"].stringValue, !kind.isEmpty, kind != def.kind {
            let version = applied["apiVersion"].stringValue ?? ""
            throw StatusError.badRequest("invalid object type: \(version.contains("/") ? version : "/" + version), Kind=\(kind)")
        }
        if let given = applied["metadata"]["name"].stringValue, !given.isEmpty, given != name {
            throw StatusError.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
        }
        if def.namespaced, let namespace = target.namespace, let given = applied["metadata"]["namespace"].stringValue,
           !given.isEmpty, given != namespace {
            throw StatusError.badRequest("the namespace of the object (\(given)) does not match the namespace on the request (\(namespace))")
        }
        let ignored: Set<String> = def.hasStatusSubresource ? ["status"] : []
        if try await store.get(target.key(name: name)) == nil {
            var object = try ServerSideApply.apply(live: nil, applied: applied, manager: options.fieldManager, force: force,
                                                   apiVersion: def.apiVersion, time: Objects.now(), schema: schema,
                                                   ignoredTopLevelFields: ignored)
            if def.namespaced, let ns = target.namespace { object["metadata"]["namespace"] = .string(ns) }
            return try await createObject(context, target, object, options: options, warnings: [], operation: "Apply",
                                          managedFields: object["metadata"]["managedFields"])
        }
        let result = try await guaranteedUpdate(target, name: name, options: options, operation: "Apply") { current in
            try ServerSideApply.apply(live: current, applied: applied, manager: options.fieldManager, force: force,
                                      apiVersion: def.apiVersion, time: Objects.now(), schema: schema,
                                      ignoredTopLevelFields: ignored)
        }
        try await context.send(bytes: result.value)
        return 200
    }

    /// Read-modify-write with the current revision as precondition, retried when someone else
    /// wrote in between (unless the client pinned a resourceVersion: then 409).
    func guaranteedUpdate(_ target: ResourceTarget, name: String, options: WriteOptions, operation: String,
                          admit: Bool = true, mutate: (JSON) throws -> JSON) async throws -> KeyValue {
        let key = target.key(name: name)
        let def = target.definition
        for _ in 0..<16 {
            guard let kv = try await store.get(key) else { throw target.notFound(name) }
            let current = try Objects.decode(kv)
            let incoming = try mutate(current)
            let pinned = incoming["metadata"]["resourceVersion"].stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let pinned, pinned != String(kv.modRevision) {
                throw StatusError.conflict(def.plural, group: def.group, name: name)
            }
            var updated = try prepareForUpdate(current: current, incoming: incoming, target: target)
            var causes = admit ? Admission.defaultAndValidate(&updated, gvk: def.gvk, operation: .update, old: current, namespaced: def.namespaced) : []
            if target.subresource == "finalize" {
                // `namespaces/<name>/finalize` changes spec.finalizers and nothing else.
                updated = current
                updated["spec"]["finalizers"] = incoming["spec"]["finalizers"].isNull ? [] : incoming["spec"]["finalizers"]
                causes = []
            }
            if !causes.isEmpty {
                throw StatusError.invalid(kind: def.kind, group: def.group, name: name, causes: causes)
            }
            var reservation: ServiceAllocator.Reservation? = nil
            if def.group.isEmpty, def.plural == "services" {
                reservation = try await allocator.allocate(&updated, existing: try await allServices())
            }
            defer { if let reservation { allocator.release(reservation) } }
            if APIServer.tracksGeneration(def), target.subresource.isEmpty,
               !updated["spec"].semanticallyEquals(current["spec"]) {
                updated["metadata"]["generation"] = .int((current["metadata"]["generation"].intValue ?? 0) + 1)
            }
            // An apply computed its managedFields itself; a change of ownership alone is stored.
            let isApply = operation == "Apply"
            if APIServer.unchanged(current, updated),
               !isApply || current["metadata"]["managedFields"] == updated["metadata"]["managedFields"] { return kv }
            if !isApply { updated = ManagedFields.update(old: current, new: updated, manager: options.fieldManager, operation: operation,
                                           apiVersion: def.apiVersion, time: Objects.now(),
                                           subresource: target.subresource.isEmpty ? nil : target.subresource,
                                           schema: BuiltinMergeSchemas.schema(for: def.gvk),
                                           ignoredTopLevelFields: target.subresource == "status" ? ["spec", "metadata"] : (def.hasStatusSubresource ? ["status"] : [])) }
            // A namespace also waits for its `spec.finalizers` (the namespace controller's `kubernetes`).
            let finalized = !updated["metadata"]["deletionTimestamp"].isNull
                && (updated["metadata"]["finalizers"].arrayValue ?? []).isEmpty
                && (def.kind != "Namespace" || (updated["spec"]["finalizers"].arrayValue ?? []).isEmpty)
            if options.dryRun {
                return KeyValue(key: key, value: updated.serialized(), createRevision: kv.createRevision, modRevision: kv.modRevision)
            }
            do {
                if finalized {
                    // The last finalizer is gone from an object being deleted: it goes now.
                    var deleted = try await store.delete(key, expectedRevision: kv.modRevision)
                    deleted.value = Objects.encode(updated, revision: deleted.modRevision)
                    return deleted
                }
                let frozen = updated
                return try await store.update(key, expectedRevision: kv.modRevision) { _, revision in
                    Objects.encode(frozen, revision: revision, key: key)
                }
            } catch StoreError.conflict {
                // Someone wrote in between: try again on the new object. A client that pinned the
                // old resourceVersion gets its 409 from the check above on the next round.
                continue
            } catch StoreError.notFound {
                throw target.notFound(name)
            }
        }
        throw StatusError(code: 409, reason: "Conflict", message: "too many concurrent updates to \(def.qualifiedName) \"\(name)\"; try again")
    }

    /// The object to store for an update: spec and status are split by subresource, and the
    /// server-owned metadata is carried over from the stored object.
    func prepareForUpdate(current: JSON, incoming: JSON, target: ResourceTarget) throws(StatusError) -> JSON {
        let def = target.definition
        var updated: JSON
        if target.subresource == "status" {
            updated = current
            updated["status"] = incoming["status"]
        } else {
            updated = incoming
            if def.hasStatusSubresource {
                if current["status"].isNull, case .object(var o) = updated {
                    o.removeValue(forKey: "status")
                    updated = .object(o)
                } else {
                    updated["status"] = current["status"]
                }
            }
        }
        for key in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name"] {
            let old = current["metadata"][key]
            if case .object(var meta) = updated["metadata"] {
                if old.isNull { meta.removeValue(forKey: key) } else { meta[key] = old }
                updated["metadata"] = .object(meta)
            } else {
                updated["metadata"] = current["metadata"]
            }
        }
        if !current["metadata"]["deletionTimestamp"].isNull {
            let before = Set((current["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue))
            let after = (updated["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
            if after.contains(where: { !before.contains($0) }) {
                throw StatusError.invalid(kind: def.kind, group: def.group, name: Objects.name(current), causes: [
                    StatusCause(reason: "FieldValueForbidden", message: "Forbidden: no new finalizers can be added if the object is being deleted",
                                field: "metadata.finalizers"),
                ])
            }
        }
        return updated
    }

    /// True when an update would change nothing but bookkeeping (no write, no new resourceVersion).
    static func unchanged(_ current: JSON, _ updated: JSON) -> Bool {
        func strip(_ object: JSON) -> JSON {
            var o = object
            if case .object(var meta) = o["metadata"] {
                meta.removeValue(forKey: "resourceVersion")
                meta.removeValue(forKey: "managedFields")
                o["metadata"] = .object(meta)
            }
            return o
        }
        return strip(current).semanticallyEquals(strip(updated))
    }
}
