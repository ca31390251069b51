import KubeAPI

/// One `metadata.ownerReferences` entry.
public struct OwnerReference: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool
    public var blockOwnerDeletion: Bool

    public init(apiVersion: String, kind: String, name: String, uid: String,
                controller: Bool = false, blockOwnerDeletion: Bool = false) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    /// Reads one entry; nil when a required field (apiVersion, kind, name, uid) is missing.
    public init?(json: JSON) {
        guard let apiVersion = json["apiVersion"].stringValue, let kind = json["kind"].stringValue,
              let name = json["name"].stringValue, let uid = json["uid"].stringValue, !uid.isEmpty else { return nil }
        self.init(apiVersion: apiVersion, kind: kind, name: name, uid: uid,
                  controller: json["controller"].boolValue ?? false,
                  blockOwnerDeletion: json["blockOwnerDeletion"].boolValue ?? false)
    }
}

/// The identity of an object in the owner graph.
public struct ObjectIdentity: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    /// nil for cluster-scoped objects (and for owners only known from a reference whose scope is unknown).
    public var namespace: String?
    public var name: String
    public var uid: String

    public init(apiVersion: String, kind: String, namespace: String?, name: String, uid: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    /// The resource to address this object with, from the built-in registry; nil for unknown kinds.
    public var resourceType: ResourceType? {
        ResourceRegistry.resource(forKind: kind, apiVersion: apiVersion).map(ResourceType.init)
    }
}

/// A node of the owner graph: an observed object, or a "virtual" one only referenced as an owner.
public struct OwnerGraphNode: Sendable, Hashable {
    public var identity: ObjectIdentity
    public var owners: [OwnerReference]
    /// False for owners we only know from a dependent's reference (never seen in a watch).
    public var observed: Bool
    public var beingDeleted: Bool
    public var finalizers: [String]

    /// Being deleted with the `foregroundDeletion` finalizer: waiting for its dependents.
    public var deletingDependents: Bool { beingDeleted && finalizers.contains(GarbageCollector.foregroundFinalizer) }
    public var orphaning: Bool { beingDeleted && finalizers.contains(GarbageCollector.orphanFinalizer) }
}

/// Every object's ownerReferences as a graph keyed by uid, built incrementally from the add, update
/// and delete events of any resource type (upstream's GraphBuilder). Mutations return the uids whose
/// garbage-collection state may have changed; the driver feeds those to `GarbageCollector.process`.
public struct OwnerGraph: Sendable {
    private(set) var nodes: [String: OwnerGraphNode] = [:]
    /// owner uid -> dependent uids.
    private(set) var dependentsByOwner: [String: Set<String>] = [:]

    public init() {}

    public func node(uid: String) -> OwnerGraphNode? { nodes[uid] }
    public var count: Int { nodes.count }

    /// The uids of the objects that list `uid` as an owner.
    public func dependents(of uid: String) -> [OwnerGraphNode] {
        (dependentsByOwner[uid] ?? []).sorted().compactMap { nodes[$0] }
    }

    /// Records an added or updated object. Objects without a uid or kind are ignored (empty result).
    @discardableResult
    public mutating func upsert(_ object: JSON) -> Set<String> {
        let uid = Meta.uid(object)
        guard !uid.isEmpty, let kind = object["kind"].stringValue, let apiVersion = object["apiVersion"].stringValue else { return [] }
        let owners = (object["metadata"]["ownerReferences"].arrayValue ?? []).compactMap(OwnerReference.init(json:))
        let identity = ObjectIdentity(apiVersion: apiVersion, kind: kind, namespace: Meta.namespace(object),
                                      name: Meta.name(object), uid: uid)
        let new = OwnerGraphNode(identity: identity, owners: owners, observed: true,
                                 beingDeleted: Meta.isDeleting(object), finalizers: Meta.finalizers(object))
        let old = nodes[uid]
        var dirty: Set<String> = []
        let oldOwners = Set((old?.owners ?? []).map(\.uid))
        let newOwners = Set(owners.map(\.uid))
        for gone in oldOwners.subtracting(newOwners) {
            dependentsByOwner[gone]?.remove(uid)
            dirty.insert(gone)  // an owner waiting in foreground deletion may now be unblocked
            dropVirtualIfUnused(gone)
        }
        for owner in owners where !oldOwners.contains(owner.uid) {
            dependentsByOwner[owner.uid, default: []].insert(uid)
            if nodes[owner.uid] == nil {
                // Unknown owner: remember it as virtual; processing the dependent verifies it.
                nodes[owner.uid] = OwnerGraphNode(
                    identity: ObjectIdentity(apiVersion: owner.apiVersion, kind: owner.kind, namespace: identity.namespace,
                                             name: owner.name, uid: owner.uid),
                    owners: [], observed: false, beingDeleted: false, finalizers: [])
            }
        }
        // Preserve the dependents of a node that was virtual until now.
        nodes[uid] = new
        if old == nil || old?.observed == false || old?.owners != owners || old?.beingDeleted != new.beingDeleted
            || old?.finalizers != new.finalizers {
            dirty.insert(uid)
        }
        if new.deletingDependents || new.orphaning {
            for dependent in dependentsByOwner[uid] ?? [] { dirty.insert(dependent) }
        }
        // A dependent that changed may unblock an owner in foreground deletion.
        for owner in owners where nodes[owner.uid]?.deletingDependents == true { dirty.insert(owner.uid) }
        return dirty
    }

    /// Records a deleted object; its dependents (and owners waiting for it) need processing.
    @discardableResult
    public mutating func remove(_ object: JSON) -> Set<String> {
        remove(uid: Meta.uid(object))
    }

    @discardableResult
    public mutating func remove(uid: String) -> Set<String> {
        guard let old = nodes[uid] else { return [] }
        var dirty = dependentsByOwner[uid] ?? []
        for owner in old.owners {
            dependentsByOwner[owner.uid]?.remove(uid)
            if nodes[owner.uid]?.deletingDependents == true { dirty.insert(owner.uid) }
            dropVirtualIfUnused(owner.uid)
        }
        if (dependentsByOwner[uid] ?? []).isEmpty {
            nodes[uid] = nil
            dependentsByOwner[uid] = nil
        } else {
            // Keep it as virtual (absent) while dependents still point at it.
            nodes[uid] = OwnerGraphNode(identity: old.identity, owners: [], observed: false, beingDeleted: false, finalizers: [])
        }
        return dirty
    }

    /// A virtual owner that no dependent references any more is forgotten.
    private mutating func dropVirtualIfUnused(_ uid: String) {
        if let node = nodes[uid], !node.observed, (dependentsByOwner[uid] ?? []).isEmpty {
            nodes[uid] = nil
            dependentsByOwner[uid] = nil
        }
    }
}
