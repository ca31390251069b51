import FoundationEssentials
import KubeAPI
import KubeStore
import NIOHTTP1

/// DeleteOptions from the body (kubectl) or the query (Python client).
struct DeleteOptions {
    var gracePeriodSeconds: Int64?
    var propagationPolicy: String?
    var preconditionUID: String?
    var preconditionResourceVersion: String?
    var dryRun = false

    init(_ context: RequestContext) throws(StatusError) {
        let body = context.body
        if !body.isEmpty, !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let json = try Codec.decodeBody(body, contentType: context.contentType)
            guard case .object = json else { throw StatusError.badRequest("DeleteOptions must be an object") }
            if let kind = json["kind"].stringValue, !kind.isEmpty, kind != "DeleteOptions" {
                throw StatusError.badRequest("the body of a delete must be DeleteOptions, not \(kind)")
            }
            if !json["gracePeriodSeconds"].isNull {
                guard let g = json["gracePeriodSeconds"].intValue else { throw StatusError.badRequest("gracePeriodSeconds must be an integer") }
                gracePeriodSeconds = g
            }
            propagationPolicy = json["propagationPolicy"].stringValue
            if !json["orphanDependents"].isNull {
                // The deprecated boolean and the policy contradict each other when both are set.
                if propagationPolicy != nil {
                    throw StatusError(code: 422, reason: "Invalid", message: "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"\(propagationPolicy!)\": orphanDependents and deletionPropagation cannot be both set",
                                      details: .init(kind: "DeleteOptions", causes: [StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(propagationPolicy!)\": orphanDependents and deletionPropagation cannot be both set", field: "propagationPolicy")]))
                }
                propagationPolicy = json["orphanDependents"].boolValue == true ? "Orphan" : "Background"
            }
            preconditionUID = json["preconditions"]["uid"].stringValue
            preconditionResourceVersion = json["preconditions"]["resourceVersion"].stringValue
            if let dry = json["dryRun"].arrayValue { dryRun = !dry.isEmpty }
        }
        if let g = try context.query.int("gracePeriodSeconds") { gracePeriodSeconds = g }
        if let p = context.query.value("propagationPolicy"), !p.isEmpty { propagationPolicy = p }
        if !context.query.values("dryRun").isEmpty { dryRun = true }
        if let g = gracePeriodSeconds, g < 0 { gracePeriodSeconds = 0 }
        if let p = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
            throw StatusError(code: 422, reason: "Invalid", message: "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"\(p)\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                              details: .init(kind: "DeleteOptions", causes: [StatusCause(reason: "FieldValueNotSupported", message: "Unsupported value: \"\(p)\"", field: "propagationPolicy")]))
        }
    }
}

extension APIServer {
    static let undeletableNamespaces: Set<String> = ["default", "kube-system", "kube-public"]

    func delete(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let options = try DeleteOptions(context)
        let name = try target.requireName()
        let (object, finished) = try await deleteObject(target, name: name, options: options)
        let def = target.definition
        if !finished || def.plural == "pods" || def.plural == "namespaces" {
            // Objects whose deletion is pending (and pods always) come back whole, like upstream.
            try await context.send(json: object)
            return 200
        }
        let status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
            "details": .object({
                var d: JSONObject = ["name": .string(name)]
                if !def.group.isEmpty { d["group"] = .string(def.group) }
                d["kind"] = .string(def.plural)
                d["uid"] = object["metadata"]["uid"]
                return d
            }()),
        ]
        try await context.send(json: status)
        return 200
    }

    /// Deletes or marks for deletion; returns the object and whether it is gone.
    func deleteObject(_ target: ResourceTarget, name: String, options: DeleteOptions) async throws -> (JSON, Bool) {
        let def = target.definition
        let key = target.key(name: name)
        if def.group.isEmpty, def.plural == "namespaces", APIServer.undeletableNamespaces.contains(name) {
            throw StatusError(code: 403, reason: "Forbidden", message: "namespaces \"\(name)\" is forbidden: this namespace may not be deleted",
                              details: .init(name: name, kind: "namespaces"))
        }
        for _ in 0..<16 {
            guard let kv = try await store.get(key) else { throw target.notFound(name) }
            var object = try Objects.decode(kv)
            if let uid = options.preconditionUID, uid != object["metadata"]["uid"].stringValue {
                throw StatusError.conflict(def.plural, group: def.group, name: name,
                                           reason: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object["metadata"]["uid"].stringValue ?? "")")
            }
            if let rv = options.preconditionResourceVersion, rv != String(kv.modRevision) {
                throw StatusError.conflict(def.plural, group: def.group, name: name,
                                           reason: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(kv.modRevision)")
            }
            let current = (object["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
            // Foreground and Orphan propagation leave the object in place with a finalizer the
            // garbage collector removes once dependents are deleted or orphaned.
            let finalizers = APIServer.deletionFinalizers(def, existing: current, policy: options.propagationPolicy)
            let finalizersChanged = finalizers != current
            if finalizersChanged {
                object["metadata"]["finalizers"] = finalizers.isEmpty ? .null : .array(finalizers.map(JSON.string))
                if finalizers.isEmpty, case .object(var meta) = object["metadata"] {
                    meta.removeValue(forKey: "finalizers")
                    object["metadata"] = .object(meta)
                }
            }
            let isNamespace = def.group.isEmpty && def.plural == "namespaces"
            let graceful = gracefulPeriod(def, object, options)
            let pending = !finalizers.isEmpty || isNamespace || graceful != nil
            if pending, !object["metadata"]["deletionTimestamp"].isNull {
                // Already being deleted: only a shorter grace period or a new propagation policy changes anything.
                let existing = object["metadata"]["deletionGracePeriodSeconds"].intValue ?? 0
                if isNamespace { namespaceLifecycle(name) }
                if finalizersChanged && !options.dryRun {
                    let frozen = object
                    do {
                        let stored = try await store.update(key, expectedRevision: kv.modRevision) { _, revision in
                            Objects.encode(frozen, revision: revision, key: key)
                        }
                        return (try Objects.decode(stored), false)
                    } catch StoreError.conflict { continue }
                }
                if graceful == nil || graceful! >= existing || !finalizers.isEmpty || isNamespace {
                    return (object, false)
                }
            }
            if pending {
                let grace = graceful ?? 0
                object["metadata"]["deletionTimestamp"] = .string(Timestamp.format(Date().addingTimeInterval(Double(grace))))
                object["metadata"]["deletionGracePeriodSeconds"] = .int(grace)
                if isNamespace { object["status"]["phase"] = "Terminating" }
                if options.dryRun { return (object, false) }
                let frozen = object
                do {
                    let stored = try await store.update(key, expectedRevision: kv.modRevision) { _, revision in
                        Objects.encode(frozen, revision: revision, key: key)
                    }
                    if isNamespace { namespaceLifecycle(name) }
                    return (try Objects.decode(stored), false)
                } catch StoreError.conflict { continue }
            }
            if options.dryRun { return (object, true) }
            do {
                let deleted = try await store.delete(key, expectedRevision: kv.modRevision)
                object["metadata"]["resourceVersion"] = .string(String(deleted.modRevision))
                return (object, true)
            } catch StoreError.conflict {
                continue
            } catch StoreError.notFound {
                throw target.notFound(name)
            }
        }
        throw StatusError(code: 409, reason: "Conflict", message: "too many concurrent updates to \(def.qualifiedName) \"\(name)\"; try again")
    }

    /// The finalizers an object keeps after a delete with `policy` (upstream's
    /// `deletionFinalizersForGarbageCollection`): `Orphan` adds `orphan`, `Foreground` adds
    /// `foregroundDeletion`, `Background` removes both; without a policy, finalizers already on the
    /// object win over the resource's default (Orphan for core/v1 ReplicationControllers and batch/v1
    /// Jobs, kept for backwards compatibility; Background for everything else).
    static func deletionFinalizers(_ def: ResourceDefinition, existing: [String], policy: String?) -> [String] {
        let orphanFinalizer = "orphan", foregroundFinalizer = "foregroundDeletion"
        var orphan = defaultPropagationPolicy(def) == "Orphan"
        var foreground = false
        if existing.contains(orphanFinalizer) { orphan = true }
        if existing.contains(foregroundFinalizer) { foreground = true; orphan = false }
        if let policy {
            orphan = policy == "Orphan"
            foreground = policy == "Foreground"
        }
        var result = existing.filter { ($0 != orphanFinalizer || orphan) && ($0 != foregroundFinalizer || foreground) }
        if orphan && !result.contains(orphanFinalizer) { result.append(orphanFinalizer) }
        if foreground && !result.contains(foregroundFinalizer) { result.append(foregroundFinalizer) }
        return result
    }

    /// Upstream's `DefaultGarbageCollectionPolicy` of each strategy, for the versions served here.
    static func defaultPropagationPolicy(_ def: ResourceDefinition) -> String {
        switch (def.group, def.version, def.plural) {
        case ("", "v1", "replicationcontrollers"), ("batch", "v1", "jobs"): return "Orphan"
        default: return "Background"
        }
    }

    /// A pod bound to a node is deleted gracefully: the kubelet confirms with a zero grace period.
    /// Unscheduled pods, and a grace period of 0, delete at once (upstream's pod strategy).
    func gracefulPeriod(_ def: ResourceDefinition, _ object: JSON, _ options: DeleteOptions) -> Int64? {
        guard def.group.isEmpty, def.plural == "pods" else { return nil }
        guard let node = object["spec"]["nodeName"].stringValue, !node.isEmpty else { return nil }
        let phase = object["status"]["phase"].stringValue
        if phase == "Succeeded" || phase == "Failed" { return nil }
        let grace = options.gracePeriodSeconds ?? object["spec"]["terminationGracePeriodSeconds"].intValue ?? 30
        return grace == 0 ? nil : grace
    }

    func deleteCollection(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let options = try DeleteOptions(context)
        let filter = try ObjectFilter(query: context.query, definition: target.definition)
        let listed = try await store.list(prefix: target.prefix, revision: nil, startAfter: nil, limit: nil)
        var deleted: [JSON] = []
        for kv in listed.items {
            let object = try Objects.decode(kv)
            guard filter.matches(object) else { continue }
            var scoped = target
            scoped.namespace = object["metadata"]["namespace"].stringValue ?? target.namespace
            do {
                let (result, _) = try await deleteObject(scoped, name: Objects.name(object), options: options)
                deleted.append(result)
            } catch let error as StatusError where error.code == 404 {
                continue  // deleted concurrently
            }
        }
        let list: JSON = ["kind": .string(target.definition.kind + "List"), "apiVersion": .string(target.definition.apiVersion),
                          "metadata": ["resourceVersion": .string(String(try await store.currentRevision()))],
                          "items": .array(deleted)]
        try await context.send(json: list)
        return 200
    }
}
