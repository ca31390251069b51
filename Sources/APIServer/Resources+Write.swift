import KubeAPI
import KubeStore
import NIOHTTP1

/// Options every write carries in its query.
struct WriteOptions {
    var dryRun: Bool
    var fieldManager: String
    var fieldValidation: String

    init(_ context: RequestContext) throws(StatusError) {
        let dry = context.query.values("dryRun")
        for value in dry where value != "All" {
            throw StatusError.badRequest("dryRun: Unsupported value: \"\(value)\": supported values: \"All\"")
        }
        dryRun = !dry.isEmpty
        fieldValidation = context.query.value("fieldValidation") ?? ""
        guard ["", "Strict", "Warn", "Ignore"].contains(fieldValidation) else {
            throw StatusError.badRequest("fieldValidation: Unsupported value: \"\(fieldValidation)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
        }
        if let manager = context.query.value("fieldManager"), !manager.isEmpty {
            guard manager.count <= 128, manager.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) else {
                throw StatusError.badRequest("fieldManager: Invalid value: \"\(manager)\": must be printable ASCII of at most 128 characters")
            }
            fieldManager = manager
        } else {
            // Upstream falls back to the User-Agent up to its first '/'.
            let agent = context.request.headers.first(name: "User-Agent") ?? "unknown"
            fieldManager = String(agent.split(separator: "/").first ?? "unknown").prefix(128).description
        }
    }
}

extension APIServer {
    /// Reads the body of a write as an object of the target's kind, checking apiVersion, kind and
    /// namespace, and reporting unknown fields per `fieldValidation`. Returns warnings for Warn.
    func decodeObject(_ context: RequestContext, _ target: ResourceTarget, options: WriteOptions) throws(StatusError) -> (JSON, [String]) {
        var object = try Codec.decodeBody(context.body, contentType: context.contentType)
        guard case .object = object else {
            throw StatusError.badRequest("the request body must be a JSON object, not \(object.typeName)")
        }
        let def = target.definition
        let expectedKind = target.subresource == "scale" ? "Scale" : def.kind
        let expectedVersion = target.subresource == "scale" ? "autoscaling/v1" : def.apiVersion
        if let apiVersion = object["apiVersion"].stringValue, !apiVersion.isEmpty, apiVersion != expectedVersion {
            throw StatusError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(expectedVersion))")
        }
        if let kind = object["kind"].stringValue, !kind.isEmpty, kind != expectedKind {
            throw StatusError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(expectedKind))")
        }
        object["apiVersion"] = .string(expectedVersion)
        object["kind"] = .string(expectedKind)
        if !object["metadata"].isNull, object["metadata"].objectValue == nil {
            throw StatusError.badRequest("metadata must be an object")
        }
        if def.namespaced, let namespace = target.namespace {
            if let given = object["metadata"]["namespace"].stringValue, !given.isEmpty, given != namespace {
                throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            object["metadata"]["namespace"] = .string(namespace)
        } else if !def.namespaced {
            if case .object(var meta) = object["metadata"] {
                meta.removeValue(forKey: "namespace")
                object["metadata"] = .object(meta)
            }
        }
        var warnings: [String] = []
        if options.fieldValidation != "Ignore", target.subresource != "scale" {
            let unknown = FieldValidation.unknownFields(in: object, gvk: def.gvk)
            if !unknown.isEmpty {
                if options.fieldValidation == "Strict" {
                    throw StatusError.badRequest(FieldValidation.message(for: unknown))
                }
                warnings = unknown.map { "unknown field \"\($0)\"" }
            }
        }
        if target.subresource != "scale" {
            object = FieldValidation.pruneUnknownFields(object, gvk: def.gvk)
        }
        return (object, warnings)
    }

    func create(_ context: RequestContext, _ target: ResourceTarget) async throws -> Int {
        let options = try WriteOptions(context)
        let (object, warnings) = try decodeObject(context, target, options: options)
        return try await createObject(context, target, object, options: options, warnings: warnings, operation: "Update")
    }

    /// Creates `object` (already decoded and checked against the target); answers 201.
    func createObject(_ context: RequestContext, _ target: ResourceTarget, _ object: JSON, options: WriteOptions,
                      warnings: [String], operation: String, managedFields: JSON? = nil) async throws -> Int {
        var object = object
        let def = target.definition
        var name = Objects.name(object)
        if name.isEmpty, let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty {
            name = Objects.generatedName(prefix: prefix)
            object["metadata"]["name"] = .string(name)
        }
        if let namespace = target.namespace, def.namespaced {
            try await requireActiveNamespace(namespace)
        }
        prepareForCreate(&object, def)
        if def.group.isEmpty, def.plural == "pods", target.subresource.isEmpty, let namespace = target.namespace {
            try await admitServiceAccount(&object, namespace: namespace)
        }
        let causes = Admission.defaultAndValidate(&object, gvk: def.gvk, operation: .create, old: nil, namespaced: def.namespaced)
        if !causes.isEmpty {
            throw StatusError.invalid(kind: def.kind, group: def.group, name: name, causes: causes)
        }
        var reservation: ServiceAllocator.Reservation? = nil
        if def.group.isEmpty, def.plural == "services" {
            reservation = try await allocator.allocate(&object, existing: try await allServices())
        }
        defer { if let reservation { allocator.release(reservation) } }
        if let managedFields, !managedFields.isNull {
            // Server-side apply: the entries come from the applied configuration, not from the
            // fields the created object happens to have (defaults are nobody's).
            object["metadata"]["managedFields"] = managedFields
        } else {
            object = ManagedFields.update(old: nil, new: object, manager: options.fieldManager, operation: operation, apiVersion: def.apiVersion,
                                          time: Objects.now(), subresource: nil, schema: BuiltinMergeSchemas.schema(for: def.gvk),
                                          ignoredTopLevelFields: def.hasStatusSubresource ? ["status"] : [])
        }
        if options.dryRun {
            try await context.send(json: object, status: .created, warnings: warnings)
            return 201
        }
        let stored: KeyValue
        do {
            let frozen = object
            let key = target.key(name: name)
            stored = try await store.create(key) { revision in Objects.encode(frozen, revision: revision, key: key) }
        } catch let error as StoreError {
            throw error.status(for: target, name: name)
        }
        try await context.send(bytes: stored.value, status: .created, warnings: warnings)
        return 201
    }

    /// Sets what the server owns on a new object: uid, creation time, generation; drops status
    /// written through the main resource, and fields a client may not set.
    func prepareForCreate(_ object: inout JSON, _ def: ResourceDefinition) {
        guard case .object(var meta) = object["metadata"] else { return }
        meta["uid"] = .string(Objects.newUID())
        meta["creationTimestamp"] = .string(Objects.now())
        for key in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"] {
            meta.removeValue(forKey: key)
        }
        if APIServer.tracksGeneration(def) { meta["generation"] = 1 } else { meta.removeValue(forKey: "generation") }
        object["metadata"] = .object(meta)
        if def.hasStatusSubresource, case .object(var o) = object {
            o.removeValue(forKey: "status")
            object = .object(o)
        }
    }

    /// Kinds whose `metadata.generation` counts spec changes (workloads and policy objects).
    static func tracksGeneration(_ def: ResourceDefinition) -> Bool {
        switch def.group {
        case "apps", "batch", "policy", "networking.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "autoscaling": return true
        case "": return def.plural == "replicationcontrollers"
        default: return false
        }
    }

    func requireActiveNamespace(_ namespace: String) async throws {
        let key = StorageKeys.key(APIServer.namespacesDefinition, namespace: nil, name: namespace)
        guard let kv = try await store.get(key) else {
            throw StatusError.notFound("namespaces", name: namespace)
        }
        let ns = try Objects.decode(kv)
        if !ns["metadata"]["deletionTimestamp"].isNull || ns["status"]["phase"].stringValue == "Terminating" {
            throw StatusError(code: 403, reason: "Forbidden",
                              message: "unable to create new content in namespace \(namespace) because it is being terminated",
                              details: .init(name: namespace, kind: "namespaces",
                                             causes: [StatusCause(reason: "NamespaceTerminating", message: "namespace \(namespace) is being terminated", field: "metadata.namespace")]))
        }
    }

    static let namespacesDefinition = ResourceRegistry.resource(group: "", version: "v1", plural: "namespaces")!

    func allServices() async throws -> [JSON] {
        let def = ResourceRegistry.resource(group: "", version: "v1", plural: "services")!
        let listed = try await store.list(prefix: StorageKeys.prefix(def, namespace: nil), revision: nil, startAfter: nil, limit: nil)
        return try listed.items.map { kv throws(StatusError) in try Objects.decode(kv) }
    }
}
