import KubeAPI

extension HTTPClient {
    public func watch(_ type: ResourceType, namespace: String?, options: ListOptions) async throws
        -> AsyncThrowingStream<WatchEvent, any Error> {
        try await watch(type, namespace: namespace, options: options, sendInitialEvents: false)
    }

    /// A watch stream (`?watch=true`). The answer's head is awaited first, so a refused watch (404,
    /// 410, 403...) throws here as a `StatusError`; an expired resourceVersion usually arrives as an
    /// `.error` event instead, as upstream sends it. The stream ends when the server ends the
    /// response (its timeout), and throws `KubeClientError` when the connection fails. Ending the
    /// consumer's iteration resets the HTTP/2 stream (or closes the HTTP/1.1 connection).
    ///
    /// - Parameter sendInitialEvents: the streaming-list form: the current objects as ADDED events,
    ///   then a BOOKMARK annotated `k8s.io/initial-events-end`. Sets `resourceVersionMatch=NotOlderThan`
    ///   and `allowWatchBookmarks` as the server requires.
    public func watch(_ type: ResourceType, namespace: String?, options: ListOptions,
                      sendInitialEvents: Bool) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        var options = options
        if sendInitialEvents {
            options.allowWatchBookmarks = true
            options.resourceVersionMatch = "NotOlderThan"
        }
        var query = options.queryItems(watch: true)
        if sendInitialEvents { query.append(("sendInitialEvents", "true")) }
        let request = APIRequest(method: "GET", path: type.path(namespace: namespace), query: query, streaming: true)
        let (head, rest) = try await start(request)
        guard head.status.code == 200 else {
            var iterator = rest
            var body: [UInt8] = []
            while let part = try await iterator.next() {
                if case .body(let bytes) = part { body.append(contentsOf: bytes.readableBytesView) }
            }
            try Self.check(RawResponse(status: Int(head.status.code), headers: head.headers, body: body), request)
            throw KubeClientError(.badResponse, "watch of \(type) answered \(head.status.code)")
        }
        // Decoded on demand, as the consumer asks for the next event: a consumer that falls behind
        // leaves compact response bytes queued, not parsed objects (several times their size).
        let reader = WatchEventReader(parts: rest)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }
}

/// Turns a watch response's body into events, one `next()` at a time.
///
/// `@unchecked Sendable`: only the single consumer of the unfolding stream calls `next()`, and the
/// stream calls it serially, so the mutable state is never touched concurrently. Dropping the
/// stream drops the response's iterator, which resets the HTTP/2 stream (see `Exchange`).
final class WatchEventReader: @unchecked Sendable {
    private var parts: ResponseIterator
    private var decoder = WatchDecoder()
    /// Decoded events not yet handed out, last first.
    private var pending: [WatchEvent] = []
    private var ended = false

    init(parts: ResponseIterator) {
        self.parts = parts
    }

    func next() async throws -> WatchEvent? {
        while true {
            if let event = pending.popLast() { return event }
            if ended { return nil }
            guard let part = try await parts.next() else {
                ended = true
                try Task.checkCancellation()
                return try decoder.finish()
            }
            guard case .body(let bytes) = part else { continue }
            pending = try decoder.feed(bytes.readableBytesView).reversed()
        }
    }
}
