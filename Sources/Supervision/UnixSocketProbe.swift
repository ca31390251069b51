#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Readiness and health of a component that serves no HTTPS endpoints (containerd): its unix
/// socket accepts a connection. Connecting proves a process listens there; containerd binds its
/// gRPC socket only once its plugins are loaded.
public enum UnixSocketProbe {
    /// True when a stream connection to `path` succeeds within `timeout`; the connection is closed
    /// at once. Runs on a thread of its own (never the cooperative pool).
    public static func accepts(_ path: String, timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            detachThread { continuation.resume(returning: connectOnce(path, timeout: timeout)) }
        }
    }

    /// A blocking connect with a deadline (non-blocking connect and poll: a listener whose backlog
    /// is full would otherwise block).
    static func connectOnce(_ path: String, timeout: Duration) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return true }
        guard errno == EINPROGRESS || errno == EAGAIN else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(clamping: timeout.milliseconds)
        guard poll(&poller, 1, max(milliseconds, 1)) == 1 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0
    }
}
