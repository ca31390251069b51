#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the control server could not take its socket path.
public struct ControlServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// Another supervisor answers on the socket.
    public static func alreadyRunning(_ path: String) -> ControlServerError {
        ControlServerError("another swiftlet supervisor is already running (its control socket \(path) answers); stop it first or use another --run-dir")
    }
}

/// The socket's file: its directory (0700), a stale file left by a crashed supervisor, and the
/// socket's own mode (0600).
enum ControlSocketFile {
    /// The default socket name inside the run directory.
    static let fileName = "swiftlet.sock"

    /// Creates the socket's directory with mode 0700 when missing; an existing directory owned by
    /// this user is tightened to 0700 (it holds the supervisor's socket and PID files).
    static func prepareDirectory(of path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        var prefix = ""
        for part in directory.split(separator: "/") {
            prefix += (directory.hasPrefix("/") || !prefix.isEmpty ? "/" : "") + part
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw ControlServerError("cannot create the run directory \(directory): \(String(cString: strerror(errno)))")
            }
        }
        var info = stat()
        if stat(directory, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 != 0 {
            _ = chmod(directory, 0o700)
        }
    }

    /// Removes a stale socket at `path` (nothing answers on it); refuses when a server answers or
    /// when the path is something other than a socket.
    static func removeStale(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlServerError("\(path) exists and is not a socket; remove it or use another --run-dir")
        }
        switch ControlSocketProbe.probe(path) {
        case .live:
            throw ControlServerError.alreadyRunning(path)
        case .absent, .refused:
            if unlink(path) != 0, errno != ENOENT {
                throw ControlServerError("cannot remove the stale control socket \(path): \(String(cString: strerror(errno)))")
            }
        case .denied:
            throw ControlServerError("cannot check the control socket \(path): permission denied")
        }
    }

    /// Sets the socket's mode to 0600 (only its owner may connect).
    static func restrict(_ path: String) throws {
        if chmod(path, 0o600) != 0 {
            throw ControlServerError("cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Whether something listens on a unix socket path, by trying to connect.
public enum ControlSocketProbe {
    public enum Result: Sendable, Equatable {
        /// A server accepted the connection.
        case live
        /// No file at the path.
        case absent
        /// A socket file nobody listens on (a crashed server's leftover).
        case refused
        /// This user may not connect.
        case denied
    }

    public static func probe(_ path: String) -> Result {
        let fd: Int32
        do {
            fd = try UnixSocket.connect(path)
        } catch {
            switch error.errno {
            case ENOENT, ENOTDIR: return .absent
            case EACCES, EPERM: return .denied
            default: return .refused
            }
        }
        close(fd)
        return .live
    }
}

/// Unix stream socket helpers shared by the client, the server and the probe.
enum UnixSocket {
    struct Failure: Error {
        let errno: Int32
        let operation: String
        var message: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    /// A connected, blocking socket; the caller closes it.
    static func connect(_ path: String) throws(Failure) -> Int32 {
        var address = try self.address(path, for: "connect")
        let fd = try stream(nonBlocking: false)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 {
            let code = errno
            close(fd)
            throw Failure(errno: code, operation: "connect")
        }
        return fd
    }

    /// A non-blocking socket bound to `path` and listening; the caller closes it and removes the file.
    static func listen(_ path: String, backlog: Int32) throws(Failure) -> Int32 {
        var address = try self.address(path, for: "bind")
        let fd = try stream(nonBlocking: true)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if bound != 0 {
            let code = errno
            close(fd)
            throw Failure(errno: code, operation: "bind")
        }
        if Glibc.listen(fd, backlog) != 0 {
            let code = errno
            close(fd)
            unlink(path)
            throw Failure(errno: code, operation: "listen")
        }
        return fd
    }

    private static func address(_ path: String, for operation: String) throws(Failure) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw Failure(errno: ENAMETOOLONG, operation: operation) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    private static func stream(nonBlocking: Bool) throws(Failure) -> Int32 {
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        #else
        let type = SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0)
        #endif
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw Failure(errno: errno, operation: "socket") }
        return fd
    }
}
