extension ManagedFields {
    /// Upstream `DefaultMaxUpdateManagers`: more `Update` entries than this are folded together.
    public static let maxUpdateManagers = 10
    static let ancientChangesManager = "ancient-changes"

    /// Upstream `capManagersManager`: while there are too many `Update` entries, the oldest are
    /// merged, per apiVersion, into one `ancient-changes` entry (the first old entry of a version
    /// becomes that bucket when the second one arrives), so objects written by many clients do
    /// not grow without bound.
    static func capUpdateManagers(_ entries: inout [Entry]) {
        let updaters = entries.filter { $0.operation != "Apply" }
        guard updaters.count > maxUpdateManagers else { return }
        let oldestFirst = updaters.sorted { p, q in
            let (pt, qt) = (p.time ?? "", q.time ?? "")
            if pt != qt { return goLess(pt, qt) }
            return Entry.encodingOrder(p, q)
        }
        var length = updaters.count
        var firstOfVersion: [String: Entry] = [:]
        for old in oldestFirst where length > maxUpdateManagers {
            if old.manager == ancientChangesManager && old.operation == "Update" && (old.subresource ?? "").isEmpty {
                // An existing bucket is never merged into itself.
                if firstOfVersion[old.apiVersion] == nil { firstOfVersion[old.apiVersion] = old }
                continue
            }
            guard let first = firstOfVersion[old.apiVersion] else {
                firstOfVersion[old.apiVersion] = old
                continue
            }
            let bucket = Entry(manager: ancientChangesManager, operation: "Update", apiVersion: old.apiVersion,
                               time: nil, subresource: nil, fields: FieldSet())
            if !entries.contains(where: { $0.sameIdentity(as: bucket) }) {
                // The first old entry of this version becomes the bucket.
                if let index = entries.firstIndex(of: first) {
                    entries[index].manager = ancientChangesManager
                    entries[index].subresource = nil
                }
            }
            entries.removeAll { $0 == old }
            if let index = entries.firstIndex(where: { $0.sameIdentity(as: bucket) }) {
                entries[index].fields = entries[index].fields.union(old.fields)
                entries[index].time = old.time
            }
            length -= 1
        }
    }
}
