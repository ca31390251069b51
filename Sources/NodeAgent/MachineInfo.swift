#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import SwiftletSystem
import SwiftletInfo

/// What a node reports about the machine it runs on: capacity and system info
/// (`status.capacity`, `status.nodeInfo`, the InternalIP address). The parsers are pure and take
/// file text, so they are tested on fixed inputs; `current(dataDirectory:)` reads the live files.
public struct MachineInfo: Sendable, Equatable {
    public var cpuCount: Int
    public var memoryBytes: Int64
    /// Size of the filesystem holding the data directory (`ephemeral-storage`).
    public var ephemeralStorageBytes: Int64
    public var kernelVersion: String
    public var osImage: String
    /// GOARCH names (`amd64`, `arm64`, `arm`).
    public var architecture: String
    public var machineID: String
    public var bootID: String
    /// The IPv4 address of the interface of the default route, else 127.0.0.1.
    public var internalIP: String

    public init(cpuCount: Int, memoryBytes: Int64, ephemeralStorageBytes: Int64, kernelVersion: String,
                osImage: String, architecture: String, machineID: String = "", bootID: String = "",
                internalIP: String = "127.0.0.1") {
        self.cpuCount = cpuCount
        self.memoryBytes = memoryBytes
        self.ephemeralStorageBytes = ephemeralStorageBytes
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.architecture = architecture
        self.machineID = machineID
        self.bootID = bootID
        self.internalIP = internalIP
    }

    /// `status.capacity` as the kubelet reports it (allocatable is the same: nothing reserved).
    public var capacity: [(String, String)] {
        [("cpu", String(cpuCount)), ("ephemeral-storage", "\(ephemeralStorageBytes / 1024)Ki"),
         ("hugepages-1Gi", "0"), ("hugepages-2Mi", "0"), ("memory", "\(memoryBytes / 1024)Ki"), ("pods", "110")]
    }

    /// Reads this machine: /proc/meminfo, /etc/os-release, uname, statvfs of `dataDirectory`.
    public static func current(dataDirectory: String) -> MachineInfo {
        let meminfo = WholeFile.text("/proc/meminfo") ?? ""
        let osRelease = WholeFile.text("/etc/os-release") ?? ""
        var names = utsname()
        uname(&names)
        let kernel = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var fs = statvfs()
        let storage = statvfs(dataDirectory, &fs) == 0 ? Int64(fs.f_blocks) * Int64(fs.f_frsize) : 0
        let route = WholeFile.text("/proc/net/route") ?? ""
        let interface = parseDefaultRouteInterface(route)
        func firstLine(_ path: String) -> String {
            (WholeFile.text(path) ?? "").trimmedWhitespace
        }
        return MachineInfo(
            cpuCount: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            memoryBytes: parseMemTotal(meminfo) ?? 0, ephemeralStorageBytes: storage, kernelVersion: kernel,
            osImage: parseOSImage(osRelease) ?? "Linux", architecture: HostPlatform.architecture,
            machineID: firstLine("/etc/machine-id"), bootID: firstLine("/proc/sys/kernel/random/boot_id"),
            internalIP: interface.flatMap(ipv4Address(ofInterface:)) ?? "127.0.0.1")
    }

    /// `MemTotal` of /proc/meminfo text in bytes (the file gives kB, meaning KiB).
    public static func parseMemTotal(_ meminfo: String) -> Int64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kib = Int64(fields[1]), kib > 0 else { return nil }
            let unit = fields.count >= 3 ? fields[2].lowercased() : "kb"
            return unit == "kb" ? kib * 1024 : kib
        }
        return nil
    }

    /// `PRETTY_NAME` of /etc/os-release text (quotes removed), as the kubelet's `osImage`.
    public static func parseOSImage(_ osRelease: String) -> String? {
        for line in osRelease.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            var value = line.dropFirst("PRETTY_NAME=".count)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// The interface of the IPv4 default route in /proc/net/route text (destination 00000000,
    /// lowest metric first).
    public static func parseDefaultRouteInterface(_ route: String) -> String? {
        var best: (String, Int)?
        for line in route.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 8, fields[1] == "00000000", fields[7] == "00000000" else { continue }
            let metric = Int(fields[6]) ?? 0
            if best == nil || metric < best!.1 { best = (String(fields[0]), metric) }
        }
        return best?.0
    }

    /// The first IPv4 address of `name`.
    static func ipv4Address(ofInterface name: String) -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  String(cString: entry.pointee.ifa_name) == name else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var sin = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            guard inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count)) != nil else { continue }
            return String(cString: text)
        }
        return nil
    }
}
