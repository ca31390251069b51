import KubeAPI

/// Owner references as the controllers use them: upstream's `metav1.GetControllerOf`,
/// `metav1.NewControllerRef` and the `ControllerRefManager`'s adopt and release patches.
public enum OwnerReferenceSupport {
    /// The owner reference with `controller: true`, if any.
    public static func controllerRef(of object: JSON) -> JSON? {
        object[path: ["metadata", "ownerReferences"]].arrayValue?.first { $0["controller"].boolValue == true }
    }

    /// The UID of the controlling owner, if any.
    public static func controllerUID(of object: JSON) -> String? {
        controllerRef(of: object)?["uid"].stringValue
    }

    /// A controller reference to `owner` (`controller: true`, `blockOwnerDeletion: true`).
    public static func makeControllerRef(owner: JSON, apiVersion: String, kind: String) -> JSON {
        [
            "apiVersion": .string(apiVersion),
            "kind": .string(kind),
            "name": .string(WorkloadMeta.name(owner)),
            "uid": .string(WorkloadMeta.uid(owner)),
            "controller": true,
            "blockOwnerDeletion": true,
        ]
    }

    /// The strategic-merge patch that adopts `object` (ownerReferences merge by uid; the object's
    /// own uid acts as a precondition so a recreated object of the same name is not adopted).
    public static func adoptionPatch(object: JSON, owner: JSON, apiVersion: String, kind: String) -> JSON {
        [
            "metadata": [
                "ownerReferences": [makeControllerRef(owner: owner, apiVersion: apiVersion, kind: kind)],
                "uid": .string(WorkloadMeta.uid(object)),
            ],
        ]
    }

    /// The strategic-merge patch that removes the owner reference with `ownerUID` from `object`.
    public static func releasePatch(object: JSON, ownerUID: String) -> JSON {
        [
            "metadata": [
                "ownerReferences": [["$patch": "delete", "uid": .string(ownerUID)]],
                "uid": .string(WorkloadMeta.uid(object)),
            ],
        ]
    }

    /// Outcome of claiming one object for a controller (upstream `ClaimObject`).
    public enum ClaimDecision: Sendable, Hashable {
        /// Already controlled by the owner and matching its selector.
        case owned
        /// An orphan that matches: adopt it with `adoptionPatch`.
        case adopt
        /// Controlled by the owner but no longer matching: release it with `releasePatch`.
        case release
        /// Not ours (another controller, or an orphan that does not match or is being deleted).
        case ignore
    }

    /// Upstream's claim rules: never adopt while the owner is being deleted, never adopt objects
    /// being deleted, never touch objects controlled by someone else.
    public static func claim(object: JSON, owner: JSON, matches: Bool) -> ClaimDecision {
        let ownerDeleting = WorkloadMeta.isBeingDeleted(owner)
        if let ref = controllerRef(of: object) {
            guard ref["uid"].stringValue == WorkloadMeta.uid(owner) else { return .ignore }
            if matches { return .owned }
            return ownerDeleting ? .ignore : .release
        }
        if ownerDeleting || !matches || WorkloadMeta.isBeingDeleted(object) { return .ignore }
        if WorkloadMeta.namespace(object) != WorkloadMeta.namespace(owner) { return .ignore }
        return .adopt
    }
}
