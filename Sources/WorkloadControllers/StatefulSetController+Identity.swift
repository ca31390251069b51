import KubeAPI

/// Pod and claim identities, after upstream's `stateful_set_utils.go`.
extension StatefulSetSpec {
    func podName(_ ordinal: Int) -> String { "\(name)-\(ordinal)" }

    /// The ordinal of a pod named `<set>-<n>`; nil for pods that are not members.
    func ordinal(of pod: JSON) -> Int? {
        let podName = SetsSupport.name(pod)
        let prefix = name + "-"
        guard podName.hasPrefix(prefix), let ordinal = Int(podName.dropFirst(prefix.count)), ordinal >= 0,
              String(ordinal) == podName.dropFirst(prefix.count) else { return nil }
        return ordinal
    }

    func claimName(template: JSON, ordinal: Int) -> String {
        "\(template[path: ["metadata", "name"]].stringValue ?? "")-\(podName(ordinal))"
    }

    /// A pod for `ordinal` from `template` (the template of `revisionName`): identity labels,
    /// hostname and subdomain, a controller reference, and one volume per claim template that
    /// replaces a template volume of the same name.
    func newPod(ordinal: Int, template: JSON, revisionName: String, owner: JSON) -> JSON {
        let podName = podName(ordinal)
        var metadata = template["metadata"].objectValue ?? [:]
        metadata.removeValue(forKey: "creationTimestamp")
        var labels = metadata["labels"]?.objectValue ?? [:]
        labels[StatefulSetController.podNameLabel] = .string(podName)
        labels[StatefulSetController.podIndexLabel] = .string(String(ordinal))
        labels[StatefulSetController.revisionLabel] = .string(revisionName)
        metadata["name"] = .string(podName)
        metadata["namespace"] = .string(namespace)
        metadata["labels"] = .object(labels)
        metadata.removeValue(forKey: "generateName")
        metadata["ownerReferences"] = [
            SetsSupport.ownerReference(to: owner, apiVersion: "apps/v1", kind: "StatefulSet", controller: true),
        ]
        var spec = template["spec"]
        if spec.isNull { spec = [:] }
        spec["hostname"] = .string(podName)
        if !serviceName.isEmpty { spec["subdomain"] = .string(serviceName) }
        if !claimTemplates.isEmpty {
            let claimVolumeNames = Set(claimTemplates.compactMap { $0[path: ["metadata", "name"]].stringValue })
            var volumes: [JSON] = claimTemplates.map { claimTemplate in
                [
                    "name": claimTemplate[path: ["metadata", "name"]],
                    "persistentVolumeClaim": ["claimName": .string(claimName(template: claimTemplate, ordinal: ordinal))],
                ]
            }
            for volume in spec["volumes"].arrayValue ?? [] {
                if let volumeName = volume["name"].stringValue, claimVolumeNames.contains(volumeName) { continue }
                volumes.append(volume)
            }
            spec["volumes"] = .array(volumes)
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": spec]
    }

    /// The claims for `ordinal`, named `<claim>-<set>-<ordinal>`, labelled with the set's
    /// `matchLabels` (as upstream) and owned by the set when `whenDeleted` is `Delete`.
    func newClaims(ordinal: Int, owner: JSON) -> [JSON] {
        let matchLabels = owner[path: ["spec", "selector", "matchLabels"]].objectValue ?? [:]
        return claimTemplates.map { template in
            var claim = template
            claim["apiVersion"] = "v1"
            claim["kind"] = "PersistentVolumeClaim"
            var metadata = template["metadata"].objectValue ?? [:]
            metadata["name"] = .string(claimName(template: template, ordinal: ordinal))
            metadata["namespace"] = .string(namespace)
            var labels = metadata["labels"]?.objectValue ?? [:]
            for (key, value) in matchLabels { labels[key] = value }
            metadata["labels"] = .object(labels)
            if deleteClaimsWithSet {
                metadata["ownerReferences"] = [
                    SetsSupport.ownerReference(to: owner, apiVersion: "apps/v1", kind: "StatefulSet", controller: false),
                ]
            }
            claim["metadata"] = .object(metadata)
            if case .object(var object) = claim { object.removeValue(forKey: "status"); claim = .object(object) }
            return claim
        }
    }

    /// The claim with its owner references fixed for the retention policy, as upstream's
    /// `updateClaimOwnerRefForSetAndPod`: owned by the set for `whenDeleted: Delete`; owned by the
    /// pod when the pod is condemned by a scale-down and `whenScaled: Delete` (so the garbage
    /// collector removes the claim with the pod). Nil when nothing changes.
    func claimWithRetentionRefs(_ claim: JSON, owner: JSON, pod: JSON, condemned: Bool) -> JSON? {
        var updated = claim
        let setUID = uid
        let podUID = SetsSupport.uid(pod)
        let wantSetRef = deleteClaimsWithSet && !(condemned && deleteClaimsOnScaleDown)
        let wantPodRef = condemned && deleteClaimsOnScaleDown && !podUID.isEmpty
        if wantSetRef, !SetsSupport.hasOwnerReference(updated, uid: setUID) {
            updated = SetsSupport.addingOwnerReference(
                SetsSupport.ownerReference(to: owner, apiVersion: "apps/v1", kind: "StatefulSet", controller: false), to: updated)
        } else if !wantSetRef, SetsSupport.hasOwnerReference(updated, uid: setUID) {
            updated = SetsSupport.removingOwnerReference(uid: setUID, from: updated)
        }
        if !podUID.isEmpty {
            if wantPodRef, !SetsSupport.hasOwnerReference(updated, uid: podUID) {
                updated = SetsSupport.addingOwnerReference(
                    SetsSupport.ownerReference(to: pod, apiVersion: "v1", kind: "Pod", controller: false), to: updated)
            } else if !wantPodRef, SetsSupport.hasOwnerReference(updated, uid: podUID) {
                updated = SetsSupport.removingOwnerReference(uid: podUID, from: updated)
            }
        }
        if updated == claim { return Optional<JSON>.none }
        return updated
    }

    /// The pod with its identity labels restored (hostname and subdomain are immutable on a pod,
    /// so only labels can be fixed in place, as upstream's update does in practice).
    func podWithIdentityLabels(_ pod: JSON, ordinal: Int) -> JSON {
        var updated = pod
        var labels = pod[path: ["metadata", "labels"]].objectValue ?? [:]
        labels[StatefulSetController.podNameLabel] = .string(podName(ordinal))
        labels[StatefulSetController.podIndexLabel] = .string(String(ordinal))
        updated["metadata"]["labels"] = .object(labels)
        return updated
    }
}
