import Glibc
import CSQLite
extension SQLiteStore {
    /// Drops the history up to `revision`: superseded rows and delete markers at or below it.
    /// The newest row of every key as of `revision` is kept, so a list at `revision` and a watch
    /// after it still work. A revision at or below the compacted one is a no-op.
    ///
    /// The compacted revision is recorded first (reads below it fail with `.compacted` from then
    /// on). Rows are then deleted in transactions of `compactionBatchSize` rows, each a separate
    /// writer turn so client writes are committed in between, and finally the freed pages are
    /// returned to the file system (incremental vacuum + TRUNCATE checkpoint), so the database and
    /// its WAL shrink without a manual VACUUM.
    public func compact(through revision: Int64) async throws {
        let needed = try state.withLock { state throws -> Bool in
            try state.checkOpen()
            if revision > state.currentRevision {
                throw StoreError.futureRevision(requested: revision, current: state.currentRevision)
            }
            return revision > state.compactedRevision
        }
        guard needed else { return }

        let swept = try await writer.run { db in
            try db.transaction(immediate: true) { () throws -> Int64 in
                let statement = try db.statement(SQL.upsertCompactedRevision)
                try statement.bind(1, revision)
                try statement.run()
                return try db.scalar(SQL.selectSweptRevision) ?? 0
            }
        }
        state.withLock { $0.compactedRevision = max($0.compactedRevision, revision) }

        var cursor = swept
        while cursor < revision {
            let (batchSize, from) = (options.compactionBatchSize, cursor)
            cursor = try await writer.run { db in
                try db.transaction(immediate: true) { () throws -> Int64 in
                    try Self.sweepBatch(db, after: from, target: revision, batchSize: batchSize)
                }
            }
        }
        try await writer.run { db in
            let statement = try db.statement(SQL.upsertSweptRevision)
            try statement.bind(1, revision)
            try statement.run()
            try db.execute(SQL.incrementalVacuum)
            truncateWAL(db)
        }
    }

    /// Deletes the compactable rows among the next `batchSize` rows after `after`; returns the
    /// revision the batch reached.
    private static func sweepBatch(_ db: SQLiteConnection, after: Int64, target: Int64, batchSize: Int) throws -> Int64 {
        let end = try db.statement(SQL.selectBatchEnd)
        try end.bind(1, after)
        try end.bind(2, target)
        try end.bind(3, Int64(batchSize - 1))
        let batchEnd = try end.step() ? end.int(0) : target
        end.reset()

        let superseded = try db.statement(SQL.deleteSupersededBySweep)
        try superseded.bind(1, after)
        try superseded.bind(2, batchEnd)
        try superseded.bind(3, after)
        try superseded.run()

        let compactable = try db.statement(SQL.deleteCompactable)
        try compactable.bind(1, after)
        try compactable.bind(2, batchEnd)
        try compactable.bind(3, target)
        try compactable.run()
        return batchEnd
    }

    /// Compacts the history that is older than both retention bounds (`retainRevisions` and
    /// `retainWindow`, by the injected clock). Returns the new compacted revision, or nil when
    /// nothing was old enough. Automatic compaction calls this every `compactionInterval`.
    @discardableResult
    public func compactExpiredHistory() async throws -> Int64? {
        let (current, compacted) = try state.withLock { state throws in
            try state.checkOpen()
            return (state.currentRevision, state.compactedRevision)
        }
        let revisionBound = current - options.retainRevisions
        guard revisionBound > compacted else { return nil }
        let cutoff = Self.milliseconds(options.clock() - options.retainWindow)
        let target = try await reader.run { db -> Int64? in
            let statement = try db.statement(SQL.selectNewestRevisionBefore)
            defer { statement.reset() }
            try statement.bind(1, revisionBound)
            try statement.bind(2, cutoff)
            return try statement.step() ? statement.int(0) : nil
        }
        guard let target, target > compacted else { return nil }
        try await compact(through: target)
        return target
    }

    /// Starts the periodic compaction loop (a sleeping task, so it costs nothing between runs).
    /// It holds the store weakly: dropping the store or `close()` ends it.
    func startAutomaticCompaction() {
        guard let interval = options.compactionInterval else { return }
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let store = self, !Task.isCancelled else { return }
                _ = try? await store.compactExpiredHistory()
            }
        }
        compactionTask.withLock { $0 = task }
    }
}

/// `wal_checkpoint(TRUNCATE)` answers SQLITE_BUSY at once, without the busy handler, while the
/// background checkpointer is copying frames; compaction then waits for it (briefly) so the WAL
/// really goes back to zero bytes.
func truncateWAL(_ db: SQLiteConnection, attempts: Int = 80) {
    guard let handle = db.rawHandle else { return }
    for _ in 0..<attempts {
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        if rc != SQLITE_BUSY && rc != SQLITE_LOCKED { return }
        usleep(25_000)
    }
}
