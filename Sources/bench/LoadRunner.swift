import Foundation

/// Summary of a latency sample set.
struct LatencyStats: Sendable, Codable {
    var count: Int
    var p50: Double
    var p99: Double
    var max: Double
    var median: Double { p50 }

    /// `samples` in milliseconds.
    init(milliseconds samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        func quantile(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            // Nearest-rank: the smallest sample with at least q of the samples at or below it.
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
        }
        p50 = quantile(0.5)
        p99 = quantile(0.99)
        max = sorted.last ?? .nan
    }
}

/// The outcome of a closed-loop load run.
struct LoadResult: Sendable {
    var completed: Int
    var errors: Int
    var firstError: String?
    var seconds: Double
    var latency: LatencyStats
    var perSecond: Double { Double(completed) / Swift.max(seconds, 1e-9) }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
    var inMilliseconds: Double { inSeconds * 1000 }
}

/// Runs `operation(i)` for i in 0..<count from `concurrency` closed-loop workers, stopping early at
/// `timeLimit` so every phase is bounded in both count and time.
enum LoadRunner {
    static func run(concurrency: Int, count: Int, timeLimit: Duration,
                    operation: @escaping @Sendable (Int) async throws -> Void) async -> LoadResult {
        let next = Counter()
        let start = ContinuousClock.now
        let deadline = start + timeLimit
        let perWorker = await withTaskGroup(of: WorkerTally.self, returning: [WorkerTally].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var tally = WorkerTally()
                    while ContinuousClock.now < deadline {
                        let index = next.increment()
                        if index >= count { break }
                        let began = ContinuousClock.now
                        do {
                            try await operation(index)
                            tally.latencies.append((ContinuousClock.now - began).inMilliseconds)
                        } catch {
                            tally.errors += 1
                            if tally.firstError == nil { tally.firstError = "\(error)" }
                            // A broken server should not turn into a long loop of failures.
                            if tally.errors > 20 { break }
                        }
                    }
                    return tally
                }
            }
            var all: [WorkerTally] = []
            for await tally in group { all.append(tally) }
            return all
        }
        let elapsed = (ContinuousClock.now - start).inSeconds
        let latencies = perWorker.flatMap(\.latencies)
        return LoadResult(completed: latencies.count, errors: perWorker.reduce(0) { $0 + $1.errors },
                          firstError: perWorker.compactMap(\.firstError).first, seconds: elapsed,
                          latency: LatencyStats(milliseconds: latencies))
    }

    private struct WorkerTally: Sendable {
        var latencies: [Double] = []
        var errors = 0
        var firstError: String?
    }
}

/// A lock-protected counter shared by workers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// Returns the value before incrementing.
    func increment() -> Int {
        lock.withLock {
            defer { value += 1 }
            return value
        }
    }
}
