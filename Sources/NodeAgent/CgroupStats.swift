import FoundationEssentials
import Glibc
import SwiftletSystem

/// CPU and memory usage of a cgroup (cgroup v1 or v2) or of the whole machine, as the kubelet's
/// summary API reports them (cadvisor's definitions: working set = usage - inactive file pages).
public struct ResourceUsage: Sendable, Equatable {
    /// Cumulative CPU time, nanoseconds.
    public var cpuNanoseconds: UInt64?
    public var memoryUsageBytes: UInt64?
    public var memoryWorkingSetBytes: UInt64?
    public var memoryRSSBytes: UInt64?

    public init(cpuNanoseconds: UInt64? = nil, memoryUsageBytes: UInt64? = nil,
                memoryWorkingSetBytes: UInt64? = nil, memoryRSSBytes: UInt64? = nil) {
        self.cpuNanoseconds = cpuNanoseconds
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.memoryRSSBytes = memoryRSSBytes
    }
}

/// Reads usage from cgroupfs (`/sys/fs/cgroup`: per-controller v1 directories, or the unified v2
/// tree) and `/proc`. Parsers are pure and tested on fixed text.
public struct CgroupStats: Sendable {
    public var root: String
    public var procRoot: String

    public init(root: String = "/sys/fs/cgroup", procRoot: String = "/proc") {
        self.root = root
        self.procRoot = procRoot
    }

    /// True on a unified (v2) hierarchy.
    public var isUnified: Bool { FileManager.default.fileExists(atPath: root + "/cgroup.controllers") }

    /// The usage of the cgroup at `path` (e.g. `/kubepods/besteffort/pod<uid>`); nil when it does not exist.
    public func usage(cgroup path: String) -> ResourceUsage? {
        if isUnified {
            guard let cpu = read(root + path + "/cpu.stat") else { return nil }
            let memStat = Self.keyValues(read(root + path + "/memory.stat") ?? "")
            let current = read(root + path + "/memory.current").flatMap { UInt64($0.trimmedWhitespace) }
            return ResourceUsage(
                cpuNanoseconds: Self.keyValues(cpu)["usage_usec"].map { $0 * 1000 },
                memoryUsageBytes: current,
                memoryWorkingSetBytes: current.map { Self.workingSet(usage: $0, inactiveFile: memStat["inactive_file"]) },
                memoryRSSBytes: memStat["anon"])
        }
        guard let cpu = read(root + "/cpuacct" + path + "/cpuacct.usage") else { return nil }
        let memStat = Self.keyValues(read(root + "/memory" + path + "/memory.stat") ?? "")
        let usage = read(root + "/memory" + path + "/memory.usage_in_bytes").flatMap { UInt64($0.trimmedWhitespace) }
        return ResourceUsage(
            cpuNanoseconds: UInt64(cpu.trimmedWhitespace),
            memoryUsageBytes: usage,
            memoryWorkingSetBytes: usage.map { Self.workingSet(usage: $0, inactiveFile: memStat["total_inactive_file"]) },
            memoryRSSBytes: memStat["total_rss"])
    }

    /// The machine: CPU from `/proc/stat` (all but idle and iowait), memory from `/proc/meminfo`.
    public func nodeUsage() -> ResourceUsage {
        var usage = ResourceUsage()
        if let stat = read(procRoot + "/stat") { usage.cpuNanoseconds = Self.busyNanoseconds(procStat: stat) }
        if let meminfo = read(procRoot + "/meminfo") {
            let m = Self.meminfo(meminfo)
            if let total = m["MemTotal"], let free = m["MemFree"] {
                let used = total &- free
                usage.memoryUsageBytes = used
                usage.memoryWorkingSetBytes = Self.workingSet(usage: used, inactiveFile: m["Inactive(file)"])
            }
            if let anon = m["AnonPages"] { usage.memoryRSSBytes = anon }
        }
        return usage
    }

    static func workingSet(usage: UInt64, inactiveFile: UInt64?) -> UInt64 {
        guard let inactiveFile else { return usage }
        return usage > inactiveFile ? usage - inactiveFile : 0
    }

    /// `key value` lines (memory.stat, cpu.stat).
    static func keyValues(_ text: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { out[String(parts[0])] = value }
        }
        return out
    }

    /// `/proc/meminfo` in bytes (`MemTotal:  16314524 kB`).
    static func meminfo(_ text: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard let value = fields.first.flatMap({ UInt64($0) }) else { continue }
            out[String(line[..<colon])] = fields.count > 1 && fields[1] == "kB" ? value * 1024 : value
        }
        return out
    }

    /// The first `cpu` line of `/proc/stat`: user, nice, system, idle, iowait, irq, softirq, steal
    /// in clock ticks (USER_HZ, 100 on Linux); busy time is all but idle and iowait.
    static func busyNanoseconds(procStat text: String) -> UInt64? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard ticks.count >= 4 else { return nil }
        let counted = ticks.prefix(8).enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element)
        return counted.reduce(0, +) * 10_000_000
    }

    private func read(_ path: String) -> String? {
        WholeFile.text(path)
    }
}
