#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import Supervision
import SwiftletCore
import SwiftletSystem

/// `swiftlet server`: runs the control plane under supervision.
///
/// Every option is also a `SWIFTLET_*` environment variable and a key of the configuration files;
/// options are optional here so that "not given" can fall through to those sources.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the Swiftlet control plane (apiserver) under supervision and write an admin kubeconfig.",
        discussion: """
            Settings come from flags, then SWIFTLET_* environment variables (e.g. SWIFTLET_DATA_DIR), \
            then /etc/swiftlet/config.yaml and /etc/swiftlet/config.yaml.d/*.yaml (later files win), \
            then defaults. Prints one line on stdout once the cluster is ready.
            """
    )

    @Option(name: .customLong("config"), help: "Configuration file (env SWIFTLET_CONFIG_FILE; default /etc/swiftlet/config.yaml).")
    var configFile: String?

    @Option(name: .customLong("data-dir"), help: "State directory (default /var/lib/swiftlet, or ~/.swiftlet when not root).")
    var dataDir: String?

    @Option(name: .customLong("run-dir"), help: "Runtime directory (default /run/swiftlet, or <data-dir>/run when not root).")
    var runDir: String?

    @Option(name: .customLong("https-listen-port"), help: "Apiserver HTTPS port (default 6443; 0 picks a free port).")
    var httpsListenPort: String?

    @Option(name: .customLong("bind-address"), help: "Address the apiserver listens on (default 0.0.0.0).")
    var bindAddress: String?

    @Option(name: .customLong("advertise-address"), help: "Address advertised to clients (default: a host address).")
    var advertiseAddress: String?

    @Option(name: .customLong("write-kubeconfig"), help: "Admin kubeconfig path (default /etc/swiftlet/swiftlet.yaml, or <data-dir>/swiftlet.yaml when not root).")
    var writeKubeconfig: String?

    @Option(name: .customLong("write-kubeconfig-mode"), help: "Octal mode of the admin kubeconfig (default 0600).")
    var writeKubeconfigMode: String?

    @Option(name: .customLong("tls-san"), help: "Extra name or IP for the serving certificate (repeatable).")
    var tlsSAN: [String] = []

    @Option(name: .customLong("kubelet-arg"), help: "A kubelet setting as key=value, as in K3s (repeatable): eviction-hard=<signal><<limit>[,...], eviction-pressure-transition-period=<duration>.")
    var kubeletArg: [String] = []

    @Option(name: .customLong("node-name"), help: "Node name (default: the lower-cased host name).")
    var nodeName: String?

    @Option(name: .customLong("cluster-cidr"), help: "Pod network CIDR(s) (default 10.42.0.0/16).")
    var clusterCIDR: String?

    @Option(name: .customLong("service-cidr"), help: "Service network CIDR(s) (default 10.43.0.0/16).")
    var serviceCIDR: String?

    @Option(name: .customLong("service-node-port-range"), help: "NodePort range (default 30000-32767).")
    var serviceNodePortRange: String?

    @Flag(name: .customLong("disable-agent"), help: "Do not run the node components on this server.")
    var disableAgent = false

    @Option(name: .customLong("disable"), help: "Do not run this component (scheduler, controllers, proxy, ...); repeatable.")
    var disable: [String] = []

    @Flag(name: .customLong("disable-scheduler"), help: "Do not run the scheduler.")
    var disableScheduler = false

    @Flag(name: .customLong("disable-controller-manager"), help: "Do not run the controllers.")
    var disableControllerManager = false

    @Flag(name: .customLong("disable-kube-proxy"), help: "Do not run the proxy.")
    var disableKubeProxy = false

    @Flag(name: .customLong("disable-cloud-controller"), help: "Accepted for K3s compatibility (there is no cloud controller).")
    var disableCloudController = false

    @Option(name: .customLong("cluster-domain"), help: "Cluster DNS domain (default cluster.local).")
    var clusterDomain: String?

    @Option(name: .customLong("cluster-dns"), help: "Cluster DNS service address pods use (default: the 10th address of the service CIDR, 10.43.0.10).")
    var clusterDNS: String?

    @Option(name: .customLong("resolv-conf"), help: "Resolver file for dnsPolicy Default pods and the cluster DNS's upstreams (default /etc/resolv.conf).")
    var resolvConf: String?

    @Option(name: .customLong("log-level"), help: "error, warning, notice, info, debug or trace (default warning).")
    var logLevel: String?

    @Option(name: .customLong("simulated-nodes"), help: "Run this many simulated nodes in place of the real node agent (demos, tests, scale benchmarks).")
    var simulatedNodes: String?

    @Option(name: .customLong("container-runtime-endpoint"), help: "Use this container runtime socket (unix:///path) instead of starting containerd.")
    var containerRuntimeEndpoint: String?

    @Option(name: .customLong("private-registry"), help: "Registry mirrors and TLS file in K3s's registries.yaml format (default /etc/swiftlet/registries.yaml).")
    var privateRegistry: String?

    @Flag(name: .customLong("prepare-only"), help: .hidden)
    var prepareOnly = false

    @Flag(name: .customShort("v"), help: "More output on stderr (-v info, -vv debug, -vvv trace).")
    var verbosity: Int

    /// The settings given on the command line.
    var flagSettings: [ServerSetting: RawSetting] {
        var flags: [ServerSetting: RawSetting] = [:]
        let scalars: [(ServerSetting, String?)] = [
            (.dataDir, dataDir), (.runDir, runDir), (.httpsListenPort, httpsListenPort),
            (.bindAddress, bindAddress), (.advertiseAddress, advertiseAddress),
            (.writeKubeconfig, writeKubeconfig), (.writeKubeconfigMode, writeKubeconfigMode),
            (.nodeName, nodeName), (.clusterCIDR, clusterCIDR), (.serviceCIDR, serviceCIDR),
            (.serviceNodePortRange, serviceNodePortRange), (.clusterDomain, clusterDomain), (.clusterDNS, clusterDNS), (.resolvConf, resolvConf), (.logLevel, logLevel),
            (.simulatedNodes, simulatedNodes), (.containerRuntimeEndpoint, containerRuntimeEndpoint),
            (.privateRegistry, privateRegistry),
        ]
        for case let (setting, value?) in scalars { flags[setting] = .scalar(value) }
        if !tlsSAN.isEmpty { flags[.tlsSAN] = .list(tlsSAN) }
        if !kubeletArg.isEmpty { flags[.kubeletArg] = .list(kubeletArg) }
        // A boolean flag can only switch on; absent, it leaves the choice to the other sources.
        if disableAgent { flags[.disableAgent] = .scalar("true") }
        if !disable.isEmpty { flags[.disable] = .list(disable) }
        let switches: [(ServerSetting, Bool)] = [
            (.disableScheduler, disableScheduler), (.disableControllerManager, disableControllerManager),
            (.disableKubeProxy, disableKubeProxy), (.disableCloudController, disableCloudController),
        ]
        for (setting, on) in switches where on { flags[setting] = .scalar("true") }
        if logLevel == nil, verbosity > 0 {
            flags[.logLevel] = .scalar(verbosity == 1 ? "info" : verbosity == 2 ? "debug" : "trace")
        }
        return flags
    }

    func run() async throws {
        let environment = currentEnvironment()
        let config: ServerConfig
        do {
            let explicitFile = configFile ?? environment["SWIFTLET_CONFIG_FILE"]
            let files = try ConfigFiles.load(main: explicitFile ?? ServerDefaults.configFile, explicit: explicitFile != nil)
            let inputs = ServerConfigInputs(flags: flagSettings, environment: environment, files: files)
            config = try ServerConfig.resolve(inputs, host: HostFacts.current(environment: environment))
        } catch let error as ServerConfigError {
            if error.isFlagError { throw ValidationError(error.description) }
            printError(error.description)
            throw ExitCode.failure
        }
        let code = prepareOnly ? ServerRun(config: config).prepareOnly() : ServerRun(config: config).run()
        throw ExitCode(code)
    }
}

extension HostFacts {
    /// This process's user, home directory, host name and working directory.
    static func current(environment: [String: String]) -> HostFacts {
        var buffer = [CChar](repeating: 0, count: 256)
        let hostname = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return HostFacts(
            uid: UInt32(geteuid()),
            home: environment["HOME"] ?? passwordDatabaseHome() ?? "/",
            hostname: hostname,
            workingDirectory: currentDirectory())
    }

    /// The effective user's home directory from the password database (what NSHomeDirectory
    /// falls back to when HOME is unset).
    private static func passwordDatabaseHome() -> String? {
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    /// The working directory; "/" when it cannot be read (e.g. it was removed).
    private static func currentDirectory() -> String {
        guard let pointer = getcwd(nil, 0) else { return "/" }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

/// Writes `Error: <message>` to stderr (stdout carries only the ready line).
func printError(_ message: String) {
    writeStandardError("Error: \(message)\n")
}
