/// Where the supervisor learns the port a component's health endpoints listen on.
public enum PortSource: Sendable, Equatable {
    /// A port fixed by configuration.
    case fixed(Int)
    /// A file the component writes once it has bound (port 0 in tests); removed before each start.
    case portFile(String)
    /// No HTTPS endpoints: the component is ready and healthy while this unix socket accepts a
    /// connection (containerd). Readiness and health paths are unused.
    case unixSocket(String)
}

/// One supervised component, as data: what to run, how to tell it is ready and healthy, what it
/// needs first, and how long to wait for it.
///
/// Adding a component to a role is adding one of these to a `Profile`; nothing else changes.
public struct ComponentSpec: Sendable, Equatable {
    /// Short name used in PID files, logs, status and the control socket (`apiserver`).
    public var name: String
    /// The executable's file name (`swiftlet-apiserver`), found by `ExecutableLocator`.
    public var executableName: String
    /// argv[1...], normally `--config <configFile>`.
    public var arguments: [String]
    /// The typed config file the supervisor writes for the component (nil: none).
    public var configFile: String?
    /// The start-up gate, e.g. `/readyz`.
    public var readinessPath: String
    /// The liveness endpoint probed while running, e.g. `/healthz`.
    public var healthPath: String
    public var port: PortSource
    /// With a port file: the option (e.g. `--secure-port`) that pins a restarted process to the port
    /// its predecessor reported, so clients and kubeconfigs keep working; nil: never pinned.
    public var portArgument: String?
    /// Names of components that must be ready before this one starts.
    public var dependencies: [String]
    /// Time between SIGTERM and SIGKILL when stopping.
    public var stopTimeout: Duration
    /// Time from start to `/readyz` answering 200 before the start counts as failed.
    public var readyTimeout: Duration
    /// A critical component gates `READY=1` and the watchdog; a failure to ever start one stops
    /// the supervisor.
    public var critical: Bool
    /// Extra environment variables for this component (on top of the sanitized environment).
    public var environment: [String: String]

    public init(
        name: String, executableName: String, arguments: [String] = [], configFile: String? = nil,
        readinessPath: String = "/readyz", healthPath: String = "/healthz", port: PortSource,
        portArgument: String? = nil, dependencies: [String] = [], stopTimeout: Duration = .seconds(10), readyTimeout: Duration = .seconds(60),
        critical: Bool = true, environment: [String: String] = [:]
    ) {
        self.name = name
        self.executableName = executableName
        self.arguments = arguments
        self.configFile = configFile
        self.readinessPath = readinessPath
        self.healthPath = healthPath
        self.port = port
        self.portArgument = portArgument
        self.dependencies = dependencies
        self.stopTimeout = stopTimeout
        self.readyTimeout = readyTimeout
        self.critical = critical
        self.environment = environment
    }
}

/// A configuration problem of the supervisor (a profile, a component name, a request).
public struct SupervisionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    static func unknownComponent(_ name: String, known: [String]) -> SupervisionError {
        let list = known.isEmpty ? "none" : known.joined(separator: ", ")
        return SupervisionError("unknown component \"\(name)\" (components: \(list))")
    }
}
