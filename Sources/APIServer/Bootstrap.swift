import KubeAPI
import KubeStore

extension APIServer {
    static let builtinNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]

    /// Creates what every cluster has from the first start: the built-in namespaces and the
    /// `kubernetes` Service in `default`. Idempotent; resumes cleanup of terminating namespaces.
    public func bootstrap(servingPort: Int) async throws {
        let nsDef = APIServer.namespacesDefinition
        for name in APIServer.builtinNamespaces {
            var object: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            try await createIfMissing(nsDef, namespace: nil, name: name, object: &object)
        }
        let svcDef = ResourceRegistry.resource(group: "", version: "v1", plural: "services")!
        var service: JSON = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default",
                         "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["type": "ClusterIP", "clusterIP": .string(allocator.firstIP), "clusterIPs": [.string(allocator.firstIP)],
                     "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(Int64(servingPort))]],
                     "sessionAffinity": "None"],
        ]
        try await createIfMissing(svcDef, namespace: "default", name: "kubernetes", object: &service)

        let listed = try await store.list(prefix: StorageKeys.prefix(nsDef, namespace: nil), revision: nil, startAfter: nil, limit: nil)
        for kv in listed.items {
            let ns = try Objects.decode(kv)
            if !ns["metadata"]["deletionTimestamp"].isNull { namespaceLifecycle(Objects.name(ns)) }
        }
        bootstrapped.set()
    }

    func createIfMissing(_ def: ResourceDefinition, namespace: String?, name: String, object: inout JSON) async throws {
        let key = StorageKeys.key(def, namespace: namespace, name: name)
        if try await store.get(key) != nil { return }
        prepareForCreate(&object, def)
        let causes = Admission.defaultAndValidate(&object, gvk: def.gvk, operation: .create, old: nil, namespaced: def.namespaced)
        guard causes.isEmpty else { throw StatusError.invalid(kind: def.kind, name: name, causes: causes) }
        object = ManagedFields.update(old: nil, new: object, manager: "swiftlet-apiserver", apiVersion: def.apiVersion,
                                      time: Objects.now(), subresource: nil, schema: BuiltinMergeSchemas.schema(for: def.gvk),
                                      ignoredTopLevelFields: def.hasStatusSubresource ? ["status"] : [])
        let frozen = object
        do {
            _ = try await store.create(key) { revision in Objects.encode(frozen, revision: revision) }
        } catch StoreError.alreadyExists {
            return
        }
    }
}
