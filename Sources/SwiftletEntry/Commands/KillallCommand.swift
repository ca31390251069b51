#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import FoundationEssentials
import SupervisorControl
import Supervision
import SwiftletCLI
import SwiftletCore
import SwiftletSystem

/// `swiftlet killall`: stops everything this installation runs, pods included, and removes what
/// the node put on the host, as K3s's k3s-killall.sh does. A plain `systemctl stop` (or SIGTERM)
/// leaves pods, their mounts, the pod bridge and the service rules in place on purpose, so a
/// restart or upgrade does not interrupt workloads; this is the full teardown (before an
/// uninstall, or to start from a clean host). Data in the data directory is kept.
struct KillallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "killall",
        abstract: "Stop Swiftlet and every pod it runs; remove its mounts, pod bridge and nftables tables.",
        discussion: """
            In order: the supervisor (SIGTERM, SIGKILL after --timeout) and any component left from \
            PID files in the run directory, containerd, the containerd shims of this installation and \
            the containers under them, every mount under the run and data directories, the pod bridge \
            (swiftlet0), the proxy's nftables table (ip swiftlet) and the kubelet's pod masquerade \
            table (ip swiftlet-pods). Data is kept. Needs root.
            """
    )

    @OptionGroup var options: ControlOptions

    @Option(name: .long, help: "Seconds to wait for the supervisor to stop before killing it.")
    var timeout: Int = 30

    func run() async throws {
        guard geteuid() == 0 else {
            printError("swiftlet killall must run as root (it stops containers and removes mounts, links and nftables rules)")
            throw ExitCode.failure
        }
        let config = try options.resolve()
        var report: [String] = []

        if let pid = supervisorPID(runDir: config.runDir) {
            let stopped = Killall.terminate(pid, grace: .seconds(timeout))
            report.append("stopped the supervisor (PID \(pid))\(stopped ? "" : ", killed after \(timeout) s")")
        }
        // Components a crashed supervisor left behind, containerd included: only a PID that still
        // runs that component with Swiftlet's marker is signalled (PIDs get reused).
        for name in Killall.pidFileComponents(in: config.runDir) {
            let executable = name == ServerRun.containerd ? name : "swiftlet-\(name)"
            let outcome = await StaleProcessCleanup().clean(
                pidFile: PIDFile(path: "\(config.runDir)/\(name).pid"), executableName: executable, stopTimeout: .seconds(5))
            if case .stopped(let pid, _) = outcome { report.append("stopped \(name) (PID \(pid))") }
        }

        // Shims of this installation name its containerd socket; the containers are their children.
        let socket = config.runDir + "/containerd/containerd.sock"
        let shims = Killall.processes { $0.contains("containerd-shim") && $0.contains(socket) }
        let killed = Killall.killTrees(shims)
        if !shims.isEmpty { report.append("killed \(shims.count) containerd shim(s) and \(killed - shims.count) container process(es)") }

        let unmounted = Killall.unmountAll(under: [config.runDir, config.dataDir])
        if unmounted.count > 0 { report.append("unmounted \(unmounted.count) mount(s)") }

        if Killall.run(["ip", "link", "delete", "swiftlet0"]) { report.append("deleted the pod bridge swiftlet0") }
        // The proxy's table, and the kubelet's (NodeAgent's PodMasquerade.tableName).
        for table in ["swiftlet", "swiftlet-pods"] where Killall.run(["nft", "delete", "table", "ip", table]) {
            report.append("deleted the nftables table ip \(table)")
        }

        printLine(report.isEmpty ? "nothing of Swiftlet was running" : report.joined(separator: "\n"))
        guard unmounted.failed.isEmpty else {
            for (point, reason) in unmounted.failed { printError("swiftlet killall: cannot unmount \(point): \(reason)") }
            throw ExitCode.failure
        }
    }

    /// The process serving the control socket, if one does.
    private func supervisorPID(runDir: String) -> Int32? {
        guard let client = try? ControlClient.connect(path: ControlServer.socketPath(runDir: runDir), timeout: .seconds(5)) else {
            return nil
        }
        defer { client.close() }
        return client.peerPID
    }
}

/// The mechanics of `swiftlet killall`: signals by PID, process trees from /proc, mounts from
/// /proc/self/mountinfo.
enum Killall {
    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// SIGTERM, then SIGKILL after `grace`; true when it stopped within the grace.
    static func terminate(_ pid: Int32, grace: Duration) -> Bool {
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if !isAlive(pid) { return true }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        return false
    }

    /// The components with a `<component>.pid` file in the run directory.
    static func pidFileComponents(in runDir: String) -> [String] {
        let names = DirectoryListing.names(runDir) ?? []
        return names.filter { $0.hasSuffix(".pid") }.sorted().map { String($0.dropLast(4)) }
    }

    /// PIDs whose command line (NUL-separated arguments joined by spaces) matches.
    static func processes(matching predicate: (String) -> Bool) -> [Int32] {
        allProcesses().filter { predicate($0.commandLine) }.map(\.pid)
    }

    struct ProcessEntry {
        let pid: Int32
        let parent: Int32
        let commandLine: String
    }

    static func allProcesses() -> [ProcessEntry] {
        let names = DirectoryListing.names("/proc") ?? []
        return names.compactMap { name -> ProcessEntry? in
            guard let pid = Int32(name),
                  let stat = POSIXFile.readText("/proc/\(name)/stat"),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, let parent = Int32(fields[1]) else { return nil }
            let raw = POSIXFile.read("/proc/\(name)/cmdline") ?? []
            let commandLine = String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return ProcessEntry(pid: pid, parent: parent, commandLine: commandLine)
        }
    }

    /// SIGKILLs each root and all its descendants (children first found, then the roots, so
    /// nothing is reparented away in between); returns how many processes were signalled.
    static func killTrees(_ roots: [Int32]) -> Int {
        guard !roots.isEmpty else { return 0 }
        let all = allProcesses()
        var children: [Int32: [Int32]] = [:]
        for entry in all { children[entry.parent, default: []].append(entry.pid) }
        var order: [Int32] = []
        var stack = roots
        while let pid = stack.popLast() {
            order.append(pid)
            stack.append(contentsOf: children[pid] ?? [])
        }
        // Stop the roots first so shims do not restart or reap into new states, then the rest.
        for pid in order { kill(pid, SIGSTOP) }
        for pid in order.reversed() { kill(pid, SIGKILL) }
        for pid in order { kill(pid, SIGCONT) }
        return Set(order).count
    }

    /// Lazily unmounts every mount point under the given directories, deepest first. Mounts can be
    /// stacked on one point (a network namespace bind mount that also arrived by propagation), and
    /// one umount removes only the top one: passes repeat until nothing under them is left.
    static func unmountAll(under directories: [String]) -> (count: Int, failed: [(String, String)]) {
        let roots = directories.map { (URL(fileURLWithPath: $0).resolvingSymlinksInPath().path) + "/" }
        var count = 0
        var failed: [String: String] = [:]
        for _ in 0..<64 {
            // POSIX reads, decoded leniently: Foundation's String(contentsOfFile:) gave nothing for
            // this file inside a systemd-nspawn container, so nothing was unmounted there.
            guard let text = POSIXFile.readText("/proc/self/mountinfo") else { break }
            let points = text.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                guard fields.count > 4 else { return nil }
                let point = unescape(String(fields[4]))
                return roots.contains { point.hasPrefix($0) } ? point : nil
            }
            var unmounted = 0
            for point in Set(points).sorted(by: { $0.count > $1.count }) {
                if umount2(point, Int32(MNT_DETACH)) == 0 {
                    unmounted += 1
                    failed[point] = nil
                } else {
                    failed[point] = String(cString: strerror(errno))
                }
            }
            count += unmounted
            if unmounted == 0 { break }
        }
        return (count, failed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    static func unescape(_ text: String) -> String {
        text.replacing("\\040", with: " ").replacing("\\011", with: "\t")
            .replacing("\\012", with: "\n").replacing("\\134", with: "\\")
    }

    /// Runs a tool quietly; true when it succeeded (false also when it is not installed).
    static func run(_ arguments: [String]) -> Bool {
        // Output is captured and dropped; env exits 127 when the tool is not installed.
        (try? CapturedCommand.run(["/usr/bin/env"] + arguments, outputLimit: 0))?.status == 0
    }
}
