import FoundationEssentials
import Glibc
import SwiftletSystem
import KubeAPI

/// The kubelet's hard eviction thresholds, in upstream's `--eviction-hard` syntax
/// (`memory.available<100Mi,nodefs.available<10%`). They decide the node's MemoryPressure,
/// DiskPressure and PIDPressure conditions (Swiftlet reports pressure; it does not evict pods).
public struct EvictionThresholds: Sendable, Equatable {
    /// A limit as an absolute amount (bytes, inodes, PIDs) or a percentage of the capacity.
    public enum Limit: Sendable, Equatable {
        case amount(Int64)
        case percent(Double)

        func value(capacity: Int64) -> Int64 {
            switch self {
            case .amount(let amount): amount
            case .percent(let percent): Int64(Double(capacity) * percent / 100)
            }
        }
    }

    /// Signal name -> limit: pressure while the signal's available amount is below the limit.
    public var limits: [String: Limit]

    /// The signals Swiftlet measures.
    public static let signals = ["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "pid.available"]

    /// Upstream's defaults (`pkg/kubelet/apis/config/v1beta1/defaults_linux.go`).
    public static let defaults = EvictionThresholds(limits: [
        "memory.available": .amount(100 << 20), "nodefs.available": .percent(10),
        "nodefs.inodesFree": .percent(5), "imagefs.available": .percent(15),
    ])

    public init(limits: [String: Limit]) { self.limits = limits }

    /// Parses `signal<limit` pairs separated by commas. An empty text means no thresholds.
    public init(parsing text: String) throws(EvictionThresholdError) {
        var limits: [String: Limit] = [:]
        for item in text.split(separator: ",").map({ $0.trimmedSpaces }) where !item.isEmpty {
            let parts = item.split(separator: "<", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw EvictionThresholdError("eviction threshold \"\(item)\" is not <signal><<quantity or percentage>") }
            let (signal, value) = (parts[0], parts[1])
            guard Self.signals.contains(signal) else {
                throw EvictionThresholdError("eviction signal \"\(signal)\" is not one of \(Self.signals.joined(separator: ", "))")
            }
            if value.hasSuffix("%") {
                guard let percent = Double(value.dropLast()), percent >= 0, percent <= 100 else {
                    throw EvictionThresholdError("eviction threshold \"\(item)\": \(value) is not a percentage from 0% to 100%")
                }
                limits[signal] = .percent(percent)
            } else {
                do {
                    let quantity = try Quantity(parsing: value)
                    guard quantity.nanos >= 0 else { throw EvictionThresholdError("eviction threshold \"\(item)\" is negative") }
                    limits[signal] = .amount(Int64(clamping: quantity.nanos / 1_000_000_000))
                } catch {
                    throw EvictionThresholdError("eviction threshold \"\(item)\": \(value) is not a quantity (\(error))")
                }
            }
        }
        self.limits = limits
    }
}

/// An `--eviction-hard` text that cannot be used, with the offending part named.
public struct EvictionThresholdError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the node has left, as the eviction signals measure it.
public struct NodeSignals: Sendable, Equatable {
    public struct Measure: Sendable, Equatable {
        public var available: Int64
        public var capacity: Int64
        public init(available: Int64, capacity: Int64) {
            self.available = available
            self.capacity = capacity
        }
    }

    /// Signal name -> measure; a signal that could not be read is absent (and never pressure).
    public var measures: [String: Measure]

    public init(measures: [String: Measure]) { self.measures = measures }

    /// Reads the machine: MemAvailable of /proc/meminfo, the file systems holding the agent's
    /// data (nodefs) and containerd's images (imagefs), and free PIDs (pid_max minus processes).
    public static func read(nodefsPath: String, imagefsPath: String) -> NodeSignals {
        var measures: [String: Measure] = [:]
        if let meminfo = WholeFile.text("/proc/meminfo"),
           let total = MachineInfo.parseMemTotal(meminfo), let available = parseMemAvailable(meminfo) {
            measures["memory.available"] = Measure(available: available, capacity: total)
        }
        var fs = statvfs()
        if statvfs(nodefsPath, &fs) == 0 {
            measures["nodefs.available"] = Measure(available: Int64(fs.f_bavail) * Int64(fs.f_frsize), capacity: Int64(fs.f_blocks) * Int64(fs.f_frsize))
            measures["nodefs.inodesFree"] = Measure(available: Int64(fs.f_favail), capacity: Int64(fs.f_files))
        }
        if statvfs(imagefsPath, &fs) == 0 {
            measures["imagefs.available"] = Measure(available: Int64(fs.f_bavail) * Int64(fs.f_frsize), capacity: Int64(fs.f_blocks) * Int64(fs.f_frsize))
        }
        if let maxText = WholeFile.text("/proc/sys/kernel/pid_max"),
           let pidMax = Int64(maxText.trimmedWhitespace),
           let loadavg = WholeFile.text("/proc/loadavg"),
           let processes = parseProcessCount(loadavg) {
            measures["pid.available"] = Measure(available: pidMax - processes, capacity: pidMax)
        }
        return NodeSignals(measures: measures)
    }

    /// `MemAvailable:` of /proc/meminfo in bytes.
    public static func parseMemAvailable(_ meminfo: String) -> Int64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kilobytes = Int64(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// The total of `running/total` (the fourth field) in /proc/loadavg: threads and processes.
    public static func parseProcessCount(_ loadavg: String) -> Int64? {
        let fields = loadavg.split(separator: " ")
        guard fields.count >= 4, let slash = fields[3].firstIndex(of: "/") else { return nil }
        return Int64(fields[3][fields[3].index(after: slash)...])
    }
}

/// Which pressure conditions hold, with upstream's transition period: a condition turns True as
/// soon as a threshold is crossed and False only after the signals stayed fine for the period
/// (`--eviction-pressure-transition-period`, 5 minutes), so it does not flap.
public struct NodePressure: Sendable, Equatable {
    public var memory = false
    public var disk = false
    public var pid = false
    /// When each condition was last observed under pressure.
    var lastObserved: [String: Date] = [:]

    public init() {}

    /// The signals behind each condition.
    static let conditionSignals = [
        "MemoryPressure": ["memory.available"],
        "DiskPressure": ["nodefs.available", "nodefs.inodesFree", "imagefs.available"],
        "PIDPressure": ["pid.available"],
    ]

    /// Applies one observation.
    public mutating func observe(_ signals: NodeSignals, thresholds: EvictionThresholds, transitionPeriod: TimeInterval, now: Date) {
        for (condition, names) in Self.conditionSignals {
            let crossed = names.contains { name in
                guard let limit = thresholds.limits[name], let measure = signals.measures[name] else { return false }
                return measure.available < limit.value(capacity: measure.capacity)
            }
            if crossed { lastObserved[condition] = now }
            let holds = lastObserved[condition].map { now.timeIntervalSince($0) < transitionPeriod || crossed } ?? false
            switch condition {
            case "MemoryPressure": memory = holds
            case "DiskPressure": disk = holds
            default: pid = holds
            }
        }
    }
}
