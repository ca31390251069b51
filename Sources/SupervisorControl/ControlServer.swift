#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Supervision

/// The supervisor's control socket: a unix stream socket answering one JSON request per line
/// with one JSON response per line (see `ControlRequest`, `ControlResponse`).
///
/// Security: the socket is mode 0600 in a 0700 directory, and every connection's peer is checked
/// with `SO_PEERCRED`: only root and the server's own user are served (so a root supervisor serves
/// root alone). Clients are served concurrently; requests on one connection in order.
///
/// Robustness: a line longer than `maxRequestBytes` gets an error and the connection is closed;
/// malformed JSON and unknown ops get an error response and the connection stays open.
///
/// Plain blocking sockets on threads of their own: one accepting, one per connection (clients are
/// a person at a terminal or a script, a handful at most). Each request goes to the async
/// `ControlHandler` in a task while the connection's thread waits, so Swift's cooperative pool is
/// never blocked. No event loop library: this runs in the supervisor, which must stay small.
public final class ControlServer: Sendable {
    /// The default request size limit.
    public static let defaultMaxRequestBytes = 64 * 1024

    /// The socket's path.
    public let path: String
    private let listener: Int32
    /// A pipe whose write end wakes the accepting thread on `stop()`.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let connections = ConnectionRegistry()
    /// The accepting thread and every connection's thread; `stop()` waits for all of them.
    private let threads = DispatchGroup()

    private init(path: String, listener: Int32, wakeRead: Int32, wakeWrite: Int32) {
        self.path = path
        self.listener = listener
        self.wakeRead = wakeRead
        self.wakeWrite = wakeWrite
    }

    /// `<run-dir>/swiftlet.sock`.
    public static func socketPath(runDir: String) -> String {
        (runDir.hasSuffix("/") ? runDir : runDir + "/") + ControlSocketFile.fileName
    }

    /// Binds the socket and starts serving `handler`.
    ///
    /// Creates the directory (0700) when missing and removes a stale socket file nobody answers on.
    /// Throws `ControlServerError` when another server answers on `path` (its message is meant to
    /// be printed as is) or when the socket cannot be created.
    public static func start(
        path: String,
        handler: some ControlHandler,
        maxRequestBytes: Int = defaultMaxRequestBytes
    ) async throws -> ControlServer {
        try ControlSocketFile.prepareDirectory(of: path)
        try ControlSocketFile.removeStale(at: path)
        let listener: Int32
        do {
            listener = try UnixSocket.listen(path, backlog: 32)
        } catch {
            // Two servers racing past the stale check: the loser finds the path taken.
            if error.errno == EADDRINUSE, ControlSocketProbe.probe(path) == .live { throw ControlServerError.alreadyRunning(path) }
            throw ControlServerError("cannot listen on \(path): \(error.message)")
        }
        do {
            try ControlSocketFile.restrict(path)
        } catch {
            close(listener)
            unlink(path)
            throw error
        }
        var pipeEnds: [Int32] = [0, 0]
        // (No pipe2 in Swift's Glibc: the flags are set after.)
        guard pipe(&pipeEnds) == 0 else {
            let message = String(cString: strerror(errno))
            close(listener)
            unlink(path)
            throw ControlServerError("cannot create a pipe for the control server: \(message)")
        }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        let server = ControlServer(path: path, listener: listener, wakeRead: pipeEnds[0], wakeWrite: pipeEnds[1])
        let handler: any ControlHandler = handler
        server.threads.enter()
        detachThread {
            server.acceptConnections(handler: handler, maxRequestBytes: maxRequestBytes)
            server.threads.leave()
        }
        return server
    }

    /// Stops accepting, closes open connections (a request in progress is abandoned: its client
    /// sees the connection close) and removes the socket file. Returns once every thread finished.
    /// Calling it again only waits for the threads.
    public func stop() async {
        let first = connections.stopAll()
        if first {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            threads.notify(queue: .global()) { continuation.resume() }
        }
        // Closed only now that the accepting thread no longer polls them.
        guard first else { return }
        close(listener)
        close(wakeRead)
        close(wakeWrite)
        // Remove only our own socket: a successor may already have bound a new one at the path.
        // A process being spawned at this moment holds a copy of our listener until its exec, so
        // the socket can answer for a moment after the close: look again before deciding.
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else { return }
        var live = ControlSocketProbe.probe(path) == .live
        for _ in 0..<25 where live {
            try? await Task.sleep(for: .milliseconds(20))
            live = ControlSocketProbe.probe(path) == .live
        }
        if !live { unlink(path) }
    }

    /// Whether a peer with `uid` may use a server running as `serverUID`.
    public static func isAllowed(peerUID: UInt32, serverUID: UInt32) -> Bool {
        peerUID == 0 || peerUID == serverUID
    }

    /// The accepting thread: waits for a client or the wake-up pipe, and gives every client a
    /// thread of its own.
    private func acceptConnections(handler: any ControlHandler, maxRequestBytes: Int) {
        let serverUID = UInt32(geteuid())
        var descriptors = [
            pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while !connections.isStopped {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if descriptors[1].revents != 0 { return }
            guard descriptors[0].revents & Int16(POLLIN) != 0 else {
                if descriptors[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return }
                continue
            }
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                switch errno {
                case EINTR, EAGAIN, EWOULDBLOCK, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: let it pass rather than spin.
                    usleep(100_000)
                    continue
                default:
                    return
                }
            }
            // No accept4 in Swift's Glibc; children close inherited descriptors anyway.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard let connection = connections.add(fd) else {
                close(fd)
                return
            }
            let connections = self.connections
            threads.enter()
            detachThread { [threads] in
                ControlConnection(
                    fd: fd, answered: connection.answered, connections: connections,
                    maxRequestBytes: maxRequestBytes
                ).serve(handler: handler, serverUID: serverUID)
                // Unregistered before the descriptor is closed, so `stop()` never shuts down a
                // descriptor number reused by someone else.
                connections.remove(connection.id)
                close(fd)
                threads.leave()
            }
        }
    }
}
