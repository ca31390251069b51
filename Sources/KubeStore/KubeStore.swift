/// One key's value at one revision.
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    /// Revision of the write that created the key (stays fixed across updates).
    public var createRevision: Int64
    /// Revision of the write that produced this value. Kubernetes' `resourceVersion`.
    public var modRevision: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// A change to one key, emitted after the write that made it has committed.
public struct StoreEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case created, updated, deleted }
    public var kind: Kind
    /// For created/updated: the new value. For deleted: the last value, with `modRevision` set to the
    /// revision of the delete.
    public var current: KeyValue
    /// The value before this change (nil for created).
    public var previous: KeyValue?

    public init(kind: Kind, current: KeyValue, previous: KeyValue?) {
        self.kind = kind
        self.current = current
        self.previous = previous
    }

    public var revision: Int64 { current.modRevision }
}

/// Errors of the store; the API layer maps them to `Status` objects.
public enum StoreError: Error, Sendable, Hashable {
    /// `create` of a key that exists.
    case alreadyExists(key: String)
    /// `update`/`delete` of a key that does not exist.
    case notFound(key: String)
    /// `update`/`delete` with an expected revision that is not the key's current `modRevision`.
    case conflict(key: String, currentRevision: Int64)
    /// A watch or list from a revision older than the compacted history.
    case compacted(requested: Int64, oldest: Int64)
    /// A list at a revision newer than the store's current revision.
    case futureRevision(requested: Int64, current: Int64)
    /// The backend failed (I/O, corruption, closed).
    case backend(String)
}

/// The producer of a value to be written: it receives the revision the write will have, so the
/// stored bytes can carry their own `resourceVersion`. Throwing cancels the write.
public typealias ValueEncoder = @Sendable (_ revision: Int64) throws -> [UInt8]

/// A revisioned key-value log: every write gets the next global revision; watches replay history
/// from a revision and then follow commits. This is the only thing the API server knows about
/// storage, so an etcd backend can replace SQLite behind it.
public protocol KubeStore: Sendable {
    /// The revision of the latest committed write (0 for an empty store).
    func currentRevision() async throws -> Int64
    /// The oldest revision a watch can start after (history before it is compacted).
    func compactedRevision() async throws -> Int64

    func get(_ key: String) async throws -> KeyValue?
    /// Live keys under `prefix` in key order, as of `revision` (nil: latest), with the revision
    /// the answer is consistent with. `limit`/`startAfter` page through the keys.
    func list(prefix: String, revision: Int64?, startAfter: String?, limit: Int?) async throws
        -> (items: [KeyValue], revision: Int64, more: Bool)

    /// Creates `key`; fails with `.alreadyExists` if it is live.
    func create(_ key: String, value: @escaping ValueEncoder) async throws -> KeyValue
    /// Replaces `key`. With `expectedRevision` the write fails with `.conflict` unless the
    /// current `modRevision` matches. The encoder also receives the current value to transform
    /// (read-modify-write under the writer lock, so no lost updates).
    func update(_ key: String, expectedRevision: Int64?,
                transform: @escaping @Sendable (_ current: KeyValue, _ revision: Int64) throws -> [UInt8]?) async throws -> KeyValue
    /// Deletes `key`, returning its last value (with `modRevision` = the delete's revision).
    func delete(_ key: String, expectedRevision: Int64?) async throws -> KeyValue

    /// Events for keys under `prefix` with revision > `afterRevision`, first from history, then live.
    /// Fails with `.compacted` if `afterRevision` is older than the history kept. The stream ends
    /// when the consumer stops iterating or the store closes.
    func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<StoreEvent, Error>

    /// The events of `watch`, in the same order, grouped: each element holds the events that were
    /// ready when the consumer asked (never empty), so a consumer can pass them on in one write.
    func watchBatches(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<[StoreEvent], Error>

    /// Drops history up to `revision` (live values are kept) and reclaims space.
    func compact(through revision: Int64) async throws

    func close() async
}

extension KubeStore {
    /// One event per batch, for stores that cannot do better.
    public func watchBatches(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<[StoreEvent], Error> {
        let events = try await watch(prefix: prefix, afterRevision: afterRevision)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in events { continuation.yield([event]) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
