import FoundationEssentials
import KubeAPI

/// ControllerRevision snapshots of a set's pod template, after upstream's `pkg/controller/history`
/// and the StatefulSet/DaemonSet `getPatch` functions.
///
/// A revision's `data` is the strategic merge patch `{"spec":{"template":{...,"$patch":"replace"}}}`,
/// so `kubectl rollout undo` can apply it to the set as it is, and its name is `<set>-<hash>`.
enum RevisionHistory {
    /// The label that carries a revision's hash.
    static let hashLabel = "controller.kubernetes.io/hash"
    /// The default of `spec.revisionHistoryLimit`.
    static let defaultHistoryLimit = 10

    /// The revision data for a set: its template marked to replace the whole template when applied.
    static func snapshot(of set: JSON) -> JSON {
        var template = set[path: ["spec", "template"]]
        template["$patch"] = "replace"
        return ["spec": ["template": template]]
    }

    /// The pod template recorded in revision data (the `$patch` directive removed).
    static func template(fromData data: JSON) -> JSON {
        guard case .object(var template) = data[path: ["spec", "template"]] else { return .null }
        template.removeValue(forKey: "$patch")
        return .object(template)
    }

    /// FNV-1a (32 bit) of the data's canonical bytes and the collision count, encoded with the
    /// consonant-and-digit alphabet upstream's `rand.SafeEncodeString` uses, so names never spell words.
    static func hash(data: JSON, collisionCount: Int64) -> String {
        var hash: UInt32 = 2_166_136_261
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt32(byte)
                hash = hash &* 16_777_619
            }
        }
        mix(canonical(data).serialized())
        if collisionCount != 0 { mix(String(collisionCount).utf8) }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// Keys sorted at every level, so equal data hashes equally whatever order a client wrote.
    static func canonical(_ value: JSON) -> JSON {
        switch value {
        case .object(let object):
            var sorted = JSONObject()
            for key in object.keys.sorted() { sorted[key] = canonical(object[key]!) }
            return .object(sorted)
        case .array(let items): return .array(items.map(canonical))
        default: return value
        }
    }

    /// `<prefix>-<hash>`, the prefix cut so the name stays a valid 253-character name.
    static func revisionName(prefix: String, hash: String) -> String {
        "\(prefix.prefix(223))-\(hash)"
    }

    static func revisionNumber(_ revision: JSON) -> Int64 { revision["revision"].intValue ?? 0 }

    /// Oldest first: by revision number, then creation time, then name.
    static func sorted(_ revisions: [JSON]) -> [JSON] {
        revisions.sorted { lhs, rhs in
            let (l, r) = (revisionNumber(lhs), revisionNumber(rhs))
            if l != r { return l < r }
            let (lt, rt) = (SetsSupport.creationTimestamp(lhs), SetsSupport.creationTimestamp(rhs))
            if let lt, let rt, lt != rt { return lt < rt }
            return SetsSupport.name(lhs) < SetsSupport.name(rhs)
        }
    }

    /// Two revisions record the same template.
    static func equal(_ lhs: JSON, _ rhs: JSON) -> Bool {
        canonical(lhs["data"]).semanticallyEquals(canonical(rhs["data"]))
    }

    /// A new ControllerRevision object for `owner` (not yet stored).
    /// Labels are the template's plus `hashLabelKey` (`controller.kubernetes.io/hash` for
    /// StatefulSets, `controller-revision-hash` for DaemonSets, as upstream); annotations are the
    /// owner's, so `kubernetes.io/change-cause` shows in `kubectl rollout history`.
    static func newRevision(owner: JSON, ownerKind: String, hashLabelKey: String, data: JSON, revision: Int64,
                            collisionCount: Int64) -> JSON {
        let hash = hash(data: data, collisionCount: collisionCount)
        var labels = owner[path: ["spec", "template", "metadata", "labels"]].objectValue ?? [:]
        labels[hashLabelKey] = .string(hash)
        let ref = SetsSupport.ownerReference(to: owner, apiVersion: "apps/v1", kind: ownerKind, controller: true)
        return [
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": [
                "name": .string(revisionName(prefix: SetsSupport.name(owner), hash: hash)),
                "namespace": .string(SetsSupport.namespace(owner)),
                "labels": .object(labels),
                "annotations": owner[path: ["metadata", "annotations"]].isNull
                    ? [:] : owner[path: ["metadata", "annotations"]],
                "ownerReferences": [ref],
            ],
            "data": data,
            "revision": .int(revision),
        ]
    }

    /// The outcome of matching a set's template against its history.
    struct Resolution {
        /// The revision of the set's current template (existing, renumbered, or to be created).
        var updateRevision: JSON
        /// The collision count after resolving hash collisions; goes to `status.collisionCount`.
        var collisionCount: Int64
        /// The revisions after the writes below (sorted, oldest first).
        var revisions: [JSON]
        var actions: [ControllerAction] = []
    }

    /// Finds or makes the revision for the set's template, as upstream's `getStatefulSetRevisions` /
    /// `constructHistory`: an equal revision that is the latest is reused; an equal older one is
    /// renumbered as the newest (a rollback); otherwise a new revision is created, bumping the
    /// collision count while its name is taken by different data.
    ///
    /// - Parameters:
    ///   - owned: the revisions the set controls.
    ///   - hashLabelKey: the label that carries the hash (see `newRevision`).
    ///   - allByName: revisions of every owner in the namespace, by name, to detect name collisions.
    static func resolve(owner: JSON, ownerKind: String, hashLabelKey: String, owned: [JSON],
                        allByName: [String: JSON], collisionCount initialCount: Int64) -> Resolution {
        var revisions = sorted(owned)
        let data = snapshot(of: owner)
        let next = (revisions.last.map(revisionNumber) ?? 0) + 1
        var collisionCount = initialCount
        let probe = newRevision(owner: owner, ownerKind: ownerKind, hashLabelKey: hashLabelKey, data: data, revision: next, collisionCount: collisionCount)
        let namespace = SetsSupport.namespace(owner)

        if let latest = revisions.last, equal(latest, probe) {
            return Resolution(updateRevision: latest, collisionCount: collisionCount, revisions: revisions)
        }
        if let index = revisions.lastIndex(where: { equal($0, probe) }) {
            var renumbered = revisions.remove(at: index)
            renumbered["revision"] = .int(next)
            revisions.append(renumbered)
            return Resolution(updateRevision: renumbered, collisionCount: collisionCount, revisions: revisions,
                              actions: [.update(.controllerRevisions, namespace: namespace, object: renumbered)])
        }
        var candidate = probe
        // A taken name with other data is a hash collision: probe again with the next count.
        while let existing = allByName[SetsSupport.name(candidate)], !equal(existing, candidate) {
            collisionCount += 1
            candidate = newRevision(owner: owner, ownerKind: ownerKind, hashLabelKey: hashLabelKey, data: data, revision: next, collisionCount: collisionCount)
        }
        revisions.append(candidate)
        return Resolution(updateRevision: candidate, collisionCount: collisionCount, revisions: revisions,
                          actions: [.create(.controllerRevisions, namespace: namespace, object: candidate)])
    }

    /// Deletes the oldest revisions that are not `live` beyond `limit`, as upstream's
    /// `truncateHistory`/`cleanupHistory` (a revision still used by a pod is never deleted).
    static func truncate(_ revisions: [JSON], live: (JSON) -> Bool, limit: Int) -> [ControllerAction] {
        let history = sorted(revisions).filter { !live($0) }
        guard history.count > limit else { return [] }
        return history.prefix(history.count - limit).map {
            .delete(.controllerRevisions, namespace: SetsSupport.namespace($0), name: SetsSupport.name($0),
                    options: DeleteOptions())
        }
    }
}
