import CSQLite

/// Tells SQLite to copy bound text and blobs, so Swift buffers need not outlive the bind call.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A thin wrapper over one `sqlite3` connection.
///
/// Not thread-safe by design: each connection is confined to one serial queue (see `SQLiteWorker`),
/// which is why it is opened with `SQLITE_OPEN_NOMUTEX`.
final class SQLiteConnection {
    private var handle: OpaquePointer?
    /// Prepared statements by SQL text: the same few statements run for the life of the store.
    private var statements: [String: Statement] = [:]

    init(path: String, readOnly: Bool = false) throws {
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError.backend("cannot open \(path): \(message) (\(rc))")
        }
        handle = db
    }

    deinit { close() }

    /// Closes the connection. Without an explicit checkpoint SQLite checkpoints the WAL itself when
    /// the last connection to a database closes.
    func close() {
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    var isOpen: Bool { handle != nil }

    /// The C handle, for the few APIs this wrapper does not cover (WAL hook).
    var rawHandle: OpaquePointer? { handle }

    private func db() throws -> OpaquePointer {
        guard let handle else { throw StoreError.backend("the store is closed") }
        return handle
    }

    /// Runs SQL text that returns no rows we need (DDL, PRAGMAs, transaction control).
    func execute(_ sql: String) throws {
        let db = try db()
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    /// A cached prepared statement, reset and with its bindings cleared.
    func statement(_ sql: String) throws -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let db = try db()
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc, sql) }
        let statement = Statement(raw: raw, connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs a query whose first row's first column is an integer, or nil when it returns no row.
    func scalar(_ sql: String) throws -> Int64? {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.int(0) : nil
    }

    func error(_ rc: Int32, _ sql: String) -> StoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        let firstLine = sql.split(separator: "\n").first.map(String.init) ?? sql
        return StoreError.backend("sqlite error \(rc) (\(message)) in: \(firstLine)")
    }
}

/// A prepared statement of a `SQLiteConnection`; binds and reads columns by 1-/0-based index
/// exactly as the C API does.
final class Statement {
    private var raw: OpaquePointer?
    private unowned let connection: SQLiteConnection
    private let sql: String

    init(raw: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.raw = raw
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(raw) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(raw, index, value))
    }

    func bind(_ index: Int32, _ value: String) throws {
        try check(sqlite3_bind_text(raw, index, value, -1, transient))
    }

    func bind(_ index: Int32, _ value: [UInt8]) throws {
        let rc = value.withUnsafeBytes { buffer in
            // A zero-length blob must still be a blob (not NULL): give SQLite a valid pointer.
            sqlite3_bind_blob(raw, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                              Int32(buffer.count), transient)
        }
        try check(rc)
    }

    /// Advances to the next row: true when a row is available, false when the statement is done.
    func step() throws -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, sql)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(raw, column) else { return "" }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8] {
        // Per the C API, fetch the pointer first, then its size.
        let bytes = sqlite3_column_blob(raw, column)
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }
}
