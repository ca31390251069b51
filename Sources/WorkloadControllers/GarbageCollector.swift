import KubeAPI

/// An owner whose existence the driver must check with a live GET before dependents are deleted.
/// A 404, or an object of that name with another uid, means absent: pass its uid in `absentOwners`
/// to the next `GarbageCollector.process` call. If it exists, `upsert` it into the graph instead.
public struct OwnerLookup: Sendable, Hashable {
    public var owner: ObjectIdentity
    /// Where to GET it; nil when the kind is not a built-in resource (the driver cannot verify it and
    /// must treat the owner as present, so nothing is deleted).
    public var resourceType: ResourceType?
}

/// What one garbage-collector pass over an object decided.
public struct GarbageCollectorResult: Sendable, Hashable {
    /// Writes to perform in order; stop at the first failure and process the item again later
    /// (finalizers are removed last, so a failed step never loses work).
    public var actions: [ControllerAction] = []
    /// Owners to verify before anything can be decided; `actions` is empty when this is not.
    public var needsVerification: [OwnerLookup] = []
    /// Why nothing could be done (unknown kinds, malformed objects).
    public var errors: [String] = []

    public init(actions: [ControllerAction] = [], needsVerification: [OwnerLookup] = [], errors: [String] = []) {
        self.actions = actions
        self.needsVerification = needsVerification
        self.errors = errors
    }
}

/// The garbage collector's decisions (upstream pkg/controller/garbagecollector): delete dependents
/// whose owners are all gone (Background), run foreground deletion (dependents first, then the
/// `foregroundDeletion` finalizer) and orphaning (drop the ownerReferences, then the `orphan`
/// finalizer).
public enum GarbageCollector {
    public static let foregroundFinalizer = "foregroundDeletion"
    public static let orphanFinalizer = "orphan"

    /// Decides what to do about object `uid`.
    /// - Parameter absentOwners: owner uids a live GET showed to be gone.
    public static func process(uid: String, graph: OwnerGraph, absentOwners: Set<String> = []) -> GarbageCollectorResult {
        guard let node = graph.node(uid: uid), node.observed else { return GarbageCollectorResult() }
        if node.orphaning { return orphanDependents(of: node, graph: graph) }
        if node.deletingDependents { return finishForeground(node, graph: graph) }
        if node.beingDeleted || node.owners.isEmpty { return GarbageCollectorResult() }
        return attemptToDelete(node, graph: graph, absentOwners: absentOwners)
    }

    // MARK: - Dependents without owners

    private static func attemptToDelete(_ node: OwnerGraphNode, graph: OwnerGraph, absentOwners: Set<String>) -> GarbageCollectorResult {
        var solid: [OwnerReference] = []
        var dangling: [OwnerReference] = []
        var waiting: [OwnerReference] = []
        var lookups: [OwnerLookup] = []
        for ref in node.owners {
            if let owner = graph.node(uid: ref.uid), owner.observed {
                if owner.deletingDependents { waiting.append(ref) } else { solid.append(ref) }
            } else if absentOwners.contains(ref.uid) {
                dangling.append(ref)
            } else {
                let type = ResourceRegistry.resource(forKind: ref.kind, apiVersion: ref.apiVersion).map(ResourceType.init)
                let identity = ObjectIdentity(apiVersion: ref.apiVersion, kind: ref.kind,
                                              namespace: type?.namespaced == true ? node.identity.namespace : nil,
                                              name: ref.name, uid: ref.uid)
                lookups.append(OwnerLookup(owner: identity, resourceType: type))
            }
        }
        if !lookups.isEmpty { return GarbageCollectorResult(needsVerification: lookups) }
        guard let type = node.identity.resourceType else {
            return GarbageCollectorResult(errors: ["cannot address \(node.identity.kind) \(node.identity.apiVersion): not a known resource"])
        }
        if !solid.isEmpty {
            // Someone still owns it: only drop the references to owners that are gone or going.
            let drop = Set((dangling + waiting).map(\.uid))
            if drop.isEmpty { return GarbageCollectorResult() }
            return GarbageCollectorResult(actions: [removeOwnerReferences(drop, from: node, type: type)])
        }
        let hasDependents = !graph.dependents(of: node.identity.uid).isEmpty
        let policy: String
        if !waiting.isEmpty && hasDependents {
            // An owner waits for us in foreground deletion: our own dependents must go first too.
            policy = "Foreground"
        } else if node.finalizers.contains(orphanFinalizer) {
            policy = "Orphan"
        } else if node.finalizers.contains(foregroundFinalizer) {
            policy = "Foreground"
        } else {
            policy = "Background"
        }
        return GarbageCollectorResult(actions: [
            .delete(type, namespace: node.identity.namespace, name: node.identity.name,
                    options: DeleteOptions(propagationPolicy: policy, preconditionUID: node.identity.uid)),
        ])
    }

    // MARK: - Foreground

    /// Dependents are deleted by their own `process` (the owner counts as "waiting"); the owner's
    /// finalizer goes once no dependent with `blockOwnerDeletion` is left.
    private static func finishForeground(_ node: OwnerGraphNode, graph: OwnerGraph) -> GarbageCollectorResult {
        let blocking = graph.dependents(of: node.identity.uid).filter { dependent in
            dependent.observed && dependent.owners.contains { $0.uid == node.identity.uid && $0.blockOwnerDeletion }
        }
        guard blocking.isEmpty else { return GarbageCollectorResult() }
        guard let type = node.identity.resourceType else {
            return GarbageCollectorResult(errors: ["cannot address \(node.identity.kind) \(node.identity.apiVersion): not a known resource"])
        }
        return GarbageCollectorResult(actions: [removeFinalizer(foregroundFinalizer, from: node, type: type)])
    }

    // MARK: - Orphan

    private static func orphanDependents(of node: OwnerGraphNode, graph: OwnerGraph) -> GarbageCollectorResult {
        guard let ownerType = node.identity.resourceType else {
            return GarbageCollectorResult(errors: ["cannot address \(node.identity.kind) \(node.identity.apiVersion): not a known resource"])
        }
        var result = GarbageCollectorResult()
        for dependent in graph.dependents(of: node.identity.uid) where dependent.observed {
            guard let type = dependent.identity.resourceType else {
                result.errors.append("cannot orphan \(dependent.identity.kind) \(dependent.identity.name): not a known resource")
                continue
            }
            result.actions.append(removeOwnerReferences([node.identity.uid], from: dependent, type: type))
        }
        // With a dependent we could not address, keep the finalizer: orphaning must be complete.
        if result.errors.isEmpty { result.actions.append(removeFinalizer(orphanFinalizer, from: node, type: ownerType)) }
        return result
    }

    // MARK: - Patches

    /// A JSON patch that tests the current list first, so a concurrent writer makes it fail
    /// (the driver retries on fresh state) instead of being overwritten.
    static func removeOwnerReferences(_ uids: Set<String>, from node: OwnerGraphNode, type: ResourceType) -> ControllerAction {
        let remaining = node.owners.filter { !uids.contains($0.uid) }
        var ops: [JSON] = [
            ["op": "test", "path": "/metadata/uid", "value": .string(node.identity.uid)],
        ]
        if remaining.isEmpty {
            ops.append(["op": "remove", "path": "/metadata/ownerReferences"])
        } else {
            ops.append(["op": "replace", "path": "/metadata/ownerReferences", "value": .array(remaining.map(json))])
        }
        return .patch(type, namespace: node.identity.namespace, name: node.identity.name, patch: .array(ops),
                      patchType: .json, subresource: nil)
    }

    static func removeFinalizer(_ finalizer: String, from node: OwnerGraphNode, type: ResourceType) -> ControllerAction {
        let remaining = node.finalizers.filter { $0 != finalizer }
        var ops: [JSON] = [
            ["op": "test", "path": "/metadata/uid", "value": .string(node.identity.uid)],
            ["op": "test", "path": "/metadata/finalizers", "value": .array(node.finalizers.map(JSON.string))],
        ]
        if remaining.isEmpty {
            ops.append(["op": "remove", "path": "/metadata/finalizers"])
        } else {
            ops.append(["op": "replace", "path": "/metadata/finalizers", "value": .array(remaining.map(JSON.string))])
        }
        return .patch(type, namespace: node.identity.namespace, name: node.identity.name, patch: .array(ops),
                      patchType: .json, subresource: nil)
    }

    static func json(_ ref: OwnerReference) -> JSON {
        var object: JSONObject = ["apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind),
                                  "name": .string(ref.name), "uid": .string(ref.uid)]
        if ref.controller { object["controller"] = true }
        if ref.blockOwnerDeletion { object["blockOwnerDeletion"] = true }
        return .object(object)
    }
}
