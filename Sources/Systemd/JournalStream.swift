#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSystemd

/// Log streams into journald, so each supervised component appears under its own identifier
/// (`journalctl -t swiftlet-apiserver`).
///
/// Use `isAvailable` first; without journald the supervisor prefixes the child's lines on its own
/// stderr instead.
public enum JournalStream {
    /// journald's stream socket; sd_journal_stream_fd(3) connects here.
    public static let stdoutSocketPath = "/run/systemd/journal/stdout"

    /// Syslog priorities (`PRIORITY=`), 0 = emerg ... 7 = debug.
    public static let priorities: ClosedRange<Int32> = 0...7

    /// True when journald's stream socket exists (journald is running on this host or in this
    /// mount namespace).
    public static var isAvailable: Bool {
        var info = stat()
        guard stat(stdoutSocketPath, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFSOCK
    }

    /// Opens a stream connection to journald and returns its file descriptor, to be given to a
    /// child as stdout or stderr (dup2 clears the close-on-exec flag libsystemd sets).
    /// The caller owns the descriptor and closes it once the child has it.
    ///
    /// - Parameters:
    ///   - identifier: `SYSLOG_IDENTIFIER` of every line, e.g. `swiftlet-scheduler`.
    ///   - priority: priority of lines without a prefix (0...7; 6 = info, 3 = err).
    ///   - levelPrefix: when true a line starting with `<N>` is logged at priority N (the
    ///     sd-daemon(3) prefix convention) and the prefix is stripped.
    /// - Throws: `SystemdError` naming the reason (bad argument, or the errno text when journald
    ///   cannot be reached).
    public static func open(identifier: String, priority: Int32, levelPrefix: Bool) throws -> Int32 {
        try validate(identifier: identifier, priority: priority, operation: "sd_journal_stream_fd")
        let fd = sd_journal_stream_fd(identifier, priority, levelPrefix ? 1 : 0)
        guard fd >= 0 else {
            throw SystemdError.fromReturn(fd, operation: "sd_journal_stream_fd(\(identifier))")
        }
        return fd
    }

    /// Sends one entry with the native protocol (sd_journal_sendv(3)). The message may hold
    /// newlines; it stays one entry.
    public static func send(message: String, priority: Int32, identifier: String) throws {
        try validate(identifier: identifier, priority: priority, operation: "sd_journal_send")
        let fields = ["MESSAGE=\(message)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=\(identifier)"]
        // Each iovec points at a buffer of its field's bytes (no terminating NUL: the length is
        // explicit, so a message may even hold NUL bytes); the buffers live until sendv returns.
        let buffers = fields.map { field -> UnsafeMutableBufferPointer<UInt8> in
            let bytes = Array(field.utf8)
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            _ = buffer.initialize(from: bytes)
            return UnsafeMutableBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer { buffers.forEach { $0.baseAddress?.deallocate() } }
        let vectors = buffers.map { iovec(iov_base: UnsafeMutableRawPointer($0.baseAddress), iov_len: $0.count) }
        let result = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        if result < 0 {
            throw SystemdError.fromReturn(result, operation: "sd_journal_send(\(identifier))")
        }
    }

    static func validate(identifier: String, priority: Int32, operation: String) throws {
        guard priorities.contains(priority) else {
            throw SystemdError(operation: operation, reason: "priority \(priority) is outside 0...7")
        }
        guard !identifier.isEmpty else {
            throw SystemdError(operation: operation, reason: "identifier is empty")
        }
        // The stream protocol sends the identifier as a header line; a newline or NUL would
        // corrupt the header that follows it.
        guard !identifier.utf8.contains(where: { $0 == 0x0A || $0 == 0x00 }) else {
            throw SystemdError(operation: operation, reason: "identifier contains a newline or NUL")
        }
    }
}
