import CSQLite
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite backend of `KubeStore`: a kine-style append-only log with one embedded writer.
///
/// Threads and locks:
/// - All SQLite work runs on two dedicated serial queues, never on the cooperative pool: the
///   *writer* (every write transaction: group-committed client writes and compaction batches) and
///   the *reader* (history reads: lists at an old revision, watch replays, health pings).
/// - `state` (one `Mutex`) holds the in-memory view: live keys, the recent-event ring, watchers and
///   the queue of pending writes. Latest reads are served from it without touching SQLite.
///
/// Write path: a write joins `state.pending`; the writer wakes, takes every pending write, validates
/// and encodes each one in order inside ONE `BEGIN IMMEDIATE` transaction, commits, then publishes
/// the results to `state` and the watchers, and only then resumes the callers (see
/// `SQLiteStore+Writer.swift`).
///
/// Durability: WAL with `synchronous=NORMAL`. An acknowledged write survives a crash or `kill -9`
/// of the process; a power loss can lose the writes acknowledged since the last WAL checkpoint
/// (never corrupting the file).
public final class SQLiteStore: KubeStore {
    /// Tuning of retention, compaction and watch buffering.
    public struct Options: Sendable {
        /// How often automatic compaction runs; nil disables it (tests compact explicitly).
        public var compactionInterval: Duration? = .seconds(60)
        /// History younger than this is kept.
        public var retainWindow: Duration = .seconds(300)
        /// At least this many of the most recent revisions are kept. History is compacted only when it
        /// is older than both bounds, so whichever keeps more wins.
        public var retainRevisions: Int64 = 10_000
        /// Rows examined per compaction transaction, so compaction never holds the writer for long.
        public var compactionBatchSize: Int = 1000
        /// Recent events kept in memory for watches that resume from a recent revision.
        public var watchCacheCapacity: Int = 10_000
        /// Undelivered events a watcher may accumulate before its stream fails.
        public var maxWatcherBacklog: Int = 10_000
        /// Largest value accepted (Kubernetes rejects request bodies over 3 MiB).
        public var maxValueBytes: Int = 3 * 1024 * 1024
        /// How long SQLite waits for a lock held by another connection.
        public var busyTimeout: Duration = .seconds(5)
        /// Wall-clock time since the Unix epoch, stamped on each row for time-based retention.
        /// Injectable so tests can age history without sleeping.
        public var clock: @Sendable () -> Duration = SQLiteStore.systemClock

        public init() {}
    }

    let options: Options
    let path: String
    let writer: SQLiteWorker
    let reader: SQLiteWorker
    let checkpointer: WALCheckpointer
    let state: Mutex<StoreState>
    /// The automatic compaction loop, cancelled by `close()`.
    let compactionTask = Mutex<Task<Void, Never>?>(nil)

    private init(path: String, options: Options, writer: SQLiteWorker, reader: SQLiteWorker,
                 checkpointer: WALCheckpointer, state: StoreState) {
        self.path = path
        self.options = options
        self.writer = writer
        self.reader = reader
        self.checkpointer = checkpointer
        self.state = Mutex(state)
    }

    /// Opens (creating if needed) the database at `path`, loads the live keys into memory and starts
    /// automatic compaction. Blocks while loading; call it at start-up.
    public static func open(path: String, options: Options = Options()) throws -> SQLiteStore {
        guard options.compactionBatchSize > 0, options.retainRevisions >= 0, options.maxValueBytes > 0
        else { throw StoreError.backend("invalid SQLiteStore options") }
        let busy = Int(options.busyTimeout.components.seconds * 1000)
        let pragmas = SQL.connectionPragmas(busyTimeoutMilliseconds: busy)

        let writeConnection = try SQLiteConnection(path: path)
        for pragma in pragmas { try writeConnection.execute(pragma) }
        try writeConnection.execute(SQL.autoVacuum)
        try writeConnection.execute(SQL.journalModeWAL)
        try writeConnection.execute(SQL.journalSizeLimit)
        let loaded = try writeConnection.transaction(immediate: true) { () throws -> LoadedState in
            try writeConnection.execute(SQL.createLog)
            try writeConnection.execute(SQL.createNameIndex)
            try writeConnection.execute(SQL.createMeta)
            return try LoadedState.load(from: writeConnection)
        }

        let readConnection = try SQLiteConnection(path: path)
        for pragma in pragmas { try readConnection.execute(pragma) }
        try readConnection.execute(SQL.queryOnly)

        let checkpointConnection = try SQLiteConnection(path: path)
        for pragma in pragmas { try checkpointConnection.execute(pragma) }
        let checkpointer = WALCheckpointer(
            worker: SQLiteWorker(label: "swiftlet.store.checkpointer", connection: checkpointConnection))
        checkpointer.install(on: writeConnection)

        let state = StoreState(loaded: loaded, ringCapacity: options.watchCacheCapacity)
        let store = SQLiteStore(
            path: path, options: options,
            writer: SQLiteWorker(label: "swiftlet.store.writer", connection: writeConnection),
            reader: SQLiteWorker(label: "swiftlet.store.reader", connection: readConnection),
            checkpointer: checkpointer, state: state)
        store.startAutomaticCompaction()
        return store
    }

    deinit {
        compactionTask.withLock { $0?.cancel() }
    }

    // MARK: KubeStore

    public func currentRevision() async throws -> Int64 {
        try state.withLock { state in
            try state.checkOpen()
            return state.currentRevision
        }
    }

    public func compactedRevision() async throws -> Int64 {
        try state.withLock { state in
            try state.checkOpen()
            return state.compactedRevision
        }
    }

    public func get(_ key: String) async throws -> KeyValue? {
        try state.withLock { state in
            try state.checkOpen()
            return state.live[key]
        }
    }

    public func close() async {
        let waiters = state.withLock { state in
            state.closed = true
            return state.finishAllWatchers()
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        compactionTask.withLock { task in
            task?.cancel()
            task = nil
        }
        // Writes accepted before `closed` was set still commit: apply whatever is pending, then
        // checkpoint so the WAL is empty and close. Compaction batches queued later find the
        // connection closed and stop.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            writer.async { db in
                while true {
                    let batch = self.state.withLock { state in
                        let pending = state.pending
                        state.pending.removeAll()
                        return pending
                    }
                    if batch.isEmpty { break }
                    self.apply(batch, on: db)
                }
                truncateWAL(db, attempts: 8)
                db.close()
                continuation.resume()
            }
        }
        for worker in [reader, checkpointer.worker] {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                worker.async { db in
                    db.close()
                    continuation.resume()
                }
            }
        }
    }

    // MARK: Health and metrics

    /// True when SQLite answers a trivial read (for `/readyz`).
    public func ping() async -> Bool {
        guard (try? state.withLock({ try $0.checkOpen() })) != nil else { return false }
        let answer = try? await reader.run { db in try db.scalar(SQL.ping) }
        return answer != nil
    }

    /// Bytes on disk: the database file plus its WAL.
    public var databaseSize: Int {
        Self.fileSize(path) + Self.fileSize(path + "-wal")
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// The real wall clock, since the Unix epoch.
    public static let systemClock: @Sendable () -> Duration = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    /// `clock()` in whole milliseconds, the unit of the `ts` column.
    func nowMilliseconds() -> Int64 {
        Self.milliseconds(options.clock())
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension StoreError {
    static let closed = StoreError.backend("the store is closed")
}
