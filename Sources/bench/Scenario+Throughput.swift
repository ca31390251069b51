import Foundation
import KubeStore

/// Creates, gets and the raw SQLite ceiling.
enum ThroughputScenario {
    /// Closed-loop creates of small ConfigMaps; names carry `prefix` so runs never collide.
    static func creates(client: APIClient, namespace: String, prefix: String, concurrency: Int,
                        count: Int, timeLimit: Duration) async -> LoadResult {
        let path = "/api/v1/namespaces/\(namespace)/configmaps"
        return await LoadRunner.run(concurrency: concurrency, count: count, timeLimit: timeLimit) { index in
            _ = try await client.send(.POST, path, body: Objects.configMap("\(prefix)-\(index)"), expect: .created)
        }
    }

    /// Closed-loop gets of one object.
    static func gets(client: APIClient, path: String, concurrency: Int, count: Int, timeLimit: Duration) async -> LoadResult {
        await LoadRunner.run(concurrency: concurrency, count: count, timeLimit: timeLimit) { _ in
            _ = try await client.send(.GET, path, expect: .ok)
        }
    }

    /// The store's own insert benchmark: what SQLite alone does on this disk with the store's
    /// schema and PRAGMAs, for one row per transaction and for batches.
    static func rawSQLite(directory: String, singleCount: Int, batchedCount: Int, batchSize: Int,
                          valueSize: Int) throws -> RawSQLiteResult {
        let path = "\(directory)/raw-insert.db"
        let single = try SQLiteStore.rawInsertBenchmark(path: path, count: singleCount, rowsPerTransaction: 1,
                                                        valueSize: valueSize)
        let batched = try SQLiteStore.rawInsertBenchmark(path: path, count: batchedCount, rowsPerTransaction: batchSize,
                                                         valueSize: valueSize)
        return RawSQLiteResult(singleRowPerSecond: single, batchedPerSecond: batched, batchSize: batchSize,
                               valueSize: valueSize)
    }
}

struct RawSQLiteResult: Sendable, Codable {
    var singleRowPerSecond: Double
    var batchedPerSecond: Double
    var batchSize: Int
    var valueSize: Int
}

/// Pods and the 10,000-pod list.
enum ListScenario {
    struct Result: Sendable, Codable {
        var pods: Int
        var listed: Int
        var bodyBytes: Int
        var runs: Int
        var medianMilliseconds: Double
        var maxMilliseconds: Double
        var minMilliseconds: Double
    }

    static func createPods(client: APIClient, namespace: String, count: Int, concurrency: Int,
                           timeLimit: Duration) async -> LoadResult {
        let path = "/api/v1/namespaces/\(namespace)/pods"
        return await LoadRunner.run(concurrency: concurrency, count: count, timeLimit: timeLimit) { index in
            _ = try await client.send(.POST, path, body: Objects.pod("web-\(index)", index: index), expect: .created)
        }
    }

    /// Lists the namespace's pods `runs` times, reading the whole body each time.
    static func list(client: APIClient, namespace: String, runs: Int, expected: Int) async throws -> Result {
        var samples: [Double] = []
        var bytes = 0
        var items = 0
        for _ in 0..<runs {
            let began = ContinuousClock.now
            let body = try await client.send(.GET, "/api/v1/namespaces/\(namespace)/pods", expect: .ok)
            samples.append((ContinuousClock.now - began).inMilliseconds)
            bytes = body.readableBytes
            if items == 0 { items = (JSONFields.object(body)?["items"] as? [Any])?.count ?? -1 }
        }
        guard items == expected else { throw BenchError("pod list returned \(items) items, expected \(expected)") }
        let sorted = samples.sorted()
        return Result(pods: expected, listed: items, bodyBytes: bytes, runs: runs,
                      medianMilliseconds: LatencyStats(milliseconds: samples).p50,
                      maxMilliseconds: sorted.last ?? .nan, minMilliseconds: sorted.first ?? .nan)
    }
}
