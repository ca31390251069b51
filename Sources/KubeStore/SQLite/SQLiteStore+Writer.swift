/// A client write waiting for the writer.
struct PendingWrite: Sendable {
    enum Operation: Sendable {
        case create(ValueEncoder)
        case update(expectedRevision: Int64?,
                    transform: @Sendable (_ current: KeyValue, _ revision: Int64) throws -> [UInt8]?)
        case delete(expectedRevision: Int64?)
    }

    var key: String
    var operation: Operation
    var continuation: CheckedContinuation<KeyValue, Error>
}

/// One row to append, planned by the writer for a write that passed validation.
private struct PlannedRow {
    var created: Bool
    var deleted: Bool
    var createRevision: Int64
    var previousRevision: Int64
    var value: [UInt8]
    /// What the caller gets back.
    var result: KeyValue
    var event: StoreEvent
}

/// Why a write was not turned into a row (the write fails, or succeeds without a change).
private enum Skip: Error {
    case failed(Error)
    /// `update` whose transform returned nil: nothing to write, the current value is the answer.
    case unchanged(KeyValue)
}

extension SQLiteStore {
    // MARK: KubeStore writes

    @discardableResult
    public func create(_ key: String, value: @escaping ValueEncoder) async throws -> KeyValue {
        try Keys.validate(key)
        return try await submit(key, .create(value))
    }

    /// Replaces `key`. A transform returning nil leaves the key unchanged: no revision is used, no
    /// event is emitted and the current value is returned.
    @discardableResult
    public func update(_ key: String, expectedRevision: Int64?,
                       transform: @escaping @Sendable (_ current: KeyValue, _ revision: Int64) throws -> [UInt8]?)
        async throws -> KeyValue {
        try Keys.validate(key)
        return try await submit(key, .update(expectedRevision: expectedRevision, transform: transform))
    }

    @discardableResult
    public func delete(_ key: String, expectedRevision: Int64?) async throws -> KeyValue {
        try Keys.validate(key)
        return try await submit(key, .delete(expectedRevision: expectedRevision))
    }

    /// Queues a write and waits until its transaction has committed (or it failed). A cancelled
    /// caller still has its write applied: once queued, a write is not withdrawn.
    private func submit(_ key: String, _ operation: PendingWrite.Operation) async throws -> KeyValue {
        try await withCheckedThrowingContinuation { continuation in
            let write = PendingWrite(key: key, operation: operation, continuation: continuation)
            let (accepted, wakeWriter) = state.withLock { state -> (Bool, Bool) in
                guard !state.closed else { return (false, false) }
                state.pending.append(write)
                guard !state.writerScheduled else { return (true, false) }
                state.writerScheduled = true
                return (true, true)
            }
            if !accepted { continuation.resume(throwing: StoreError.closed) }
            if wakeWriter { writer.async { self.drainWrites(on: $0) } }
        }
    }

    /// One writer wake-up: everything pending becomes one transaction. If more writes arrived
    /// meanwhile, another wake-up is queued behind whatever else waits for the writer (compaction
    /// batches), so neither starves the other.
    private func drainWrites(on db: SQLiteConnection) {
        let batch = state.withLock { state in
            let pending = state.pending
            state.pending.removeAll(keepingCapacity: true)
            return pending
        }
        if !batch.isEmpty { apply(batch, on: db) }
        let again = state.withLock { state in
            if state.pending.isEmpty { state.writerScheduled = false }
            return state.writerScheduled
        }
        if again { writer.async { self.drainWrites(on: $0) } }
    }

    /// Validates, encodes and inserts each write of `batch` in order inside one transaction,
    /// commits, publishes the changes, and only then resumes the callers.
    ///
    /// A write that fails validation or whose encoder throws fails alone and uses no revision, so
    /// revisions stay consecutive. An SQLite error fails every write of the batch (rolled back).
    func apply(_ batch: [PendingWrite], on db: SQLiteConnection) {
        var next = state.withLock { $0.currentRevision } + 1
        var outcomes = [Result<KeyValue, Error>?](repeating: nil, count: batch.count)
        // Values written earlier in this batch (nil: deleted) shadow the committed live view.
        var overlay: [String: KeyValue?] = [:]
        var changes: [(key: String, value: KeyValue?, event: StoreEvent)] = []
        let timestamp = nowMilliseconds()

        do {
            guard db.isOpen else { throw StoreError.closed }
            try db.execute(SQL.beginImmediate)
            do {
                let insert = try db.statement(SQL.insertRow)
                for (i, write) in batch.enumerated() {
                    let current: KeyValue?
                    if let shadowed = overlay[write.key] {
                        current = shadowed
                    } else {
                        current = state.withLock { $0.live[write.key] }
                    }
                    let row: PlannedRow
                    switch plan(write, current: current, revision: next) {
                    case .success(let planned): row = planned
                    case .failure(.failed(let error)): outcomes[i] = .failure(error); continue
                    case .failure(.unchanged(let value)): outcomes[i] = .success(value); continue
                    }
                    try insert.bind(1, next)
                    try insert.bind(2, write.key)
                    try insert.bind(3, row.created ? 1 : 0)
                    try insert.bind(4, row.deleted ? 1 : 0)
                    try insert.bind(5, row.createRevision)
                    try insert.bind(6, row.previousRevision)
                    try insert.bind(7, row.value)
                    try insert.bind(8, timestamp)
                    try insert.run()
                    let newValue: KeyValue? = row.deleted ? nil : row.result
                    overlay[write.key] = .some(newValue)
                    changes.append((write.key, newValue, row.event))
                    outcomes[i] = .success(row.result)
                    next += 1
                }
                try db.execute(SQL.commit)
            } catch {
                try? db.execute(SQL.rollback)
                throw error
            }
        } catch {
            // Nothing was committed: writes that would have succeeded fail with the backend error;
            // validation failures keep their own error.
            for i in outcomes.indices {
                if case .failure = outcomes[i] { continue }
                outcomes[i] = .failure(error)
            }
            changes.removeAll()
        }

        let wakeups = publish(changes)
        for wakeup in wakeups { wakeup.resume() }
        for (write, outcome) in zip(batch, outcomes) {
            write.continuation.resume(with: outcome ?? .failure(StoreError.backend("write not applied")))
        }
    }

    /// Makes committed changes visible: live view, revision, event ring and watchers, atomically
    /// under the state lock (a watch registering concurrently sees all of a batch or none of it).
    private func publish(_ changes: [(key: String, value: KeyValue?, event: StoreEvent)]) -> [WatcherWakeup] {
        guard !changes.isEmpty else { return [] }
        return state.withLock { state in
            for change in changes {
                state.applyCommitted(key: change.key, newValue: change.value)
                state.ring.append(change.event)
            }
            state.currentRevision = changes[changes.count - 1].event.revision
            return state.deliver(changes.map(\.event))
        }
    }

    /// Decides what row `write` appends given the key's current value, running the caller's
    /// encoder. Pure apart from the encoder; SQLite is not touched.
    private func plan(_ write: PendingWrite, current: KeyValue?, revision: Int64) -> Result<PlannedRow, Skip> {
        do {
            switch write.operation {
            case .create(let encode):
                if current != nil { throw StoreError.alreadyExists(key: write.key) }
                let value = try checkedSize(encode(revision))
                let result = KeyValue(key: write.key, value: value, createRevision: revision, modRevision: revision)
                return .success(PlannedRow(
                    created: true, deleted: false, createRevision: revision, previousRevision: 0, value: value,
                    result: result, event: StoreEvent(kind: .created, current: result, previous: nil)))

            case .update(let expected, let transform):
                let current = try check(current, key: write.key, expected: expected)
                guard let newValue = try transform(current, revision) else { return .failure(.unchanged(current)) }
                let value = try checkedSize(newValue)
                let result = KeyValue(key: write.key, value: value, createRevision: current.createRevision,
                                      modRevision: revision)
                return .success(PlannedRow(
                    created: false, deleted: false, createRevision: current.createRevision,
                    previousRevision: current.modRevision, value: value,
                    result: result, event: StoreEvent(kind: .updated, current: result, previous: current)))

            case .delete(let expected):
                let current = try check(current, key: write.key, expected: expected)
                var result = current
                result.modRevision = revision
                return .success(PlannedRow(
                    created: false, deleted: true, createRevision: current.createRevision,
                    previousRevision: current.modRevision, value: [],
                    result: result, event: StoreEvent(kind: .deleted, current: result, previous: current)))
            }
        } catch {
            return .failure(.failed(error))
        }
    }

    private func check(_ current: KeyValue?, key: String, expected: Int64?) throws -> KeyValue {
        guard let current else { throw StoreError.notFound(key: key) }
        if let expected, expected != current.modRevision {
            throw StoreError.conflict(key: key, currentRevision: current.modRevision)
        }
        return current
    }

    private func checkedSize(_ value: [UInt8]) throws -> [UInt8] {
        guard value.count <= options.maxValueBytes else {
            throw StoreError.backend("value of \(value.count) bytes exceeds the limit of \(options.maxValueBytes)")
        }
        return value
    }
}
