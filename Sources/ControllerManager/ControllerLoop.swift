import FoundationEssentials
import KubeAPI
import KubeClient
import Logging

/// One control loop: a rate-limited work queue of keys fed by informer handlers, and workers that
/// run `sync` on each key.
///
/// `sync` returns when the key should be looked at again without a watch event (`requeueAfter`
/// of the reconcile functions), or nil; it throws when a write failed, and the key is then retried
/// with per-key exponential backoff (5 ms doubling to 1000 s, reset by a clean sync).
public final class ControllerLoop: Sendable {
    public typealias Sync = @Sendable (_ key: String) async throws -> Duration?

    public let name: ControllerName
    public let queue: WorkQueue<String>
    let workers: Int
    let sync: Sync
    let logger: Logger

    public init(name: ControllerName, workers: Int, logger: Logger, sync: @escaping Sync) {
        self.name = name
        self.queue = WorkQueue<String>()
        self.workers = max(1, workers)
        self.sync = sync
        self.logger = logger
    }

    /// Queues a key (an empty key is ignored: objects without a name never reach a loop).
    public func enqueue(_ key: String) {
        guard !key.isEmpty else { return }
        queue.add(key)
    }

    /// Queues the cache key of `object`.
    public func enqueue(object: JSON) {
        if let key = ObjectCache.key(for: object) { queue.add(key) }
    }

    /// Runs the workers until the task is cancelled; the queue is shut down then.
    public func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask { await self.work() }
                }
            }
        } onCancel: {
            queue.shutDown()
        }
    }

    func work() async {
        while let key = await queue.get() {
            do {
                let requeue = try await sync(key)
                queue.forget(key)
                if let requeue { queue.addAfter(key, max(requeue, .milliseconds(1))) }
            } catch {
                logger.info("sync failed; retrying", metadata: [
                    "controller": "\(name.rawValue)", "key": "\(key)", "error": "\(error)",
                    "retries": "\(queue.numRequeues(key))"])
                queue.addRateLimited(key)
            }
            queue.done(key)
        }
    }
}

/// A failed write of a sync, thrown so the loop retries the key with backoff.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    public var action: String
    public var underlying: String

    public var description: String { "\(action): \(underlying)" }

    init(_ failure: (action: ControllerAction, error: any Error)) {
        action = failure.action.summary
        underlying = "\(failure.error)"
    }
}
