/// How a child ended: exit code or signal.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public init(waitStatus status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let termSignal = status & 0x7F
        self = termSignal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(termSignal)
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// The state of a component as `swiftlet status` shows it.
public enum ComponentState: String, Sendable, Equatable, CaseIterable {
    /// Waiting for dependencies, starting, or waiting for `/readyz`.
    case starting
    case ready
    /// Ready, but the last health probe failed.
    case unhealthy
    /// Waiting for a restart (backoff) or being restarted.
    case restarting
    /// Restarting after too many restarts in a short time; still retried.
    case crashLoop = "CrashLoopBackOff"
    /// Stopped on request (or the supervisor has finished).
    case stopped
    /// SIGTERM sent, waiting for it to exit.
    case stopping
}

/// One component's status for the control socket.
public struct ComponentStatus: Sendable, Equatable {
    public var name: String
    public var state: ComponentState
    public var pid: Int32?
    /// When the current process started (monotonic offset from the supervisor's start).
    public var startedAt: Duration?
    public var restarts: Int
    public var lastExit: ExitStatus?
    public var ready: Bool
    public var healthy: Bool

    public init(name: String, state: ComponentState, pid: Int32?, startedAt: Duration?, restarts: Int,
                lastExit: ExitStatus?, ready: Bool, healthy: Bool) {
        self.name = name
        self.state = state
        self.pid = pid
        self.startedAt = startedAt
        self.restarts = restarts
        self.lastExit = lastExit
        self.ready = ready
        self.healthy = healthy
    }
}
