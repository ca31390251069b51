#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSystemd

/// Sends service state to the service manager (sd_notify(3)) for `Type=notify` units.
///
/// `SystemdNotifier()` is nil when `NOTIFY_SOCKET` is not set (not started by systemd, or
/// started by a supervisor that hid the socket from its children), so callers write
/// `notifier?.ready()` and get harmless no-ops elsewhere.
///
/// The environment is read as libsystemd reads it: from the process (`getenv`), and it is left in
/// place (`unset_environment` = 0). Hiding `NOTIFY_SOCKET` from child processes is the
/// supervisor's job when it builds each child's environment; unsetting it here would race with
/// other threads reading the environment.
///
/// Every method returns the failure instead of throwing or trapping: a lost notification must not
/// stop the service, and callers decide whether to log it.
public struct SystemdNotifier: Sendable {
    /// The `NOTIFY_SOCKET` value seen when the notifier was made (a path, or `@name` for an
    /// abstract socket).
    public let socketPath: String

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3)
    /// recommends, so one late ping does not trip the watchdog. Nil when the unit has no
    /// `WatchdogSec=` or `WATCHDOG_PID` names another process (the watchdog is not ours).
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the process environment.
    /// Returns nil when `NOTIFY_SOCKET` is unset or empty.
    public init?() {
        guard let raw = getenv("NOTIFY_SOCKET") else { return nil }
        let path = String(cString: raw)
        guard !path.isEmpty else { return nil }
        self.socketPath = path
        var usec: UInt64 = 0
        // > 0: enabled for this pid; 0: not enabled or for another pid; < 0: malformed variables.
        if sd_watchdog_enabled(0, &usec) > 0, usec > 0 {
            self.watchdogInterval = .microseconds(Int64(clamping: usec / 2))
        } else {
            self.watchdogInterval = nil
        }
    }

    /// `READY=1`: start-up finished (systemd moves the unit from activating to active).
    @discardableResult
    public func ready() -> SystemdError? {
        notify("READY=1")
    }

    /// `READY=1` and `STATUS=` in one datagram, so the unit never shows active without its status.
    @discardableResult
    public func ready(status text: String) -> SystemdError? {
        notify("READY=1\nSTATUS=\(Self.singleLine(text))")
    }

    /// `STATUS=`: free text shown by `systemctl status`. Newlines would start new assignments in
    /// the datagram, so they become spaces.
    @discardableResult
    public func status(_ text: String) -> SystemdError? {
        notify("STATUS=\(Self.singleLine(text))")
    }

    /// `WATCHDOG=1`: keep-alive ping; send it every `watchdogInterval` while healthy.
    @discardableResult
    public func watchdog() -> SystemdError? {
        notify("WATCHDOG=1")
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> SystemdError? {
        notify("STOPPING=1")
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=`: a configuration reload has begun. systemd 253+
    /// (`Type=notify-reload`) wants the CLOCK_MONOTONIC timestamp to tell this reload from an
    /// older one; earlier versions ignore the extra field. Send `ready()` when the reload is done.
    @discardableResult
    public func reloading() -> SystemdError? {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Sends raw newline-separated assignments (sd_notify(3) syntax).
    @discardableResult
    public func notify(_ state: String) -> SystemdError? {
        let result = sd_notify(0, state)
        if result > 0 { return nil }
        let operation = "sd_notify(\(state.split(separator: "\n").first.map(String.init) ?? ""))"
        if result == 0 {
            // libsystemd found no NOTIFY_SOCKET: someone unset it after this notifier was made.
            return SystemdError(operation: operation, reason: "NOTIFY_SOCKET is no longer set")
        }
        return .fromReturn(result, operation: operation)
    }

    static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
