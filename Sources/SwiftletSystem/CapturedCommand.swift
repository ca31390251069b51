#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs an external tool without a shell and without Foundation's `Process` (the components stay
/// off Foundation to keep their memory small): stdin from bytes or a file, stdout captured or
/// written to a file, stderr captured, optionally killed after a deadline.
public enum CapturedCommand {
    public struct Result: Sendable, Equatable {
        /// The exit status, or 128 + the signal number when a signal ended the tool.
        public var status: Int32
        /// Empty when stdout went to a file.
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        /// The tool outlived its timeout and was killed with SIGKILL (`status` is then 137).
        public var timedOut = false
    }

    public struct LaunchError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Runs `command[0]` (an absolute path) with `command[1...]` and waits for it.
    ///
    /// - Parameters:
    ///   - input: written to its stdin while stdout and stderr are drained (a tool that answers a
    ///     large input with a large output must not block on a full pipe). Ignored with `stdinPath`.
    ///   - stdinPath: a file to read stdin from instead.
    ///   - stdoutPath: a file to write stdout to (created mode 0600, or truncated) instead of
    ///     capturing it.
    ///   - timeout: after this the tool and its process group (it gets its own) get SIGKILL,
    ///     and the result says `timedOut`; its outputs are read for at most a second more.
    ///   - outputLimit: output beyond this many bytes per captured stream is discarded.
    /// - Throws: `LaunchError` when a file cannot be opened or the tool cannot be started (a
    ///   missing executable included); a tool that fails is a `Result` with its status.
    public static func run(_ command: [String], input: [UInt8] = [], stdinPath: String? = nil, stdoutPath: String? = nil,
                           timeout: Duration? = nil, outputLimit: Int = 1 << 20) throws(LaunchError) -> Result {
        guard let executable = command.first else { throw LaunchError(description: "empty command") }
        // Descriptors to close in this process once the child has its copies (or on failure).
        var childEnds: [Int32] = []
        var ourEnds: [Int32] = []
        func fail(_ message: String) -> LaunchError {
            (childEnds + ourEnds).forEach { _ = close($0) }
            return LaunchError(description: message)
        }

        var stdinSource: Int32
        var stdinWriter: Int32 = -1
        if let stdinPath {
            stdinSource = open(stdinPath, O_RDONLY | O_CLOEXEC)
            guard stdinSource >= 0 else { throw fail("cannot open \(stdinPath): \(String(cString: strerror(errno)))") }
            childEnds.append(stdinSource)
        } else {
            // A socket pair, not a pipe: a tool that exits early makes our write fail with EPIPE
            // (send's MSG_NOSIGNAL) instead of raising SIGPIPE in this process.
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
                throw fail("cannot create a pipe: \(String(cString: strerror(errno)))")
            }
            (stdinSource, stdinWriter) = (fds[0], fds[1])
            childEnds.append(stdinSource); ourEnds.append(stdinWriter)
        }

        var stdoutSink: Int32
        var stdoutReader: Int32 = -1
        if let stdoutPath {
            stdoutSink = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard stdoutSink >= 0 else { throw fail("cannot create \(stdoutPath): \(String(cString: strerror(errno)))") }
            childEnds.append(stdoutSink)
        } else {
            var fds: [Int32] = [-1, -1]
            guard makePipe(&fds) else { throw fail("cannot create a pipe: \(String(cString: strerror(errno)))") }
            (stdoutReader, stdoutSink) = (fds[0], fds[1])
            childEnds.append(stdoutSink); ourEnds.append(stdoutReader)
        }

        var errFds: [Int32] = [-1, -1]
        guard makePipe(&errFds) else { throw fail("cannot create a pipe: \(String(cString: strerror(errno)))") }
        childEnds.append(errFds[1]); ourEnds.append(errFds[0])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinSource, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutSink, 1)
        posix_spawn_file_actions_adddup2(&actions, errFds[1], 2)

        // With a deadline the tool gets its own process group, so that the kill also reaches
        // what it started (a shell's children would otherwise keep the pipes open).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The tool starts with no signal blocked and every signal at its default, as Foundation's
        // Process started it: a component that blocks SIGTERM to handle it would pass that on.
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        if timeout != nil {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var pid: pid_t = 0
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        // The child's ends belong to the child now.
        childEnds.forEach { _ = close($0) }
        childEnds = []
        guard spawned == 0 else { throw fail("cannot run \(executable): \(String(cString: strerror(spawned)))") }

        var pump = OutputPump(stdin: stdinWriter, input: stdinPath == nil ? input : [],
                              stdout: stdoutReader, stderr: errFds[0], limit: outputLimit)
        var deadline = timeout.map { ContinuousClock.now + $0 }
        var timedOut = false
        while !pump.finished {
            let wait = deadline.map { max($0 - ContinuousClock.now, .zero) }
            guard pump.step(waitingAtMost: wait) == false, let passed = deadline, ContinuousClock.now >= passed else { continue }
            if timedOut {
                // Something outside the group (a daemon that called setsid) still holds a pipe.
                pump.abandon()
                break
            }
            // Keep draining for a moment after the kill: the pipes close when the group is gone.
            timedOut = true
            kill(-pid, SIGKILL)
            deadline = ContinuousClock.now + .seconds(1)
        }
        var status: Int32 = 0
        var reaped = false
        if let deadline, !timedOut {
            // A tool that closed its outputs but goes on running still gets its deadline.
            while !reaped {
                let waited = waitpid(pid, &status, WNOHANG)
                if waited == pid { reaped = true; break }
                if waited < 0 && errno != EINTR { break }
                if ContinuousClock.now >= deadline {
                    timedOut = true
                    kill(-pid, SIGKILL)
                    break
                }
                usleep(10_000)
            }
        }
        if !reaped {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        let signal = status & 0x7f
        return Result(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
                      stdout: pump.stdoutBytes, stderr: pump.stderrBytes, timedOut: timedOut)
    }
}

/// pipe(2) with both ends close-on-exec (Glibc's module does not export pipe2).
private func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}

/// Writes the input to the child's stdin and reads its outputs with poll(2) until all reach end
/// of file. A descriptor of -1 is a stream the caller does not pump.
private struct OutputPump {
    private var stdin: Int32
    private let input: [UInt8]
    private var written = 0
    private var stdout: Int32
    private var stderr: Int32
    private let limit: Int
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private(set) var stdoutBytes: [UInt8] = []
    private(set) var stderrBytes: [UInt8] = []

    init(stdin: Int32, input: [UInt8], stdout: Int32, stderr: Int32, limit: Int) {
        (self.stdin, self.input, self.stdout, self.stderr, self.limit) = (stdin, input, stdout, stderr, limit)
        if input.isEmpty { closeStdin() }
    }

    var finished: Bool { stdin < 0 && stdout < 0 && stderr < 0 }

    /// One poll round; nil waits indefinitely. Returns false when the wait ran out with nothing ready.
    mutating func step(waitingAtMost wait: Duration?) -> Bool {
        var fds: [pollfd] = []
        if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
        for fd in [stdout, stderr] where fd >= 0 { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let milliseconds: Int32 = wait.map { duration in
            let (seconds, attoseconds) = duration.components
            // Round up so a wait shorter than a millisecond does not spin.
            return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        } ?? -1
        let ready = poll(&fds, nfds_t(fds.count), milliseconds)
        if ready < 0 {
            if errno == EINTR { return true }
            // Cannot happen with valid descriptors; give up on the streams rather than spin.
            closeAll()
            return true
        }
        if ready == 0 { return false }
        for entry in fds where entry.revents != 0 {
            if entry.fd == stdin { writeInput(); continue }
            let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                _ = close(entry.fd)
                if entry.fd == stdout { stdout = -1 } else { stderr = -1 }
                continue
            }
            if entry.fd == stdout {
                if stdoutBytes.count < limit { stdoutBytes += buffer[..<min(count, limit - stdoutBytes.count)] }
            } else if stderrBytes.count < limit {
                stderrBytes += buffer[..<min(count, limit - stderrBytes.count)]
            }
        }
        return true
    }

    private mutating func writeInput() {
        let count = input.withUnsafeBufferPointer { bytes in
            send(stdin, bytes.baseAddress! + written, min(bytes.count - written, 65_536), Int32(MSG_NOSIGNAL))
        }
        if count < 0 && errno == EINTR { return }
        if count > 0 { written += count }
        if count < 0 || written == input.count { closeStdin() }
    }

    private mutating func closeStdin() {
        if stdin >= 0 { _ = close(stdin) }
        stdin = -1
    }

    /// Stops reading: closes every descriptor still open.
    mutating func abandon() { closeAll() }

    private mutating func closeAll() {
        closeStdin()
        for fd in [stdout, stderr] where fd >= 0 { _ = close(fd) }
        (stdout, stderr) = (-1, -1)
    }
}
