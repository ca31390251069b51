import FoundationEssentials
import Glibc
import Synchronization

/// What the kubelet measures about itself for `/metrics` and `/stats/summary`: pod sync durations
/// (a Prometheus histogram) and the previous CPU sample of each cgroup (to turn cumulative CPU
/// time into a rate, `usageNanoCores`).
public final class KubeletMonitor: Sendable {
    /// Upstream's buckets for `kubelet_pod_worker_duration_seconds`.
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Histogram: Sendable {
        var counts = [UInt64](repeating: 0, count: KubeletMonitor.buckets.count)
        var count: UInt64 = 0
        var sum: Double = 0
    }

    private let syncs = Mutex(Histogram())
    private let cpuSamples = Mutex<[String: (at: Date, nanoseconds: UInt64)]>([:])
    public let startTime = Date()

    public init() {}

    /// Records one pod sync.
    public func observeSync(_ duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        syncs.withLock { h in
            h.count += 1
            h.sum += seconds
            for (i, bound) in Self.buckets.enumerated() where seconds <= bound { h.counts[i] += 1 }
        }
    }

    /// The sync histogram in Prometheus text.
    func syncHistogramText() -> String {
        let h = syncs.withLock { $0 }
        let name = "kubelet_pod_worker_duration_seconds"
        var text = "# HELP \(name) [ALPHA] Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync\n"
        text += "# TYPE \(name) histogram\n"
        for (i, bound) in Self.buckets.enumerated() {
            text += "\(name)_bucket{operation_type=\"sync\",le=\"\(Self.formatBound(bound))\"} \(h.counts[i])\n"
        }
        text += "\(name)_bucket{operation_type=\"sync\",le=\"+Inf\"} \(h.count)\n"
        text += "\(name)_sum{operation_type=\"sync\"} \(h.sum)\n"
        text += "\(name)_count{operation_type=\"sync\"} \(h.count)\n"
        return text
    }

    static func formatBound(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Nanocores used since the previous sample of `key` (nil for the first one), remembering this one.
    func cpuRate(key: String, nanoseconds: UInt64, at now: Date) -> UInt64? {
        cpuSamples.withLock { samples in
            defer { samples[key] = (now, nanoseconds) }
            guard let previous = samples[key], nanoseconds >= previous.nanoseconds else { return nil }
            let elapsed = now.timeIntervalSince(previous.at)
            guard elapsed > 0 else { return nil }
            return UInt64(Double(nanoseconds - previous.nanoseconds) / elapsed)
        }
    }

    /// Forgets samples of cgroups not in `keep` (pods that went away).
    func pruneSamples(keeping keep: Set<String>) {
        cpuSamples.withLock { samples in samples = samples.filter { keep.contains($0.key) } }
    }
}
