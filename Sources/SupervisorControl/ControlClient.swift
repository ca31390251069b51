#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a control request got no answer.
public enum ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No socket file, or a stale one: the supervisor is not running.
    case notRunning(path: String)
    /// The socket exists but this user may not connect.
    case permissionDenied(path: String)
    /// No complete response in time.
    case timedOut(path: String, after: Duration)
    /// Any other socket failure, or a response that is not valid.
    case failed(path: String, message: String)

    public var description: String {
        switch self {
        case .notRunning(let path):
            "swiftlet is not running (no control socket at \(path))"
        case .permissionDenied(let path):
            "permission denied on the control socket \(path) (run as root or as the user running swiftlet)"
        case .timedOut(let path, let after):
            "no answer from the control socket \(path) within \(after)"
        case .failed(let path, let message):
            "control socket \(path): \(message)"
        }
    }
}

/// A blocking client of the control socket, for the CLI: one connection, requests in turn.
public final class ControlClient: @unchecked Sendable {
    // @unchecked: the descriptor is used by one caller at a time (the CLI's single task); the class
    // exists only so the descriptor is closed exactly once.
    public let path: String
    public let timeout: Duration
    private var fd: Int32
    private var pending: [UInt8] = []

    private init(path: String, fd: Int32, timeout: Duration) {
        self.path = path
        self.fd = fd
        self.timeout = timeout
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// The PID of the process serving the socket (SO_PEERCRED): the supervisor itself, found
    /// without trusting a PID file.
    public var peerPID: Int32? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (hidden behind _GNU_SOURCE in the headers).
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard fd >= 0, getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials.pid > 0 else { return nil }
        return credentials.pid
    }

    /// Connects to the socket at `path`; every later `send` must complete within `timeout`.
    public static func connect(path: String, timeout: Duration = .seconds(30)) throws(ControlClientError) -> ControlClient {
        do {
            let fd = try UnixSocket.connect(path)
            return ControlClient(path: path, fd: fd, timeout: timeout)
        } catch {
            switch error.errno {
            case ENOENT, ENOTDIR, ECONNREFUSED: throw .notRunning(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            default: throw .failed(path: path, message: error.message)
            }
        }
    }

    /// Closes the connection; later sends fail.
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends one request and waits for its response.
    public func send(_ request: ControlRequest) throws(ControlClientError) -> ControlResponse {
        let line = try sendRaw(request.encodedLine())
        do {
            return try ControlResponse.parse(line)
        } catch {
            throw .failed(path: path, message: "the response is not valid: \(error)")
        }
    }

    /// Sends raw bytes (tests send malformed ones) and returns the next response line.
    public func sendRaw(_ bytes: some Collection<UInt8>) throws(ControlClientError) -> [UInt8] {
        guard fd >= 0 else { throw .failed(path: path, message: "connection closed") }
        let deadline = ContinuousClock.now + timeout
        let raw = [UInt8](bytes)
        var offset = 0
        while offset < raw.count {
            try wait(for: Int16(POLLOUT), until: deadline)
            let written = raw.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                // The server hung up mid-request (e.g. it refused an oversize one): its answer may
                // already be waiting to be read.
                if errno == EPIPE || errno == ECONNRESET { break }
                throw failure("send")
            }
            offset += written
        }
        return try readLine(until: deadline)
    }

    private func readLine(until deadline: ContinuousClock.Instant) throws(ControlClientError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            try wait(for: Int16(POLLIN), until: deadline)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw failure("receive")
            }
            if count == 0 {
                throw .failed(path: path, message: "the supervisor closed the connection without an answer")
            }
            pending.append(contentsOf: chunk[0..<count])
        }
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws(ControlClientError) {
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { throw .timedOut(path: path, after: timeout) }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw failure("poll") }
        }
    }

    private func failure(_ operation: String) -> ControlClientError {
        .failed(path: path, message: "\(operation): \(String(cString: strerror(errno)))")
    }
}
