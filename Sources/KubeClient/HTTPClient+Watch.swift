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
        let (events, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        let reader = Task {
            var iterator = rest
            var decoder = WatchDecoder()
            do {
                while let part = try await iterator.next() {
                    guard case .body(let bytes) = part else { continue }
                    for event in try decoder.feed(bytes.readableBytesView) { continuation.yield(event) }
                }
                try Task.checkCancellation()
                if let last = try decoder.finish() { continuation.yield(last) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return events
    }
}
