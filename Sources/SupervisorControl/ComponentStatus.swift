import Foundation

/// One supervised component as the control socket reports it.
///
/// Dates travel as RFC 3339 strings (`2024-05-01T12:00:00Z`); absent values are `null` so a
/// client sees every field of every component.
public struct ComponentStatus: Codable, Sendable, Equatable {
    /// The component's name in the role profile, e.g. `apiserver`.
    public var name: String
    /// The supervisor's state for it, e.g. `starting`, `running`, `backoff`, `stopped`, `failed`.
    public var state: String
    /// The running process, nil when there is none.
    public var pid: Int32?
    /// When the current process started, nil when there is none.
    public var startedAt: Date?
    /// Restarts since the supervisor started (not counting explicit `start`s).
    public var restarts: Int
    /// How the previous process ended, e.g. `exit 1` or `signal 9`; nil before the first exit.
    public var lastExit: String?
    /// The last `/readyz` probe passed.
    public var ready: Bool
    /// The last `/healthz` probe passed.
    public var healthy: Bool

    public init(
        name: String, state: String, pid: Int32? = nil, startedAt: Date? = nil, restarts: Int = 0,
        lastExit: String? = nil, ready: Bool = false, healthy: Bool = false
    ) {
        self.name = name
        self.state = state
        self.pid = pid
        self.startedAt = startedAt
        self.restarts = restarts
        self.lastExit = lastExit
        self.ready = ready
        self.healthy = healthy
    }

    private enum CodingKeys: String, CodingKey {
        case name, state, pid, startedAt, restarts, lastExit, ready, healthy
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        state = try container.decode(String.self, forKey: .state)
        pid = try container.decodeIfPresent(Int32.self, forKey: .pid)
        startedAt = try container.decodeIfPresent(Date.self, forKey: .startedAt)
        restarts = try container.decodeIfPresent(Int.self, forKey: .restarts) ?? 0
        lastExit = try container.decodeIfPresent(String.self, forKey: .lastExit)
        ready = try container.decodeIfPresent(Bool.self, forKey: .ready) ?? false
        healthy = try container.decodeIfPresent(Bool.self, forKey: .healthy) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        // Optionals are written as explicit nulls: scripts reading `-o json` can rely on the keys.
        try container.encode(pid, forKey: .pid)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(restarts, forKey: .restarts)
        try container.encode(lastExit, forKey: .lastExit)
        try container.encode(ready, forKey: .ready)
        try container.encode(healthy, forKey: .healthy)
    }
}

/// What a process's end looked like, in the `lastExit` spelling.
public enum ExitDescription {
    /// `exit 1` for a normal exit with a status.
    public static func exited(_ status: Int32) -> String { "exit \(status)" }
    /// `signal 9` for a process killed by a signal.
    public static func signaled(_ signal: Int32) -> String { "signal \(signal)" }
}
