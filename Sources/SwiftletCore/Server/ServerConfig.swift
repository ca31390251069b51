import Logging

/// The validated settings of `swiftlet server`, after flags, environment, configuration files and
/// defaults have been merged (see `ServerConfig.resolve`).
public struct ServerConfig: Sendable, Equatable {
    /// State directory (`/var/lib/swiftlet`, or `~/.swiftlet` when not root).
    public var dataDir: String
    /// Runtime directory for PID and port files (`/run/swiftlet`, or `<data-dir>/run` when not root).
    public var runDir: String
    /// The apiserver's port; 0 lets the apiserver pick a free one.
    public var httpsListenPort: Int
    public var bindAddress: String
    /// The address advertised to clients; nil lets the supervisor choose.
    public var advertiseAddress: String?
    /// Where the admin kubeconfig goes.
    public var writeKubeconfig: String
    /// File mode of the admin kubeconfig (permission bits only).
    public var writeKubeconfigMode: UInt32
    /// Extra subject alternative names for the serving certificate.
    public var tlsSANs: [String]
    public var nodeName: String
    public var clusterCIDR: String
    public var serviceCIDR: String
    /// `first-last`, inclusive.
    public var serviceNodePortRange: String
    public var disableAgent: Bool
    /// Components not to run (`--disable`, `--disable-scheduler`, ...), by supervisor component
    /// name (`scheduler`, `controllers`, `proxy`) or K3s add-on name, sorted, without duplicates.
    public var disabledComponents: [String] = []
    public var clusterDomain: String
    /// The cluster DNS service address (`--cluster-dns`); nil: `defaultClusterDNS`.
    public var clusterDNSOverride: String?
    /// The host's resolver configuration given to pods with `dnsPolicy: Default` and to the
    /// cluster DNS as its upstreams.
    public var resolvConf: String = "/etc/resolv.conf"
    public var logLevel: Logger.Level
    /// Simulated nodes run in place of the real node agent (0: none).
    public var simulatedNodes: Int = 0
    /// The socket of a container runtime started by someone else; nil: the server runs containerd.
    public var containerRuntimeEndpoint: String?
    /// registries.yaml (K3s format); a missing file means no mirrors.
    public var privateRegistry: String = ServerDefaults.privateRegistry
    /// Kubelet settings given as `--kubelet-arg key=value`, by key (`eviction-hard`, ...).
    public var kubeletArgs: [String: String] = [:]

    /// `<data-dir>/agent`: the node's files (containerd config and data, images, CNI config).
    public var agentDirectory: String { dataDir + "/agent" }

    /// `<data-dir>/server`.
    public var serverDirectory: String { dataDir + "/server" }
    /// `<data-dir>/server/tls`: CAs, serving and client certificates.
    public var tlsDirectory: String { serverDirectory + "/tls" }
    /// `<data-dir>/server/cred`: one kubeconfig per component identity.
    public var credentialDirectory: String { serverDirectory + "/cred" }
    /// `<data-dir>/server/etc`: typed configuration files of the components.
    public var componentConfigDirectory: String { serverDirectory + "/etc" }
    /// `<data-dir>/server/db/state.db`.
    public var databasePath: String { serverDirectory + "/db/state.db" }

    /// The path of a component's kubeconfig, e.g. `cred/admin.kubeconfig`.
    public func credentialPath(_ name: String) -> String { credentialDirectory + "/\(name).kubeconfig" }
    /// `<run-dir>/<component>.pid`.
    public func pidFile(_ component: String) -> String { runDir + "/\(component).pid" }
    /// `<run-dir>/<component>.port`, where a component reports the port it bound.
    public func portFile(_ component: String) -> String { runDir + "/\(component).port" }

    /// The cluster DNS service address: `--cluster-dns`, else the 10th address of the (first,
    /// IPv4) service CIDR, `10.43.0.10` by default as in K3s; nil for an IPv6-only service network.
    public var clusterDNS: String? {
        if let clusterDNSOverride { return clusterDNSOverride }
        let first = serviceCIDR.split(separator: ",").first.map(String.init) ?? serviceCIDR
        let parts = first.split(separator: "/")
        let octets = parts.first?.split(separator: ".").compactMap { UInt8($0) } ?? []
        guard octets.count == 4 else { return nil }
        let address = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } &+ ServerDefaults.clusterDNSOffset
        return (0..<4).reversed().map { String(address >> (UInt32($0) * 8) & 0xff) }.joined(separator: ".")
    }
}

/// What the defaults depend on, passed in so the decision stays a pure function.
public struct HostFacts: Sendable, Equatable {
    /// Effective user id (0 is root).
    public var uid: UInt32
    /// The home directory (`$HOME`), for non-root defaults.
    public var home: String
    /// This host's name; the default node name is its lower-cased form.
    public var hostname: String
    /// Relative paths in settings are resolved against this directory.
    public var workingDirectory: String

    public init(uid: UInt32, home: String, hostname: String, workingDirectory: String) {
        self.uid = uid
        self.home = home
        self.hostname = hostname
        self.workingDirectory = workingDirectory
    }
}

/// Default locations, which differ for root (system paths) and other users (under the home directory).
public enum ServerDefaults {
    public static let configFile = "/etc/swiftlet/config.yaml"
    public static let privateRegistry = "/etc/swiftlet/registries.yaml"
    public static let httpsListenPort = 6443
    public static let bindAddress = "0.0.0.0"
    public static let writeKubeconfigMode: UInt32 = 0o600
    public static let clusterCIDR = "10.42.0.0/16"
    public static let serviceCIDR = "10.43.0.0/16"
    public static let serviceNodePortRange = "30000-32767"
    public static let clusterDomain = "cluster.local"
    /// The cluster DNS address K3s uses by default: the 10th address of the service network.
    public static let clusterDNSOffset: UInt32 = 10
    public static let logLevel = Logger.Level.warning

    /// `/var/lib/swiftlet` for root, `<home>/.swiftlet` otherwise.
    public static func dataDir(uid: UInt32, home: String) -> String {
        uid == 0 ? "/var/lib/swiftlet" : trimmingSlash(home) + "/.swiftlet"
    }

    /// `/run/swiftlet` for root; `<data-dir>/run` otherwise, since `/run` is writable only by root.
    public static func runDir(uid: UInt32, dataDir: String) -> String {
        uid == 0 ? "/run/swiftlet" : dataDir + "/run"
    }

    /// `/etc/swiftlet/swiftlet.yaml` for root; `<data-dir>/swiftlet.yaml` otherwise.
    public static func writeKubeconfig(uid: UInt32, dataDir: String) -> String {
        uid == 0 ? "/etc/swiftlet/swiftlet.yaml" : dataDir + "/swiftlet.yaml"
    }

    /// The lower-cased host name, as Kubernetes node names must be lower case.
    public static func nodeName(hostname: String) -> String { hostname.lowercased() }

    private static func trimmingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
