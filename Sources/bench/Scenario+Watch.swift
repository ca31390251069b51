import AsyncHTTPClient
import Foundation
import NIOCore

/// Watch fan-out: N watchers on their own HTTP/1.1 connections, one write at a time, latency from
/// the write's response (and from its request) to the event line arriving at each watcher.
struct WatchResult: Sendable, Codable {
    var watchers: Int
    var events: Int
    var delivered: Int
    var missing: Int
    /// Events that reached a watcher before the writer had its response (counted as 0 ms).
    var beforeResponse: Int
    var fromResponse: LatencyStats
    var fromRequest: LatencyStats
}

enum WatchScenario {
    static func run(writer: APIClient, pki: TestPKI, namespace: String, watchers: Int, events: Int) async throws -> WatchResult {
        let watchClient = try APIClient(pki: pki, baseURL: writer.baseURL, proto: .http1, connections: watchers + 4)
        let seed = try await writer.send(.POST, "/api/v1/namespaces/\(namespace)/configmaps",
                                         body: Objects.configMap("watch-seed"), expect: .created)
        guard let startRV = JSONFields.resourceVersion(JSONFields.object(seed)) else {
            throw BenchError("create response without metadata.resourceVersion")
        }
        let book = ArrivalBook(watchers: watchers)
        let path = "/api/v1/namespaces/\(namespace)/configmaps?watch=true&resourceVersion=\(startRV)&timeoutSeconds=1800"
        var writes: [(rv: String, sent: ContinuousClock.Instant, responded: ContinuousClock.Instant)] = []

        let failure: (any Error)? = await withTaskGroup(of: Void.self, returning: (any Error)?.self) { group in
            for watcher in 0..<watchers {
                group.addTask {
                    do {
                        let response = try await watchClient.stream(path)
                        book.connected()
                        var pending: [UInt8] = []
                        for try await chunk in response.body {
                            let arrived = ContinuousClock.now
                            pending.append(contentsOf: chunk.readableBytesView)
                            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                                if let rv = eventResourceVersion(pending[..<newline]) {
                                    book.record(watcher: watcher, rv: rv, at: arrived)
                                }
                                pending.removeSubrange(...newline)
                            }
                        }
                    } catch {
                        if !Task.isCancelled { book.failed("\(error)") }
                    }
                }
            }
            defer { group.cancelAll() }
            do {
                let connectDeadline = ContinuousClock.now + .seconds(60)
                while book.connectedCount < watchers {
                    if let error = book.firstError { throw BenchError("watcher failed: \(error)") }
                    if ContinuousClock.now > connectDeadline {
                        throw BenchError("only \(book.connectedCount) of \(watchers) watchers connected")
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
                for event in 0..<events {
                    let sent = ContinuousClock.now
                    let body: ByteBuffer
                    if event % 2 == 0 {
                        body = try await writer.send(.POST, "/api/v1/namespaces/\(namespace)/configmaps",
                                                     body: Objects.configMap("watch-\(event)"), expect: .created)
                    } else {
                        body = try await writer.send(.PATCH, "/api/v1/namespaces/\(namespace)/configmaps/watch-\(event - 1)",
                                                     body: Objects.configMapPatch(generation: event),
                                                     contentType: "application/merge-patch+json", expect: .ok)
                    }
                    let responded = ContinuousClock.now
                    guard let rv = JSONFields.resourceVersion(JSONFields.object(body)) else {
                        throw BenchError("write response without metadata.resourceVersion")
                    }
                    writes.append((rv, sent, responded))
                    // One write at a time: the next starts once every watcher saw this one (or 5 s passed).
                    let deadline = responded + .seconds(5)
                    while book.count(rv: rv) < watchers && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
            } catch {
                group.cancelAll()
                await watchClient.shutdown()
                return error
            }
            group.cancelAll()
            // Closing the pool ends the streaming bodies the watchers are reading.
            await watchClient.shutdown()
            return nil
        }
        if let failure { throw failure }

        var fromResponse: [Double] = []
        var fromRequest: [Double] = []
        var missing = 0
        var early = 0
        for write in writes {
            for watcher in 0..<watchers {
                guard let arrived = book.arrival(watcher: watcher, rv: write.rv) else { missing += 1; continue }
                if arrived < write.responded { early += 1 }
                fromResponse.append(max(0, (arrived - write.responded).inMilliseconds))
                fromRequest.append((arrived - write.sent).inMilliseconds)
            }
        }
        return WatchResult(watchers: watchers, events: writes.count, delivered: fromResponse.count, missing: missing,
                           beforeResponse: early, fromResponse: LatencyStats(milliseconds: fromResponse),
                           fromRequest: LatencyStats(milliseconds: fromRequest))
    }

    /// `metadata.resourceVersion` of the object in one watch event line.
    static func eventResourceVersion(_ line: ArraySlice<UInt8>) -> String? {
        guard !line.isEmpty,
              let event = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else { return nil }
        return JSONFields.resourceVersion(event["object"] as? [String: Any])
    }
}

/// When each watcher saw each resourceVersion.
final class ArrivalBook: @unchecked Sendable {
    private let lock = NSLock()
    private var arrivals: [[String: ContinuousClock.Instant]]
    private var counts: [String: Int] = [:]
    private var connections = 0
    private var error: String?

    init(watchers: Int) { arrivals = Array(repeating: [:], count: watchers) }

    func connected() { lock.withLock { connections += 1 } }
    var connectedCount: Int { lock.withLock { connections } }
    func failed(_ message: String) { lock.withLock { if error == nil { error = message } } }
    var firstError: String? { lock.withLock { error } }

    func record(watcher: Int, rv: String, at instant: ContinuousClock.Instant) {
        lock.withLock {
            guard arrivals[watcher][rv] == nil else { return }
            arrivals[watcher][rv] = instant
            counts[rv, default: 0] += 1
        }
    }

    func count(rv: String) -> Int { lock.withLock { counts[rv] ?? 0 } }
    func arrival(watcher: Int, rv: String) -> ContinuousClock.Instant? { lock.withLock { arrivals[watcher][rv] } }
}
