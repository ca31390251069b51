#if canImport(Glibc)
import Glibc
#endif

extension SQLiteStore {
    /// Measures raw SQLite insert throughput, the ceiling the store's write path can reach.
    ///
    /// Creates a fresh database at `path` (an existing file there is replaced) with the store's
    /// PRAGMAs and schema, then inserts `count` log rows of `valueSize` bytes, `rowsPerTransaction`
    /// per transaction. `rowsPerTransaction: 1` is what one writer without group commit can do;
    /// a larger batch shows what group commit buys. Returns rows per second (wall clock).
    /// The files are removed afterwards. Blocking: call it from a benchmark, not a request path.
    public static func rawInsertBenchmark(path: String, count: Int, rowsPerTransaction: Int = 1,
                                          valueSize: Int = 1536) throws -> Double {
        guard count > 0, rowsPerTransaction > 0, valueSize >= 0 else {
            throw StoreError.backend("invalid benchmark parameters")
        }
        removeDatabaseFiles(path)
        defer { removeDatabaseFiles(path) }

        let db = try SQLiteConnection(path: path)
        defer { db.close() }
        for pragma in SQL.connectionPragmas(busyTimeoutMilliseconds: 5000) { try db.execute(pragma) }
        try db.execute(SQL.autoVacuum)
        try db.execute(SQL.journalModeWAL)
        try db.execute(SQL.createLog)
        try db.execute(SQL.createNameIndex)

        let value = [UInt8](repeating: 0x61, count: valueSize)
        let insert = try db.statement(SQL.insertRow)
        let start = systemClock()
        var revision: Int64 = 0
        while revision < count {
            try db.transaction(immediate: true) {
                for _ in 0..<min(rowsPerTransaction, count - Int(revision)) {
                    revision += 1
                    try insert.bind(1, revision)
                    try insert.bind(2, "/registry/bench/default/object-\(revision)")
                    try insert.bind(3, 1)
                    try insert.bind(4, 0)
                    try insert.bind(5, revision)
                    try insert.bind(6, 0)
                    try insert.bind(7, value)
                    try insert.bind(8, 0)
                    try insert.run()
                }
            }
        }
        let elapsed = systemClock() - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Double(count) / max(seconds, 1e-9)
    }

    /// Deletes a database and its WAL and shared-memory files, if present.
    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }
}
