import Synchronization

/// A work queue of keys with client-go's guarantees:
/// - a key queued several times is handed out once (dedup);
/// - a key being processed (between `get()` and `done(_:)`) is never handed out again; if it is
///   added meanwhile it runs once more after `done`;
/// - `addAfter` delays an add; `addRateLimited` delays it by the key's exponential backoff
///   (`ItemExponentialBackoff`), reset by `forget`;
/// - `shutDown()` wakes every waiting `get()` with nil; afterwards adds are ignored and `get()`
///   returns nil (keys still queued are dropped, so workers stop promptly).
///
/// Worker loop:
/// ```
/// while let key = await queue.get() {
///     defer { queue.done(key) }
///     do { try await sync(key); queue.forget(key) } catch { queue.addRateLimited(key) }
/// }
/// ```
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    struct State {
        var queue: [Key] = []
        var head = 0
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var shuttingDown = false
        var waiters: [(id: Int, continuation: CheckedContinuation<Key?, Never>)] = []
        var cancelledWaiters: Set<Int> = []
        var nextWaiterID = 0
        var limiter: ItemExponentialBackoff<Key>
        /// Keys with a pending delayed add, and when it fires; a later delay for the same key is dropped.
        var waiting: [Key: ContinuousClock.Instant] = [:]

        var count: Int { queue.count - head }

        mutating func pop() -> Key? {
            guard head < queue.count else { return nil }
            let key = queue[head]
            head += 1
            // Compact now and then so the array does not grow without bound.
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            dirty.remove(key)
            processing.insert(key)
            return key
        }
    }

    let state: Mutex<State>
    let clock = ContinuousClock()

    /// - Parameter rateLimiter: per-key backoff for `addRateLimited` (default 5 ms doubling to 1000 s).
    public init(rateLimiter: ItemExponentialBackoff<Key> = ItemExponentialBackoff()) {
        state = Mutex(State(limiter: rateLimiter))
    }

    /// Queues `key` unless it is already queued; a key being processed is re-queued at `done`.
    public func add(_ key: Key) {
        let handoff: (CheckedContinuation<Key?, Never>, Key)? = state.withLock { s in
            guard !s.shuttingDown, !s.dirty.contains(key) else { return nil }
            s.dirty.insert(key)
            if s.processing.contains(key) { return nil }
            s.queue.append(key)
            return s.wakeOne()
        }
        if let (continuation, key) = handoff { continuation.resume(returning: key) }
    }

    /// The next key, waiting for one if the queue is empty; nil once the queue is shut down
    /// (or if the calling task is cancelled while waiting). Call `done(_:)` when finished with it.
    public func get() async -> Key? {
        let id: Int = state.withLock { s in defer { s.nextWaiterID += 1 }; return s.nextWaiterID }
        let key = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate: Key?? = state.withLock { s in
                    if s.shuttingDown || s.cancelledWaiters.remove(id) != nil { return .some(nil) }
                    if let key = s.pop() { return .some(key) }
                    s.waiters.append((id, continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Key?, Never>? = state.withLock { s in
                if let index = s.waiters.firstIndex(where: { $0.id == id }) {
                    return s.waiters.remove(at: index).continuation
                }
                s.cancelledWaiters.insert(id)
                return nil
            }
            waiter?.resume(returning: nil)
        }
        state.withLock { _ = $0.cancelledWaiters.remove(id) }
        return key
    }

    /// Marks the end of processing `key`; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let handoff: (CheckedContinuation<Key?, Never>, Key)? = state.withLock { s in
            s.processing.remove(key)
            guard s.dirty.contains(key), !s.shuttingDown else { return nil }
            s.queue.append(key)
            return s.wakeOne()
        }
        if let (continuation, key) = handoff { continuation.resume(returning: key) }
    }

    /// Adds `key` after `delay` (at once when the delay is not positive). If the key already has a
    /// pending delayed add that fires sooner, this one is dropped.
    public func addAfter(_ key: Key, _ delay: Duration) {
        guard delay > .zero else { return add(key) }
        let deadline = clock.now.advanced(by: delay)
        let schedule = state.withLock { s -> Bool in
            guard !s.shuttingDown else { return false }
            if let existing = s.waiting[key], existing <= deadline { return false }
            s.waiting[key] = deadline
            return true
        }
        guard schedule else { return }
        Task { [self] in
            try? await Task.sleep(until: deadline, clock: clock)
            let fire = state.withLock { s -> Bool in
                // A sooner add for the same key replaced this one's deadline; only the owner fires.
                guard s.waiting[key] == deadline else { return false }
                s.waiting[key] = nil
                return true
            }
            if fire { add(key) }
        }
    }

    /// Adds `key` after its current backoff and increases the backoff (5 ms, 10 ms, 20 ms, ...).
    public func addRateLimited(_ key: Key) {
        let delay = state.withLock { $0.limiter.when(key) }
        addAfter(key, delay)
    }

    /// Resets the backoff of `key` (call after it was processed successfully).
    public func forget(_ key: Key) {
        state.withLock { $0.limiter.forget(key) }
    }

    /// How many times `key` was rate-limited since it was last forgotten.
    public func numRequeues(_ key: Key) -> Int {
        state.withLock { $0.limiter.numRequeues(key) }
    }

    /// Keys queued and not yet handed out.
    public var count: Int { state.withLock { $0.count } }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Stops the queue: waiting `get()` calls return nil, later adds are ignored.
    public func shutDown() {
        let waiters = state.withLock { s in
            s.shuttingDown = true
            s.queue.removeAll()
            s.head = 0
            s.dirty.removeAll()
            s.waiting.removeAll()
            defer { s.waiters.removeAll() }
            return s.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}

extension WorkQueue.State {
    /// If a `get()` is waiting, hands it the next key (returned so it is resumed outside the lock).
    mutating func wakeOne() -> (CheckedContinuation<Key?, Never>, Key)? {
        guard !waiters.isEmpty, let key = pop() else { return nil }
        return (waiters.removeFirst().continuation, key)
    }
}

/// Per-key exponential backoff: `base * 2^failures`, capped at `maximum` (client-go's
/// `ItemExponentialFailureRateLimiter`; its default is 5 ms to 1000 s).
public struct ItemExponentialBackoff<Key: Hashable & Sendable>: Sendable {
    public var base: Duration
    public var maximum: Duration
    var failures: [Key: Int] = [:]

    public init(base: Duration = .milliseconds(5), maximum: Duration = .seconds(1000)) {
        self.base = base > .zero ? base : .milliseconds(1)
        self.maximum = max(maximum, self.base)
    }

    /// The delay for the next retry of `key`; counts a failure.
    public mutating func when(_ key: Key) -> Duration {
        let exponent = failures[key, default: 0]
        failures[key] = exponent + 1
        // Compare in floating point first: the product can exceed what `Duration` holds.
        let factor = Double(Int64(1) << min(exponent, 62))
        guard base.fractionalSeconds * factor < maximum.fractionalSeconds else { return maximum }
        return base * factor
    }

    public mutating func forget(_ key: Key) {
        failures[key] = nil
    }

    public func numRequeues(_ key: Key) -> Int {
        failures[key, default: 0]
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var fractionalSeconds: Double {
        let (whole, atto) = components
        return Double(whole) + Double(atto) * 1e-18
    }
}

extension WorkQueue {
    /// The worker loop above: hands each key to `sync`; success forgets the key's backoff, an
    /// error is reported to `onError` and re-queues the key with backoff, cancellation ends the
    /// loop. Returns when the queue shuts down.
    public func processItems(sync: (Key) async throws -> Void,
                             onError: (Key, any Error) -> Void = { _, _ in }) async {
        while let key = await get() {
            do {
                try await sync(key)
                forget(key)
            } catch is CancellationError {
                done(key)
                return
            } catch {
                onError(key, error)
                addRateLimited(key)
            }
            done(key)
        }
    }
}
