#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failure talking to systemd or journald, with the operation and the C error text.
///
/// The library never traps on these: callers log them and go on, because a service must keep
/// running when its notifications or log stream cannot be delivered.
public struct SystemdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was attempted, e.g. `sd_notify(READY=1)`.
    public let operation: String
    /// The positive errno value, or 0 when the failure has no errno (bad argument, missing socket).
    public let errno: Int32
    /// Human-readable reason (the `strerror` text when `errno` is set).
    public let reason: String

    public var description: String { "\(operation) failed: \(reason)" }

    init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
        self.reason = "\(SystemdError.errnoText(errno)) (errno \(errno))"
    }

    init(operation: String, reason: String) {
        self.operation = operation
        self.errno = 0
        self.reason = reason
    }

    /// libsystemd returns `-errno`; this turns such a return value into an error.
    static func fromReturn(_ value: Int32, operation: String) -> SystemdError {
        SystemdError(operation: operation, errno: value < 0 ? -value : value)
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}
