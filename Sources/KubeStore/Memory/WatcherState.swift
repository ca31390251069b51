/// One watcher's live side: events committed after it registered, waiting for its consumer.
struct WatcherState: Sendable {
    let prefix: String
    /// Only events with a revision above this are for this watcher.
    let afterRevision: Int64
    /// Buffered events beyond this many mean the consumer has fallen behind.
    let backlogLimit: Int
    private var queue: [StoreEvent] = []
    private var head = 0
    /// The consumer waiting for the next event, when the queue is empty.
    private var waiter: CheckedContinuation<StoreEvent?, Error>?
    private var failure: StoreError?
    private var ended = false

    init(prefix: String, afterRevision: Int64, backlogLimit: Int, initial: [StoreEvent]) {
        self.prefix = prefix
        self.afterRevision = afterRevision
        // Events replayed from the ring at registration do not count against the live backlog.
        self.backlogLimit = backlogLimit + initial.count
        self.queue = initial
    }

    private var buffered: Int { queue.count - head }

    enum Poll {
        case event(StoreEvent)
        case end
        case failed(Error)
        case waiting
    }

    /// The next buffered event, the end of the stream, or `.waiting` after storing `waiter`.
    mutating func poll(waiter: CheckedContinuation<StoreEvent?, Error>) -> Poll {
        if let failure { return .failed(failure) }
        if head < queue.count {
            let event = queue[head]
            head += 1
            // Reclaim the consumed front once it dominates the array.
            if head >= 1024, head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return .event(event)
        }
        if ended { return .end }
        self.waiter = waiter
        return .waiting
    }

    /// Takes every buffered event (none when the stream failed or ended: `poll` reports that).
    mutating func drain(limit: Int) -> [StoreEvent] {
        guard failure == nil, head < queue.count else { return [] }
        let end = min(queue.count, head + limit)
        let events = Array(queue[head..<end])
        head = end
        if head == queue.count {
            queue.removeAll(keepingCapacity: queue.count <= 1024)
            head = 0
        }
        return events
    }

    /// Hands `event` to the waiting consumer, or buffers it. A consumer more than `backlogLimit`
    /// events behind gets an error instead of unbounded memory; it can watch again from the last
    /// revision it saw and catch up from history.
    mutating func offer(_ event: StoreEvent) -> WatcherWakeup? {
        guard failure == nil, !ended, event.revision > afterRevision,
              Keys.hasPrefix(event.current.key, prefix) else { return nil }
        if let waiter, buffered == 0 {
            self.waiter = nil
            return WatcherWakeup(continuation: waiter, result: .success(event))
        }
        queue.append(event)
        if buffered > backlogLimit {
            queue = []
            head = 0
            failure = .backend("watch of \"\(prefix)\" fell more than \(backlogLimit) events behind; watch again from the last revision received")
        }
        return nil
    }

    /// Ends the stream after the buffered events (store closing); returns a waiting consumer.
    mutating func end() -> CheckedContinuation<StoreEvent?, Error>? {
        ended = true
        defer { waiter = nil }
        return waiter
    }

    /// The consumer's task was cancelled: end now and return the consumer if it was waiting.
    mutating func cancel() -> CheckedContinuation<StoreEvent?, Error>? {
        ended = true
        queue = []
        head = 0
        defer { waiter = nil }
        return waiter
    }
}

/// A consumer to resume once the state lock is released.
struct WatcherWakeup: Sendable {
    var continuation: CheckedContinuation<StoreEvent?, Error>
    var result: Result<StoreEvent?, Error>

    func resume() { continuation.resume(with: result) }
}

extension StoreState {
    /// Offers committed events, in revision order, to every watcher.
    mutating func deliver(_ events: [StoreEvent]) -> [WatcherWakeup] {
        var wakeups: [WatcherWakeup] = []
        // Walk by index and mutate in place: iterating `watchers` itself would copy the dictionary.
        var i = watchers.startIndex
        while i != watchers.endIndex {
            for event in events {
                if let wakeup = watchers.values[i].offer(event) { wakeups.append(wakeup) }
            }
            i = watchers.index(after: i)
        }
        return wakeups
    }

    /// Ends every watcher (the store is closing) and returns the consumers to resume with nil.
    mutating func finishAllWatchers() -> [CheckedContinuation<StoreEvent?, Error>] {
        var waiters: [CheckedContinuation<StoreEvent?, Error>] = []
        var i = watchers.startIndex
        while i != watchers.endIndex {
            if let waiter = watchers.values[i].end() { waiters.append(waiter) }
            i = watchers.index(after: i)
        }
        return waiters
    }
}
