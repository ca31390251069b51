import Synchronization

extension SQLiteStore {
    /// Events under `prefix` after `afterRevision`: first the history, then live commits.
    ///
    /// The live subscription is registered under the state lock in the same step that fixes where
    /// the history ends (the ring's content, or `currentRevision` for an SQLite replay), so every
    /// revision is delivered exactly once. History is read page by page as the consumer iterates,
    /// so a long replay costs no memory up front. A consumer that falls more than
    /// `maxWatcherBacklog` live events behind gets a `.backend` error.
    ///
    /// The stream supports one consumer. It ends when the consumer stops iterating (task cancelled
    /// or stream released) or the store closes.
    public func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<StoreEvent, Error> {
        let subscription = try subscribe(prefix: prefix, afterRevision: afterRevision)
        return AsyncThrowingStream(unfolding: { try await subscription.next() })
    }

    /// As `watch`, with the events that are ready taken together: a commit of many writes reaches
    /// the consumer as one batch.
    public func watchBatches(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<[StoreEvent], Error> {
        let subscription = try subscribe(prefix: prefix, afterRevision: afterRevision)
        return AsyncThrowingStream(unfolding: { try await subscription.nextBatch() })
    }

    private func subscribe(prefix: String, afterRevision: Int64) throws -> WatchSubscription {
        guard afterRevision >= 0 else {
            throw StoreError.backend("invalid watch revision \(afterRevision)")
        }
        let (id, replayEnd) = try state.withLock { state throws -> (Int, Int64) in
            try state.checkOpen()
            guard afterRevision >= state.compactedRevision else {
                throw StoreError.compacted(requested: afterRevision, oldest: state.compactedRevision)
            }
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            var initial: [StoreEvent] = []
            var replayEnd = afterRevision
            if afterRevision >= state.ring.startRevision {
                initial = state.ring.events(after: afterRevision, prefix: prefix)
            } else {
                // Older than the ring: (afterRevision, currentRevision] comes from SQLite, every later
                // commit from the live queue.
                replayEnd = state.currentRevision
            }
            state.watchers[id] = WatcherState(prefix: prefix, afterRevision: max(afterRevision, replayEnd),
                                              backlogLimit: options.maxWatcherBacklog, initial: initial)
            return (id, replayEnd)
        }
        return WatchSubscription(store: self, id: id, prefix: prefix, after: afterRevision, replayEnd: replayEnd)
    }

    /// The next live event of watcher `id`, waiting for a commit if none is buffered.
    fileprivate func nextLiveEvent(watcher id: Int) async throws -> StoreEvent? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<StoreEvent?, Error>) in
                let poll = state.withLock { state -> WatcherState.Poll in
                    state.watchers[id]?.poll(waiter: continuation) ?? .end
                }
                switch poll {
                case .event(let event): continuation.resume(returning: event)
                case .end: continuation.resume(returning: nil)
                case .failed(let error): continuation.resume(throwing: error)
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.watchers[id]?.cancel() }
            waiter?.resume(returning: nil)
        }
    }

    /// Live events of watcher `id` already buffered, without waiting.
    fileprivate func bufferedLiveEvents(watcher id: Int, limit: Int) -> [StoreEvent] {
        state.withLock { $0.watchers[id]?.drain(limit: limit) ?? [] }
    }

    fileprivate func removeWatcher(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<StoreEvent?, Error>? in
            guard var watcher = state.watchers.removeValue(forKey: id) else { return nil }
            return watcher.cancel()
        }
        waiter?.resume(returning: nil)
    }

    fileprivate var isClosed: Bool { state.withLock { $0.closed } }
}

/// The consumer side of one watch: replays history pages from SQLite, then drains the live queue.
/// Releasing it (the stream is dropped) unregisters the watcher.
private final class WatchSubscription: Sendable {
    private struct Replay {
        var cursor: Int64
        var page: [StoreEvent] = []
        var index = 0
        var done = false
    }

    static let pageSize = 256

    let store: SQLiteStore
    let id: Int
    let prefix: String
    let replayEnd: Int64
    private let replay: Mutex<Replay>

    init(store: SQLiteStore, id: Int, prefix: String, after: Int64, replayEnd: Int64) {
        self.store = store
        self.id = id
        self.prefix = prefix
        self.replayEnd = replayEnd
        self.replay = Mutex(Replay(cursor: after, done: after >= replayEnd))
    }

    deinit { store.removeWatcher(id) }

    func next() async throws -> StoreEvent? {
        do {
            if let event = try await nextFromHistory() { return event }
            let event = try await store.nextLiveEvent(watcher: id)
            if event == nil { store.removeWatcher(id) }
            return event
        } catch {
            store.removeWatcher(id)
            if store.isClosed { return nil }
            throw error
        }
    }

    /// The next event and whatever follows it without waiting: the rest of the history page, or
    /// the live events buffered behind it. nil at the end of the stream.
    func nextBatch() async throws -> [StoreEvent]? {
        guard let first = try await next() else { return nil }
        var batch = [first]
        let rest = replay.withLock { replay -> [StoreEvent] in
            guard replay.index < replay.page.count else { return [] }
            defer { replay.index = replay.page.count }
            return Array(replay.page[replay.index...])
        }
        if !rest.isEmpty {
            batch.append(contentsOf: rest)
        } else if replay.withLock({ $0.done && $0.index >= $0.page.count }) {
            batch.append(contentsOf: store.bufferedLiveEvents(watcher: id, limit: Self.pageSize))
        }
        return batch
    }

    private func nextFromHistory() async throws -> StoreEvent? {
        while true {
            let (event, cursor, done) = replay.withLock { replay -> (StoreEvent?, Int64, Bool) in
                if replay.index < replay.page.count {
                    replay.index += 1
                    return (replay.page[replay.index - 1], replay.cursor, replay.done)
                }
                return (nil, replay.cursor, replay.done)
            }
            if let event { return event }
            if done { return nil }
            let page = try await store.readEvents(prefix: prefix, after: cursor, through: replayEnd,
                                                  limit: Self.pageSize)
            replay.withLock { replay in
                replay.page = page
                replay.index = 0
                // A short page means the range is exhausted.
                replay.cursor = page.count < Self.pageSize ? replayEnd : page[page.count - 1].revision
                replay.done = replay.cursor >= replayEnd
            }
        }
    }
}
