import Dispatch

/// One SQLite connection and the serial queue that owns it.
///
/// SQLite calls block their thread on disk I/O, so they never run on Swift's cooperative thread
/// pool: async callers hop onto the worker's dispatch queue and are resumed through a continuation.
final class SQLiteWorker: @unchecked Sendable {
    // @unchecked: `connection` is only touched on `queue`, which serialises every access.
    let queue: DispatchQueue
    private let connection: SQLiteConnection

    init(label: String, connection: SQLiteConnection) {
        self.queue = DispatchQueue(label: label, qos: .userInitiated)
        self.connection = connection
    }

    /// Runs `body` on the worker's queue and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.connection) })
            }
        }
    }

    /// Runs `body` on the worker's queue without waiting (callback-style internal work).
    func async(_ body: @escaping @Sendable (SQLiteConnection) -> Void) {
        queue.async { body(self.connection) }
    }

    /// Runs `body` on the worker's queue and blocks the caller until it is done. Only for `open`,
    /// which is synchronous by contract and runs before any task can use the store.
    func sync<T>(_ body: (SQLiteConnection) throws -> T) rethrows -> T {
        try queue.sync { try body(connection) }
    }
}

extension SQLiteConnection {
    /// Runs `body` inside a transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(immediate: Bool = false, _ body: () throws -> T) throws -> T {
        try execute(immediate ? SQL.beginImmediate : SQL.begin)
        do {
            let result = try body()
            try execute(SQL.commit)
            return result
        } catch {
            try? execute(SQL.rollback)
            throw error
        }
    }
}
