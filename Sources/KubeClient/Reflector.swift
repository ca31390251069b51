import KubeAPI
import Synchronization

/// Keeps an `ObjectCache` in step with one collection on the API server, like client-go's
/// `Reflector`:
///
/// ```
///   list (paged) ──► replace cache ──► watch from list RV (bookmarks on) ──► apply events
///        ▲                                   │ stream ends: re-watch from last RV
///        └── 410 Gone / Expired ─────────────┤ other error: backoff, re-watch from last RV
///                                            └ task cancelled: return
/// ```
///
/// Every change to the cache is reported through `onDeltas` in the order it happened; a re-list
/// reports the differences against the previous content (deletes carry the last known object).
public final class Reflector: Sendable {
    /// What to list and watch, and how.
    public struct Configuration: Sendable {
        public var resource: ResourceType
        /// nil: all namespaces (or a cluster-scoped type).
        public var namespace: String?
        public var labelSelector: String?
        public var fieldSelector: String?
        /// Items per list page (`limit`); nil lists in one request.
        public var pageSize: Int?
        public var backoff: ExponentialBackoff
        /// Server-side watch timeouts are drawn from this range so many watches do not expire together.
        public var watchTimeoutSeconds: ClosedRange<Int>?
        /// A watch that ends sooner than this without any event counts as a failure (backs off),
        /// so a server that closes watches at once does not cause a hot loop.
        public var minimumWatchDuration: Duration

        public init(resource: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
                    fieldSelector: String? = nil, pageSize: Int? = 500, backoff: ExponentialBackoff = .reflectorDefault,
                    watchTimeoutSeconds: ClosedRange<Int>? = 300...600, minimumWatchDuration: Duration = .seconds(1)) {
            self.resource = resource
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.fieldSelector = fieldSelector
            self.pageSize = pageSize
            self.backoff = backoff
            self.watchTimeoutSeconds = watchTimeoutSeconds
            self.minimumWatchDuration = minimumWatchDuration
        }
    }

    struct State {
        var resourceVersion = ""
        var synced = false
        var failures = 0
    }

    public let configuration: Configuration
    public let cache: ObjectCache
    let client: any KubeAPIClient
    let onDeltas: @Sendable ([CacheDelta]) -> Void
    let onSynced: @Sendable () -> Void
    let state = Mutex(State())

    /// - Parameters:
    ///   - onDeltas: called on the reflector's task after each cache change, in order.
    ///   - onSynced: called once, after the first list has been stored.
    public init(client: any KubeAPIClient, configuration: Configuration, cache: ObjectCache,
                onDeltas: @escaping @Sendable ([CacheDelta]) -> Void = { _ in },
                onSynced: @escaping @Sendable () -> Void = {}) {
        self.client = client
        self.configuration = configuration
        self.cache = cache
        self.onDeltas = onDeltas
        self.onSynced = onSynced
    }

    /// The resourceVersion the next watch starts from (the last one seen, bookmarks included).
    public var lastSyncResourceVersion: String { state.withLock { $0.resourceVersion } }
    /// True once the first list has been stored in the cache.
    public var hasSynced: Bool { state.withLock { $0.synced } }
    /// Failed attempts (list, watch or stream errors) since the reflector started; for metrics and tests.
    public var failureCount: Int { state.withLock { $0.failures } }

    /// Lists and watches until the task is cancelled. Call once.
    public func run() async {
        var backoff = configuration.backoff
        var needsList = true
        while !Task.isCancelled {
            do {
                if needsList {
                    try await listAndReplace()
                    needsList = false
                    backoff.reset()
                }
                switch try await watchOnce() {
                case .ended(let healthy):
                    if healthy {
                        backoff.reset()
                    } else {
                        try await pause(&backoff)
                    }
                case .expired:
                    needsList = true
                }
            } catch let error as StatusError where Reflector.isExpired(error) {
                needsList = true
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                do { try await pause(&backoff) } catch { return }
            }
        }
    }

    private func pause(_ backoff: inout ExponentialBackoff) async throws {
        state.withLock { $0.failures += 1 }
        try await Task.sleep(for: backoff.next())
    }

    /// Lists every page and replaces the cache content with the result.
    func listAndReplace() async throws {
        var items: [JSON] = []
        var continueToken: String?
        var resourceVersion = ""
        repeat {
            var options = ListOptions(labelSelector: configuration.labelSelector,
                                      fieldSelector: configuration.fieldSelector, limit: configuration.pageSize)
            options.continueToken = continueToken
            let page = try await client.list(configuration.resource, namespace: configuration.namespace, options: options)
            try Task.checkCancellation()
            items.append(contentsOf: page.items)
            // The first page's version is the snapshot every later page belongs to.
            if continueToken == nil { resourceVersion = page.resourceVersion }
            continueToken = page.continueToken.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        let deltas = cache.replace(with: items)
        let firstSync = state.withLock { s in
            s.resourceVersion = resourceVersion
            defer { s.synced = true }
            return !s.synced
        }
        if !deltas.isEmpty { onDeltas(deltas) }
        if firstSync { onSynced() }
    }

    enum WatchOutcome {
        /// The stream ended; `healthy` is false for a suspiciously short, empty watch.
        case ended(healthy: Bool)
        /// The server said our resourceVersion is too old: re-list.
        case expired
    }

    /// One watch request, applied until the stream ends.
    func watchOnce() async throws -> WatchOutcome {
        var options = ListOptions(labelSelector: configuration.labelSelector,
                                  fieldSelector: configuration.fieldSelector,
                                  resourceVersion: lastSyncResourceVersion, allowWatchBookmarks: true)
        options.timeoutSeconds = configuration.watchTimeoutSeconds.map { Int.random(in: $0) }
        let clock = ContinuousClock()
        let started = clock.now
        let stream = try await client.watch(configuration.resource, namespace: configuration.namespace, options: options)
        var events = 0
        for try await event in stream {
            events += 1
            switch event.type {
            case .error:
                let error = Reflector.statusError(from: event.object)
                if Reflector.isExpired(error) { return .expired }
                throw error
            case .bookmark:
                advance(to: event.object)
            case .added, .modified:
                let delta = cache.upsert(event.object)
                advance(to: event.object)
                // A re-watch may replay an event we already applied; identical content is no change.
                if let delta, !delta.isNoChange { onDeltas([delta]) }
            case .deleted:
                let delta = cache.remove(event.object)
                advance(to: event.object)
                if let delta { onDeltas([delta]) }
            }
        }
        try Task.checkCancellation()
        let healthy = events > 0 || clock.now - started >= configuration.minimumWatchDuration
        return .ended(healthy: healthy)
    }

    private func advance(to object: JSON) {
        guard let rv = object["metadata"]["resourceVersion"].stringValue, !rv.isEmpty else { return }
        state.withLock { $0.resourceVersion = rv }
    }

    /// 410 Gone, or an `Expired`/`Gone` reason: the requested resourceVersion is no longer available.
    static func isExpired(_ error: StatusError) -> Bool {
        error.code == 410 || error.reason == "Expired" || error.reason == "Gone"
    }

    /// The `StatusError` an ERROR watch event carries (a `Status` object; tolerant of missing fields).
    static func statusError(from status: JSON) -> StatusError {
        let code = status["code"].intValue.map { Int($0) } ?? 500
        let reason = status["reason"].stringValue ?? "InternalError"
        let message = status["message"].stringValue ?? "watch error event: \(status.jsonString)"
        return StatusError(code: code, reason: reason, message: message)
    }
}

extension CacheDelta {
    /// An update whose old and new objects are identical.
    var isNoChange: Bool {
        if case .updated(let old, let new) = self { return old == new }
        return false
    }
}
