#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Supervision
import SupervisorControl
import SwiftletJSON
import SwiftletSystem

/// The kernel, cgroup, port and directory checks of `check-config`.
enum HostChecks {
    /// Kubernetes supports kernels from 4.15 on; older ones lack cgroup and netfilter features.
    static let minimumKernel = (4, 15)

    static func kernel(_ probe: HostProbe) -> [CheckResult] {
        guard let release = probe.kernelRelease() else {
            return [CheckResult(.warning, "kernel", "cannot read the kernel version", required: false)]
        }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return [CheckResult(.warning, "kernel", "unrecognised version \(release)")] }
        if (numbers[0], numbers[1]) >= minimumKernel { return [CheckResult(.ok, "kernel", release)] }
        return [CheckResult(.warning, "kernel", "\(release) is older than \(minimumKernel.0).\(minimumKernel.1)",
                            fix: "upgrade the kernel; some cgroup and netfilter features may be missing")]
    }

    static func cgroups(_ probe: HostProbe) -> [CheckResult] {
        if let controllers = probe.readFile("/sys/fs/cgroup/cgroup.controllers") {
            let present = Set(controllers.split(whereSeparator: \.isWhitespace).map(String.init))
            let missing = ["cpu", "memory", "pids"].filter { !present.contains($0) }
            if missing.isEmpty { return [CheckResult(.ok, "cgroups", "v2 (unified) with \(present.sorted().joined(separator: " "))")] }
            return [CheckResult(.warning, "cgroups", "v2 without the \(missing.joined(separator: ", ")) controller(s)",
                                fix: "enable them on the kernel command line (e.g. cgroup_enable=memory) and in the parent cgroup's cgroup.subtree_control")]
        }
        let v1 = ["cpu", "memory", "pids"].filter { probe.isDirectory("/sys/fs/cgroup/" + $0) }
        if !v1.isEmpty {
            return [CheckResult(v1.count == 3 ? .ok : .warning, "cgroups", "v1 with \(v1.joined(separator: ", "))",
                                fix: "mount the missing cgroup v1 controllers, or boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1)")]
        }
        return [CheckResult(.missing, "cgroups", "no cgroup hierarchy at /sys/fs/cgroup",
                            fix: "mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)")]
    }

    static func kernelFeatures(_ probe: HostProbe) -> [CheckResult] {
        var results: [CheckResult] = []
        switch probe.readFile("/proc/sys/net/ipv4/ip_forward").map(\.trimmedWhitespace) {
        case "1": results.append(CheckResult(.ok, "ip forwarding", "net.ipv4.ip_forward = 1"))
        case let value?:
            results.append(CheckResult(.warning, "ip forwarding", "net.ipv4.ip_forward = \(value)",
                                       fix: "sysctl -w net.ipv4.ip_forward=1 (pods cannot reach other hosts without it)"))
        case nil:
            results.append(CheckResult(.missing, "ip forwarding", "/proc/sys/net/ipv4/ip_forward is not readable",
                                       fix: "mount /proc (and /proc/sys) read-write for the service"))
        }
        results.append(feature(probe, "conntrack", ["/proc/net/nf_conntrack", "/proc/sys/net/netfilter/nf_conntrack_max"],
                               fix: "modprobe nf_conntrack"))
        results.append(feature(probe, "nf_tables", ["/sys/module/nf_tables", "/proc/net/netfilter/nf_tables"],
                               fix: "modprobe nf_tables (the proxy programs services with nftables)"))
        let filesystems = probe.readFile("/proc/filesystems") ?? ""
        let overlay = filesystems.split(separator: "\n").contains { $0.split(whereSeparator: \.isWhitespace).last == "overlay" }
        results.append(overlay
            ? CheckResult(.ok, "overlay filesystem", "listed in /proc/filesystems", required: false)
            : CheckResult(.warning, "overlay filesystem", "not listed in /proc/filesystems",
                          fix: "modprobe overlay (containerd's default snapshotter needs it)", required: false))
        results.append(feature(probe, "br_netfilter", ["/proc/sys/net/bridge/bridge-nf-call-iptables"],
                               fix: "modprobe br_netfilter (bridged pod traffic passes the host's netfilter with it)"))
        return results
    }

    /// Features the kernel may load on demand: absence is a warning, not a failure.
    private static func feature(_ probe: HostProbe, _ item: String, _ paths: [String], fix: String) -> CheckResult {
        if let found = paths.first(where: probe.exists) { return CheckResult(.ok, item, found, required: false) }
        return CheckResult(.warning, item, "not visible (\(paths.joined(separator: ", ")))", fix: fix, required: false)
    }

    static func port(_ context: CheckContext, _ probe: HostProbe) -> [CheckResult] {
        let port = context.httpsListenPort
        guard port != 0 else { return [CheckResult(.ok, "https port", "0 (a free port is picked at start)")] }
        if probe.canBindLoopback(port) { return [CheckResult(.ok, "https port", "\(port) is free")] }
        let socket = ControlServer.socketPath(runDir: context.runDir)
        if probe.exists(socket) {
            return [CheckResult(.warning, "https port", "\(port) is in use (swiftlet seems to be running: \(socket) exists)",
                                required: false)]
        }
        return [CheckResult(.fail, "https port", "\(port) is in use by another program",
                            fix: "stop the program listening on \(port) (ss -ltnp) or pass --https-listen-port")]
    }

    static func directories(_ context: CheckContext, _ probe: HostProbe) -> [CheckResult] {
        var results = [directory(probe, "data dir", context.dataDir), directory(probe, "run dir", context.runDir)]
        if let mode = probe.mode(context.runDir), mode & 0o077 != 0 {
            results.append(CheckResult(.warning, "run dir mode", "\(context.runDir) is \(octal(mode))",
                                       fix: "chmod 700 \(context.runDir)", required: false))
        }
        let tls = context.dataDir + "/server/tls"
        if probe.isDirectory(tls) {
            let keys = probe.listDirectory(tls).filter { $0.hasSuffix(".key") }.sorted()
            let loose = keys.filter { (probe.mode(tls + "/" + $0) ?? 0) & 0o077 != 0 }
            results.append(loose.isEmpty
                ? CheckResult(.ok, "private keys", "\(keys.count) keys in \(tls) are 0600")
                : CheckResult(.warning, "private keys", "readable by others: \(loose.joined(separator: ", "))",
                              fix: "chmod 600 \(tls)/*.key"))
        }
        return results
    }

    /// Exists and writable, or creatable under its nearest existing ancestor.
    private static func directory(_ probe: HostProbe, _ item: String, _ path: String) -> CheckResult {
        if probe.isDirectory(path) {
            return probe.isWritable(path)
                ? CheckResult(.ok, item, "\(path) is writable")
                : CheckResult(.missing, item, "\(path) is not writable", fix: "run as root, or pass --\(item.replacing(" ", with: "-")) with a writable directory")
        }
        if probe.exists(path) {
            return CheckResult(.missing, item, "\(path) exists and is not a directory", fix: "remove it or choose another directory")
        }
        var ancestor = parent(of: path)
        while !ancestor.isEmpty, ancestor != "/", !probe.exists(ancestor) {
            ancestor = parent(of: ancestor)
        }
        if ancestor.isEmpty { ancestor = "/" }
        return probe.isWritable(ancestor)
            ? CheckResult(.ok, item, "\(path) will be created")
            : CheckResult(.missing, item, "\(path) cannot be created (\(ancestor) is not writable)",
                          fix: "run as root, or pass --\(item.replacing(" ", with: "-")) with a writable directory")
    }

    /// The path without its last component, as NSString's `deletingLastPathComponent` gives it.
    static func parent(of path: String) -> String { PathName.directory(of: path) }

    /// Permission bits as four octal digits, e.g. `0755`.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension HostProbe {
    /// The real host.
    public static let system = HostProbe(
        exists: { POSIXFile.exists($0) },
        isDirectory: { POSIXFile.isDirectory($0) },
        isExecutable: { POSIXFile.isExecutableFile($0) },
        isWritable: { access($0, W_OK) == 0 },
        // Read as UTF-8 (invalid bytes repaired): /proc and /sys files report size 0, so read to EOF.
        readFile: { (try? WholeFile.read($0)).map { String(decoding: $0, as: UTF8.self) } },
        listDirectory: { DirectoryListing.names($0) ?? [] },
        mode: { path in
            var info = stat()
            return stat(path, &info) == 0 ? UInt32(info.st_mode) & 0o7777 : nil
        },
        kernelRelease: {
            var name = utsname()
            guard uname(&name) == 0 else { return nil }
            return withUnsafeBytes(of: &name.release) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        },
        canBindLoopback: { port in loopbackPortIsFree(port) }
    )

    /// Binds a TCP socket to 127.0.0.1:port and releases it.
    static func loopbackPortIsFree(_ port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        // SO_REUSEADDR as servers set it, so sockets in TIME_WAIT do not count as "in use".
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}
