/// What the control socket asks of the supervisor. The supervisor's core implements it; the
/// socket server knows nothing else about supervision.
///
/// Each action returns once the supervisor has acted on it (a restarted component has a new
/// process, a stopped one has none); the server reports the component's status before and after,
/// so clients can say `restarted apiserver (pid 123 -> 456)`.
public protocol ControlHandler: Sendable {
    /// Every component of the role profile, in start order.
    func status() async -> [ComponentStatus]
    /// Stops the component's process and starts a new one. Throws `ControlError` for unknown names.
    func restart(_ component: String) async throws
    /// Stops the component and keeps it stopped until `start`.
    func stop(_ component: String) async throws
    /// Starts a component stopped by `stop` (or one that gave up).
    func start(_ component: String) async throws
}

/// An error whose message is shown to the control client as is.
///
/// Handlers may throw any error; `ControlError` keeps its message verbatim, other errors are
/// described with `String(describing:)`.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `unknown component "x"; components: apiserver, scheduler`.
    public static func unknownComponent(_ name: String, known: [String]) -> ControlError {
        let list = known.isEmpty ? "none" : known.joined(separator: ", ")
        return ControlError("unknown component \"\(name)\"; components: \(list)")
    }

    /// The request did not parse; `detail` says why.
    public static func malformedRequest(_ detail: String) -> ControlError {
        ControlError("malformed request: \(detail); send one JSON object per line, e.g. {\"op\":\"status\"}")
    }

    /// A request line longer than the server accepts.
    public static func requestTooLarge(limit: Int) -> ControlError {
        ControlError("request too large: more than \(limit) bytes without a newline")
    }

    /// The peer's user may not use the socket.
    public static func permissionDenied(uid: UInt32) -> ControlError {
        ControlError("permission denied: uid \(uid) may not use the control socket")
    }
}
