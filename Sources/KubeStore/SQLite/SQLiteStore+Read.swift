extension SQLiteStore {
    /// Live keys under `prefix` in key order. With `revision` nil (or equal to the current
    /// revision) the answer comes from memory; an older revision reads the SQLite history.
    /// `limit` nil or <= 0 means no limit.
    public func list(prefix: String, revision: Int64?, startAfter: String?, limit: Int?) async throws
        -> (items: [KeyValue], revision: Int64, more: Bool) {
        let limit = limit.flatMap { $0 > 0 ? $0 : nil }
        let fromMemory = try state.withLock { state throws -> (items: [KeyValue], revision: Int64, more: Bool)? in
            try state.checkOpen()
            if let revision, revision != state.currentRevision {
                guard revision >= 0 else { throw StoreError.backend("invalid list revision \(revision)") }
                if revision > state.currentRevision {
                    throw StoreError.futureRevision(requested: revision, current: state.currentRevision)
                }
                if revision < state.compactedRevision {
                    throw StoreError.compacted(requested: revision, oldest: state.compactedRevision)
                }
                return nil
            }
            let (items, more) = state.listLive(prefix: prefix, startAfter: startAfter, limit: limit)
            return (items, state.currentRevision, more)
        }
        if let fromMemory { return fromMemory }
        return try await listFromHistory(prefix: prefix, revision: revision ?? 0, startAfter: startAfter,
                                         limit: limit)
    }

    private func listFromHistory(prefix: String, revision: Int64, startAfter: String?, limit: Int?) async throws
        -> (items: [KeyValue], revision: Int64, more: Bool) {
        guard let range = Keys.range(forPrefix: prefix) else { return ([], revision, false) }
        var items = try await reader.run { db in
            try db.transaction { () throws -> [KeyValue] in
                try Self.checkNotCompacted(db, revision: revision)
                let rows = try db.statement(SQL.selectListAtRevision)
                defer { rows.reset() }
                try rows.bind(1, revision)
                try rows.bind(2, range.lower)
                try rows.bind(3, range.upper)
                try rows.bind(4, startAfter ?? "")
                // One extra row tells whether there are more.
                try rows.bind(5, limit.map { Int64($0) + 1 } ?? -1)
                var items: [KeyValue] = []
                while try rows.step() {
                    items.append(KeyValue(key: rows.text(1), value: rows.blob(3),
                                          createRevision: rows.int(2), modRevision: rows.int(0)))
                }
                return items
            }
        }
        var more = false
        if let limit, items.count > limit {
            items.removeLast(items.count - limit)
            more = true
        }
        return (items, revision, more)
    }

    /// Events with revisions in (`after`, `through`] for keys under `prefix`, oldest first, at most
    /// `limit`. Fails with `.compacted` when compaction has passed `after`: rows of that range may
    /// already be gone.
    func readEvents(prefix: String, after: Int64, through: Int64, limit: Int) async throws -> [StoreEvent] {
        guard let range = Keys.range(forPrefix: prefix) else { return [] }
        return try await reader.run { db in
            try db.transaction { () throws -> [StoreEvent] in
                try Self.checkNotCompacted(db, revision: after)
                let rows = try db.statement(SQL.selectEvents)
                defer { rows.reset() }
                try rows.bind(1, after)
                try rows.bind(2, through)
                try rows.bind(3, range.lower)
                try rows.bind(4, range.upper)
                try rows.bind(5, Int64(limit))
                var events: [StoreEvent] = []
                while try rows.step() { events.append(try Self.event(from: rows)) }
                return events
            }
        }
    }

    /// Same check as the in-memory one, inside the read transaction: a compaction that started after
    /// the caller checked must not make history silently incomplete.
    private static func checkNotCompacted(_ db: SQLiteConnection, revision: Int64) throws {
        let compacted = try db.scalar(SQL.selectCompactedRevision) ?? 0
        if revision < compacted { throw StoreError.compacted(requested: revision, oldest: compacted) }
    }

    /// Builds a watch event from a `SQL.selectEvents` row, in the same shape the writer emits live.
    private static func event(from row: Statement) throws -> StoreEvent {
        let revision = row.int(0)
        let key = row.text(1)
        let createRevision = row.int(4)
        if row.int(2) != 0 {
            let current = KeyValue(key: key, value: row.blob(5), createRevision: createRevision,
                                   modRevision: revision)
            return StoreEvent(kind: .created, current: current, previous: nil)
        }
        guard !row.isNull(6) else {
            throw StoreError.backend("history of \(key) at revision \(revision) lacks its previous value")
        }
        let previous = KeyValue(key: key, value: row.blob(8), createRevision: row.int(7), modRevision: row.int(6))
        if row.int(3) != 0 {
            var current = previous
            current.modRevision = revision
            current.createRevision = createRevision
            return StoreEvent(kind: .deleted, current: current, previous: previous)
        }
        let current = KeyValue(key: key, value: row.blob(5), createRevision: createRevision, modRevision: revision)
        return StoreEvent(kind: .updated, current: current, previous: previous)
    }
}
