import SupervisorControl

/// One line of `swiftlet check-config`.
public struct CheckResult: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok
        /// Something needed is absent.
        case missing
        /// Works, but something is not as it should be, or an optional part is absent.
        case warning
        /// Present but unusable (e.g. the HTTPS port is taken).
        case fail
    }

    public var status: Status
    /// What was checked, e.g. `kernel`, `cgroups`, `binary swiftlet-apiserver`.
    public var item: String
    /// What was found.
    public var detail: String
    /// How to fix a problem; nil when there is none.
    public var fix: String?
    /// A required item makes the check fail unless it is `ok` or `warning`.
    public var required: Bool

    public init(_ status: Status, _ item: String, _ detail: String, fix: String? = nil, required: Bool = true) {
        self.status = status
        self.item = item
        self.detail = detail
        self.fix = fix
        self.required = required
    }

    /// True when this line makes `check-config` exit 1.
    public var isFatal: Bool { required && (status == .missing || status == .fail) }
}

/// The host as `check-config` sees it; injected so the checks are tested without the real host.
public struct HostProbe: Sendable {
    public var exists: @Sendable (String) -> Bool
    public var isDirectory: @Sendable (String) -> Bool
    public var isExecutable: @Sendable (String) -> Bool
    public var isWritable: @Sendable (String) -> Bool
    public var readFile: @Sendable (String) -> String?
    public var listDirectory: @Sendable (String) -> [String]
    /// Permission bits of a file, nil when it cannot be read.
    public var mode: @Sendable (String) -> UInt32?
    public var kernelRelease: @Sendable () -> String?
    /// True when a TCP listener could bind 127.0.0.1:port.
    public var canBindLoopback: @Sendable (Int) -> Bool

    public init(
        exists: @escaping @Sendable (String) -> Bool, isDirectory: @escaping @Sendable (String) -> Bool,
        isExecutable: @escaping @Sendable (String) -> Bool, isWritable: @escaping @Sendable (String) -> Bool,
        readFile: @escaping @Sendable (String) -> String?, listDirectory: @escaping @Sendable (String) -> [String],
        mode: @escaping @Sendable (String) -> UInt32?, kernelRelease: @escaping @Sendable () -> String?,
        canBindLoopback: @escaping @Sendable (Int) -> Bool
    ) {
        self.exists = exists
        self.isDirectory = isDirectory
        self.isExecutable = isExecutable
        self.isWritable = isWritable
        self.readFile = readFile
        self.listDirectory = listDirectory
        self.mode = mode
        self.kernelRelease = kernelRelease
        self.canBindLoopback = canBindLoopback
    }
}

/// What `check-config` checks against: the resolved directories and port, where swiftlet runs from.
public struct CheckContext: Sendable {
    public var dataDir: String
    public var runDir: String
    public var httpsListenPort: Int
    /// The directory of the running `swiftlet` binary, nil when unknown.
    public var binaryDirectory: String?
    /// `PATH`, for optional tools.
    public var pathVariable: String

    public init(dataDir: String, runDir: String, httpsListenPort: Int, binaryDirectory: String?, pathVariable: String) {
        self.dataDir = dataDir
        self.runDir = runDir
        self.httpsListenPort = httpsListenPort
        self.binaryDirectory = binaryDirectory
        self.pathVariable = pathVariable
    }
}

/// `swiftlet check-config`: what this host has and lacks for running Swiftlet.
public enum ConfigCheck {
    /// Component executables and whether `swiftlet server` cannot run without them today.
    public static let componentBinaries: [(name: String, required: Bool)] = [
        ("swiftlet-apiserver", true), ("swiftlet-controllers", false), ("swiftlet-scheduler", false),
        ("swiftlet-kubelet", false), ("swiftlet-proxy", false), ("swiftlet-dns", false),
    ]
    /// Optional tools looked up on PATH and the usual system directories.
    public static let optionalTools = ["containerd", "runc", "nft", "journalctl", "kubectl"]
    /// CNI plugins the node components use.
    public static let cniPlugins = ["bridge", "host-local", "loopback", "portmap"]
    public static let cniDirectories = ["/usr/lib/cni", "/opt/cni/bin"]

    /// Every check, in display order.
    public static func run(_ context: CheckContext, probe: HostProbe) -> [CheckResult] {
        HostChecks.kernel(probe) + HostChecks.cgroups(probe) + HostChecks.kernelFeatures(probe)
            + binaries(context, probe) + optional(context, probe) + HostChecks.port(context, probe)
            + HostChecks.directories(context, probe)
    }

    /// The text `check-config` prints: one aligned line per item, fixes indented under it.
    public static func render(_ results: [CheckResult]) -> String {
        let width = results.map(\.item.count).max() ?? 0
        var text = ""
        for result in results {
            let status = padded(result.status.rawValue, to: 8)
            let optional = result.required ? "" : " (optional)"
            text += "\(status) \(padded(result.item, to: width))   \(result.detail)\(optional)\n"
            if let fix = result.fix, result.status != .ok { text += String(repeating: " ", count: 9) + "fix: \(fix)\n" }
        }
        let fatal = results.filter(\.isFatal).count
        let warnings = results.filter { $0.status != .ok && !$0.isFatal }.count
        text += fatal == 0
            ? "\nall required items present (\(warnings) warnings)\n"
            : "\n\(fatal) required items missing or failing (\(warnings) warnings)\n"
        return text
    }

    /// `text` cut or padded with spaces to `width` characters (NSString's `padding(toLength:)`).
    static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    static func binaries(_ context: CheckContext, _ probe: HostProbe) -> [CheckResult] {
        let directories = [context.binaryDirectory, "/usr/lib/swiftlet"].compactMap { $0 }
        return componentBinaries.map { binary in
            let found = directories.map { $0 + "/" + binary.name }.first(where: probe.isExecutable)
            if let found { return CheckResult(.ok, "binary \(binary.name)", found, required: binary.required) }
            return CheckResult(
                binary.required ? .missing : .warning, "binary \(binary.name)",
                "not found in \(directories.joined(separator: ", "))",
                fix: "install the swiftlet package, or build it (`swift build`) and run swiftlet from the build directory",
                required: binary.required)
        }
    }

    static func optional(_ context: CheckContext, _ probe: HostProbe) -> [CheckResult] {
        let directories = context.pathVariable.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
            + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        var results = optionalTools.map { tool in
            if let found = directories.map({ $0 + "/" + tool }).first(where: probe.isExecutable) {
                return CheckResult(.ok, tool, found, required: false)
            }
            return CheckResult(.warning, tool, "not found", fix: "apt-get install \(package(of: tool))", required: false)
        }
        let found = cniPlugins.filter { plugin in
            cniDirectories.contains { probe.isExecutable($0 + "/" + plugin) }
        }
        let missing = cniPlugins.filter { !found.contains($0) }
        results.append(missing.isEmpty
            ? CheckResult(.ok, "cni plugins", found.joined(separator: ", "), required: false)
            : CheckResult(.warning, "cni plugins", "missing \(missing.joined(separator: ", ")) in \(cniDirectories.joined(separator: " or "))",
                          fix: "apt-get install containernetworking-plugins", required: false))
        return results
    }

    private static func package(of tool: String) -> String {
        switch tool {
        case "nft": "nftables"
        case "journalctl": "systemd"
        default: tool
        }
    }
}
