/// Everything the SQLite backend keeps in memory, guarded by the store's one `Mutex`.
///
/// Only the writer changes `live`, `index` and `currentRevision` (after a commit), so between two
/// write batches they are exactly the committed database.
struct StoreState: Sendable {
    /// Live keys and their values: `get` and latest `list` never touch SQLite.
    var live: [String: KeyValue]
    /// The same keys, sorted, for prefix lists with paging.
    var index: SortedKeyIndex
    var currentRevision: Int64
    var compactedRevision: Int64
    var ring: EventRing
    var watchers: [Int: WatcherState] = [:]
    var nextWatcherID = 0
    /// Writes waiting for the writer; `writerScheduled` is true while a drain is queued or running.
    var pending: [PendingWrite] = []
    var writerScheduled = false
    var closed = false

    init(loaded: LoadedState, ringCapacity: Int) {
        var live: [String: KeyValue] = [:]
        live.reserveCapacity(loaded.live.count)
        for value in loaded.live { live[value.key] = value }
        self.live = live
        self.index = SortedKeyIndex(sorted: loaded.live.sorted { $0.key < $1.key })
        self.currentRevision = loaded.currentRevision
        self.compactedRevision = loaded.compactedRevision
        self.ring = EventRing(capacity: ringCapacity, startRevision: loaded.currentRevision)
    }

    func checkOpen() throws {
        if closed { throw StoreError.closed }
    }

    /// Live keys under `prefix` in key order, after `startAfter`, at most `limit` (nil: all), and
    /// whether more keys follow.
    func listLive(prefix: String, startAfter: String?, limit: Int?) -> (items: [KeyValue], more: Bool) {
        guard let range = Keys.range(forPrefix: prefix) else { return ([], false) }
        var items: [KeyValue] = []
        var more = false
        let start: String
        let inclusive: Bool
        if let startAfter, startAfter >= range.lower {
            (start, inclusive) = (startAfter, false)
        } else {
            (start, inclusive) = (range.lower, true)
        }
        index.forEach(from: start, inclusive: inclusive, before: range.upper) { value in
            if let limit, items.count == limit {
                more = true
                return false
            }
            items.append(value)
            return true
        }
        return (items, more)
    }

    /// Applies a committed write to the live view.
    mutating func applyCommitted(key: String, newValue: KeyValue?) {
        if let newValue {
            live[key] = newValue
            index.upsert(newValue)
        } else if live.removeValue(forKey: key) != nil {
            index.remove(key)
        }
    }
}

/// What `open` reads from the database before the store starts.
struct LoadedState {
    var currentRevision: Int64
    var compactedRevision: Int64
    var live: [KeyValue]

    static func load(from db: SQLiteConnection) throws -> LoadedState {
        let current = try db.scalar(SQL.selectLastRevision) ?? 0
        let compacted = try db.scalar(SQL.selectCompactedRevision) ?? 0
        var live: [KeyValue] = []
        let rows = try db.statement(SQL.selectLiveRows)
        defer { rows.reset() }
        while try rows.step() {
            live.append(KeyValue(key: rows.text(1), value: rows.blob(3),
                                 createRevision: rows.int(2), modRevision: rows.int(0)))
        }
        return LoadedState(currentRevision: current, compactedRevision: compacted, live: live)
    }
}

extension SortedKeyIndex {
    /// Builds the index from values sorted by key (each insert then appends to the last chunk).
    init(sorted values: [KeyValue]) {
        self.init()
        for value in values { upsert(value) }
    }
}
