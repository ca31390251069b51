#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs an external tool without a shell and without Foundation's `Process` (the components stay
/// off Foundation to keep their memory small): stdin from bytes, stdout and stderr captured.
public enum CapturedCommand {
    public struct Result: Sendable, Equatable {
        /// The exit status, or 128 + the signal number when a signal ended the tool.
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    public struct LaunchError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Runs `command[0]` (an absolute path) with `command[1...]`, writing `input` to its stdin
    /// while draining stdout and stderr (a tool that answers a large input with a large output
    /// must not block on a full pipe). Output beyond `outputLimit` bytes per stream is discarded.
    public static func run(_ command: [String], input: [UInt8] = [], outputLimit: Int = 1 << 20) throws(LaunchError) -> Result {
        guard let executable = command.first else { throw LaunchError(description: "empty command") }
        // stdin is a socket pair, not a pipe: a tool that exits early makes our write fail with
        // EPIPE (send's MSG_NOSIGNAL) instead of raising SIGPIPE in this process.
        var pipes: [[Int32]] = []
        for index in 0..<3 {
            var fds: [Int32] = [-1, -1]
            let made = index == 0 ? socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
                                  : pipe(&fds)
            guard made == 0 else {
                let reason = String(cString: strerror(errno))
                for pair in pipes { pair.forEach { _ = close($0) } }
                throw LaunchError(description: "cannot create a pipe: \(reason)")
            }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipes.append(fds)
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        var pid: pid_t = 0
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        // The child's ends belong to the child now.
        _ = close(stdinPipe[0]); _ = close(stdoutPipe[1]); _ = close(stderrPipe[1])
        guard spawned == 0 else {
            _ = close(stdinPipe[1]); _ = close(stdoutPipe[0]); _ = close(stderrPipe[0])
            throw LaunchError(description: "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }

        var result = Result(status: 0, stdout: [], stderr: [])
        pump(input: input, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0], limit: outputLimit, into: &result)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        result.status = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return result
    }

    /// Writes `input` and reads both outputs with poll(2) until both reach end of file.
    private static func pump(input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32, limit: Int, into result: inout Result) {
        var written = 0
        var stdinOpen = true
        if input.isEmpty { _ = close(stdin); stdinOpen = false }
        var open: [Int32: Bool] = [stdout: true, stderr: true]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while stdinOpen || open.values.contains(true) {
            var fds: [pollfd] = []
            if stdinOpen { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            for (fd, isOpen) in open where isOpen { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            for entry in fds where entry.revents != 0 {
                if entry.fd == stdin && stdinOpen {
                    let count = input.withUnsafeBufferPointer { bytes in
                        send(stdin, bytes.baseAddress! + written, min(bytes.count - written, 65_536), Int32(MSG_NOSIGNAL))
                    }
                    if count > 0 { written += count }
                    if count < 0 && errno == EINTR { continue }
                    if count < 0 || written == input.count {
                        _ = close(stdin)
                        stdinOpen = false
                    }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    _ = close(entry.fd)
                    open[entry.fd] = false
                    continue
                }
                if entry.fd == stdout {
                    if result.stdout.count < limit { result.stdout += buffer[..<min(count, limit - result.stdout.count)] }
                } else if result.stderr.count < limit {
                    result.stderr += buffer[..<min(count, limit - result.stderr.count)]
                }
            }
        }
        for (fd, isOpen) in open where isOpen { _ = close(fd) }
        if stdinOpen { _ = close(stdin) }
    }
}
