#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Stops components left running by an earlier supervisor (one that was killed), found through
/// their PID files.
///
/// A PID is signalled only when `/proc/<pid>/cmdline` names the component's executable AND
/// `/proc/<pid>/environ` holds `SWIFTLET_MANAGED=1`: a recycled PID belonging to anything else is
/// never touched, and its stale PID file is just removed.
public struct StaleProcessCleanup: Sendable {
    /// The `/proc` directory (a test may point elsewhere).
    public var procRoot: String
    /// How often to look whether a signalled process is gone.
    public var pollInterval: Duration

    public init(procRoot: String = "/proc", pollInterval: Duration = .milliseconds(20)) {
        self.procRoot = procRoot
        self.pollInterval = pollInterval
    }

    /// What happened to one PID file.
    public enum Outcome: Sendable, Equatable {
        case noPIDFile
        /// The file was removed; its PID was not a process of ours.
        case removedStaleFile(pid: Int32?)
        /// The process was ours and is gone now (`killed`: it needed SIGKILL).
        case stopped(pid: Int32, killed: Bool)
    }

    /// Checks and clears `pidFile` for a component run by `executableName`.
    public func clean(pidFile: PIDFile, executableName: String, stopTimeout: Duration) async -> Outcome {
        guard POSIXFile.exists(pidFile.path) else { return .noPIDFile }
        guard let pid = pidFile.read(), isManaged(pid: pid, executableName: executableName) else {
            let pid = pidFile.read()
            pidFile.remove()
            return .removedStaleFile(pid: pid)
        }
        signal(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + stopTimeout
        var killed = false
        while isAlive(pid) {
            if !killed, clock.now >= deadline {
                signal(pid, SIGKILL)
                killed = true
            }
            try? await Task.sleep(for: pollInterval)
        }
        pidFile.remove()
        return .stopped(pid: pid, killed: killed)
    }

    /// True when `pid` runs `executableName` (argv[0]'s last path component) with the marker.
    public func isManaged(pid: Int32, executableName: String) -> Bool {
        guard let cmdline = POSIXFile.read("\(procRoot)/\(pid)/cmdline"),
              let environ = POSIXFile.read("\(procRoot)/\(pid)/environ") else { return false }
        let argv0 = cmdline.split(separator: 0, omittingEmptySubsequences: false).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let base = argv0.split(separator: "/").last.map(String.init) ?? argv0
        guard base == executableName else { return false }
        let marker = Array("\(ChildEnvironment.managedMarker)=1".utf8)
        return environ.split(separator: 0).contains { Array($0) == marker }
    }

    /// Signals the process group the PID leads (components lead their own), else the PID alone.
    private func signal(_ pid: Int32, _ signal: Int32) {
        if getpgid(pid) == pid {
            kill(-pid, signal)
        } else {
            kill(pid, signal)
        }
    }

    /// A zombie counts as gone: it no longer runs, only its parent has yet to reap it.
    private func isAlive(_ pid: Int32) -> Bool {
        guard let stat = POSIXFile.readText("\(procRoot)/\(pid)/stat") else { return false }
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmedWhitespace.first
        return state != "Z" && state != "X"
    }
}
