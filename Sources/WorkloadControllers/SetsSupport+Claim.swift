import KubeAPI

/// Adoption and release of dependents, after upstream's `ControllerRefManager.ClaimObject`.
extension SetsSupport {
    /// The result of claiming: the objects the owner now controls and the writes that adopt orphans
    /// or release objects that stopped matching.
    struct Claim {
        var owned: [JSON] = []
        var actions: [ControllerAction] = []
    }

    /// Sorts `candidates` into the owner's dependents.
    ///
    /// - Objects controlled by the owner stay owned while the selector matches them; otherwise they
    ///   are released (the owner reference removed), unless the owner is being deleted.
    /// - Orphans that match the selector (and `filter`) are adopted, unless either side is being
    ///   deleted. Adopting writes the whole object back so a concurrent change conflicts instead of
    ///   being lost.
    /// - Objects controlled by someone else are ignored.
    static func claim(
        _ candidates: [JSON], owner: JSON, ownerKind: String, selector: LabelSelector,
        resource: ResourceType, filter: (JSON) -> Bool = { _ in true }
    ) -> Claim {
        var claim = Claim()
        let ownerUID = uid(owner)
        let ownerNamespace = namespace(owner)
        let ownerDeleting = isTerminating(owner)
        for object in candidates where namespace(object) == ownerNamespace {
            let matches = selector.matches(labels(object)) && filter(object)
            if let ref = controllerRef(object) {
                guard ref["uid"].stringValue == ownerUID else { continue }
                if matches || ownerDeleting {
                    if matches { claim.owned.append(object) }
                    continue
                }
                let released = removingOwnerReference(uid: ownerUID, from: object)
                claim.actions.append(metadataPatch(resource, from: object, to: released))
                continue
            }
            guard matches, !ownerDeleting, !isTerminating(object) else { continue }
            let ref = ownerReference(to: owner, apiVersion: "apps/v1", kind: ownerKind, controller: true)
            let adopted = addingOwnerReference(ref, to: object)
            claim.actions.append(metadataPatch(resource, from: object, to: adopted))
            claim.owned.append(adopted)
        }
        return claim
    }

    /// Parses a set's `spec.selector`; an empty selector is refused as the apiserver does for apps/v1.
    static func selector(of set: JSON) throws(SetsInputError) -> LabelSelector {
        let json = set[path: ["spec", "selector"]]
        let selector: LabelSelector
        do {
            selector = try LabelSelector(labelSelectorJSON: json)
        } catch {
            throw SetsInputError("invalid spec.selector: \(error.message)")
        }
        if selector.isNothing || selector.isEverything {
            throw SetsInputError("spec.selector must select some labels (an empty selector would adopt every pod)")
        }
        let templateLabels = labels(set[path: ["spec", "template"]])
        if !selector.matches(templateLabels) {
            throw SetsInputError("spec.selector does not match the template labels")
        }
        return selector
    }
}
