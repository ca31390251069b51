#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A supervised child: started without a shell in a process group of its own, so a signal reaches
/// everything it started.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String

    /// Starts `executable` with `arguments` (argv[1...]) and exactly `environment`.
    ///
    /// The child leads a new process group, has SIGTERM/SIGINT/SIGPIPE/SIGHUP reset to their defaults
    /// (the supervisor ignores some of them, and ignored dispositions survive exec), an empty signal
    /// mask, stdin from /dev/null, and stdout/stderr on the given descriptors (nil: the supervisor's).
    public static func spawn(
        executable: String, arguments: [String], environment: [String: String],
        stdout: Int32? = nil, stderr: Int32? = nil
    ) throws -> ChildProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
        if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        // Nothing else of the supervisor's (sockets, database files, other children's pipes) leaks
        // into a component, whether or not it was opened close-on-exec.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ChildEnvironment.envp(environment).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SupervisionError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, executable: executable)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time because
    /// Swift imports the header without `_GNU_SOURCE`; nil on older systems.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Sends `signal` to the child's process group (its PID is the group id).
    public func signalGroup(_ signal: Int32) {
        if kill(-pid, signal) != 0, errno == ESRCH {
            // The group is gone but the leader may not have been reaped yet; signal it directly.
            kill(pid, signal)
        }
    }

    /// Waits until the child exits and reaps it. Call once: a blocking `waitpid` runs on a thread of
    /// its own so it never occupies the cooperative pool.
    public func waitForExit() async -> ExitStatus {
        let pid = self.pid
        return await withCheckedContinuation { continuation in
            detachThread {
                var status: Int32 = 0
                while true {
                    let result = waitpid(pid, &status, 0)
                    if result == pid { break }
                    if result == -1, errno == EINTR { continue }
                    // ECHILD: someone else reaped it; report an unknown failure rather than hang.
                    status = 0xFF << 8
                    break
                }
                continuation.resume(returning: ExitStatus(waitStatus: status))
            }
        }
    }
}

/// A PID file `<run-dir>/<component>.pid` holding the child's PID, removed when it stops.
public struct PIDFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The PID in the file, nil when it is missing or not a positive number.
    public func read() -> pid_t? {
        guard let text = POSIXFile.readText(path), let pid = pid_t(text.trimmedWhitespace), pid > 1 else { return nil }
        return pid
    }

    public func write(_ pid: pid_t) throws {
        try POSIXFile.write("\(pid)\n", to: path)
    }

    public func remove() {
        unlink(path)
    }
}
