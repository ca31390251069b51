import KubeAPI
import KubeStore

/// The `default/kubernetes` Endpoints and EndpointSlice that point the `kubernetes` Service at this
/// API server, as upstream's endpoint reconciler writes them (pkg/controlplane/reconcilers): the
/// Service has no selector, so no controller fills them in, and without them the service proxy
/// refuses the ClusterIP (10.43.0.1:443) pods use to reach the API.
///
/// Swiftlet runs one API server, so this is upstream's single-master behaviour: the objects list
/// exactly this server's advertise address and secure port (`https`, TCP), are reset when they
/// differ, and are left in place on shutdown.
public enum MasterEndpoints {
    public static let namespace = "default"
    public static let serviceName = "kubernetes"
    /// Upstream labels the Endpoints so the EndpointSlice mirroring controller leaves them alone.
    public static let skipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror"
    public static let serviceNameLabel = "kubernetes.io/service-name"

    /// `IPv6` for an IPv6 address, else `IPv4`.
    public static func addressType(of address: String) -> String {
        address.contains(":") ? "IPv6" : "IPv4"
    }

    /// The Endpoints object: one subset with `address` and the `https` port.
    public static func endpoints(address: String, port: Int) -> JSON {
        [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(serviceName), "namespace": .string(namespace),
                         "labels": [skipMirrorLabel: "true"]],
            "subsets": [["addresses": [["ip": .string(address)]],
                         "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]]]],
        ]
    }

    /// The EndpointSlice named like the Service, with one ready endpoint at `address`.
    public static func endpointSlice(address: String, port: Int) -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": .string(serviceName), "namespace": .string(namespace),
                         "labels": [serviceNameLabel: .string(serviceName)]],
            "addressType": .string(addressType(of: address)),
            "endpoints": [["addresses": [.string(address)], "conditions": ["ready": true]]],
            "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]],
        ]
    }

    /// The stored Endpoints with the desired labels and subsets, or nil when it already has them
    /// (upstream compares exactly these two fields).
    public static func reconciledEndpoints(current: JSON, desired: JSON) -> JSON? {
        if current["subsets"].semanticallyEquals(desired["subsets"]),
           current["metadata"]["labels"].semanticallyEquals(desired["metadata"]["labels"]) { return nil }
        var updated = current
        updated["metadata"]["labels"] = desired["metadata"]["labels"]
        updated["subsets"] = desired["subsets"]
        return updated
    }

    /// The stored EndpointSlice with the desired labels, address type, endpoints and ports, or nil
    /// when nothing differs.
    public static func reconciledSlice(current: JSON, desired: JSON) -> JSON? {
        let fields = ["addressType", "endpoints", "ports"]
        if fields.allSatisfy({ current[$0].semanticallyEquals(desired[$0]) }),
           current["metadata"]["labels"].semanticallyEquals(desired["metadata"]["labels"]) { return nil }
        var updated = current
        updated["metadata"]["labels"] = desired["metadata"]["labels"]
        for field in fields { updated[field] = desired[field] }
        return updated
    }

    /// Slices carrying the Service's label that are not the one this server keeps (another name or
    /// address family): upstream deletes them so clients see one source of truth.
    public static func strays(_ slices: [JSON], address: String) -> [String] {
        slices.filter { slice in
            Objects.labels(slice)[serviceNameLabel] == serviceName
                && (Objects.name(slice) != serviceName || slice["addressType"].stringValue != addressType(of: address))
        }.map(Objects.name)
    }
}

extension APIServer {
    /// How often the objects are checked (upstream's endpoint reconciler interval).
    static let masterEndpointsInterval: Duration = .seconds(10)

    /// Writes the `kubernetes` Endpoints and EndpointSlice now, then keeps them every `interval`
    /// until the task is cancelled. A failed round is logged and retried on the next one.
    func runMasterEndpoints(port: Int, interval: Duration = APIServer.masterEndpointsInterval) async {
        while !Task.isCancelled {
            do {
                try await reconcileMasterEndpoints(port: port)
            } catch {
                logger.warning("cannot reconcile the kubernetes endpoints", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One round: create what is missing, reset what differs, delete stray slices.
    public func reconcileMasterEndpoints(port: Int) async throws {
        let address = config.advertiseAddress
        let options = WriteOptions(internalManager: "swiftlet-apiserver")
        let namespace = MasterEndpoints.namespace
        let name = MasterEndpoints.serviceName

        let endpointsDef = ResourceRegistry.resource(group: "", version: "v1", plural: "endpoints")!
        let desiredEndpoints = MasterEndpoints.endpoints(address: address, port: port)
        let endpointsTarget = ResourceTarget(definition: endpointsDef, namespace: namespace, name: name, subresource: "")
        if try await store.get(endpointsTarget.key(name: name)) == nil {
            var object = desiredEndpoints
            try await createIfMissing(endpointsDef, namespace: namespace, name: name, object: &object)
        } else {
            _ = try await guaranteedUpdate(endpointsTarget, name: name, options: options, operation: "Update") { current in
                MasterEndpoints.reconciledEndpoints(current: current, desired: desiredEndpoints) ?? current
            }
        }

        let sliceDef = ResourceRegistry.resource(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")!
        let desiredSlice = MasterEndpoints.endpointSlice(address: address, port: port)
        let sliceTarget = ResourceTarget(definition: sliceDef, namespace: namespace, name: nil, subresource: "")
        let listed = try await store.list(prefix: sliceTarget.prefix, revision: nil, startAfter: nil, limit: nil)
        let slices = try listed.items.map { try Objects.decode($0) }
        for stray in MasterEndpoints.strays(slices, address: address) {
            _ = try? await deleteObject(sliceTarget, name: stray, options: .immediate)
        }
        if try await store.get(sliceTarget.key(name: name)) == nil {
            var object = desiredSlice
            try await createIfMissing(sliceDef, namespace: namespace, name: name, object: &object)
        } else {
            _ = try await guaranteedUpdate(sliceTarget, name: name, options: options, operation: "Update") { current in
                MasterEndpoints.reconciledSlice(current: current, desired: desiredSlice) ?? current
            }
        }
    }
}

extension WriteOptions {
    /// Options for a write the server makes itself, owned by `internalManager`.
    init(internalManager: String) {
        dryRun = false
        fieldManager = internalManager
        fieldValidation = ""
    }
}
