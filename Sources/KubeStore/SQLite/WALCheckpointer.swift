import CSQLite
import Dispatch
import Synchronization

/// Moves most of the WAL checkpoint work off the writer.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages, on the
/// writer's thread, and with `synchronous=NORMAL` it is the only step that fsyncs: every write of
/// that group commit waits for it. Instead the writer's WAL hook, past `threshold` pages, asks this
/// checkpointer to copy the WAL into the database on its own connection and queue while commits
/// continue. Frames committed meanwhile keep that checkpoint from being complete, and SQLite only
/// restarts the WAL from its beginning after a complete one, so once the background pass is done
/// the writer's next commit copies the small remainder itself: the WAL file then stays near
/// `threshold` pages instead of growing (k3s#3660). Past `hardLimit` pages (the background pass
/// cannot keep up) the writer checkpoints synchronously, as SQLite would.
final class WALCheckpointer: Sendable {
    private enum Phase { case idle, running, done }

    let worker: SQLiteWorker
    let threshold: Int32
    let hardLimit: Int32
    private let phase = Mutex(Phase.idle)

    init(worker: SQLiteWorker, threshold: Int32 = 1000, hardLimit: Int32 = 16000) {
        self.worker = worker
        self.threshold = threshold
        self.hardLimit = hardLimit
    }

    /// Replaces the automatic checkpoint of `db` (the writer) with this one's hook. The
    /// checkpointer must outlive the connection (the store owns both).
    func install(on db: SQLiteConnection) {
        db.setWALHook(context: Unmanaged.passUnretained(self).toOpaque()) { context, db, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
            if checkpointer.walGrew(to: pages) {
                // On the writer, right after its commit: what the default hook would do.
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }
    }

    /// Called on the writer after each commit; true when the writer should checkpoint now.
    private func walGrew(to pages: Int32) -> Bool {
        guard pages >= threshold else { return false }
        let (startBackground, finishHere) = phase.withLock { phase -> (Bool, Bool) in
            switch phase {
            case .idle:
                phase = .running
                return (true, false)
            case .running:
                return (false, pages >= hardLimit)
            case .done:
                phase = .idle
                return (false, true)
            }
        }
        if startBackground {
            worker.async { db in
                try? db.execute(SQL.checkpointPassive)
                self.phase.withLock { $0 = .done }
            }
        }
        return finishHere
    }
}

extension SQLiteConnection {
    typealias WALHook = @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32

    func setWALHook(context: UnsafeMutableRawPointer, _ hook: WALHook) {
        guard let handle = rawHandle else { return }
        sqlite3_wal_hook(handle, hook, context)
    }
}
