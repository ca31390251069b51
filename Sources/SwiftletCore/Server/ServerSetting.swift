import FoundationEssentials

/// The settings of `swiftlet server` that can come from a flag, a `SWIFTLET_*` environment variable
/// or a key of the configuration files. Names follow K3s where K3s has the same setting, so an
/// existing `/etc/rancher/k3s/config.yaml` reads naturally.
public enum ServerSetting: String, CaseIterable, Sendable, Hashable {
    case dataDir = "data-dir"
    case runDir = "run-dir"
    case httpsListenPort = "https-listen-port"
    case bindAddress = "bind-address"
    case advertiseAddress = "advertise-address"
    case writeKubeconfig = "write-kubeconfig"
    case writeKubeconfigMode = "write-kubeconfig-mode"
    case tlsSAN = "tls-san"
    case nodeName = "node-name"
    case clusterCIDR = "cluster-cidr"
    case serviceCIDR = "service-cidr"
    case serviceNodePortRange = "service-node-port-range"
    case disableAgent = "disable-agent"
    /// Components (or K3s add-ons) not to run; repeatable.
    case disable = "disable"
    /// K3s spellings of `disable: [scheduler]` and so on.
    case disableScheduler = "disable-scheduler"
    case disableControllerManager = "disable-controller-manager"
    case disableKubeProxy = "disable-kube-proxy"
    /// Accepted for K3s compatibility; Swiftlet has no cloud controller.
    case disableCloudController = "disable-cloud-controller"
    case clusterDomain = "cluster-domain"
    /// The cluster DNS service address pods get in resolv.conf (default: the 10th of the service CIDR).
    case clusterDNS = "cluster-dns"
    /// K3s's `--resolv-conf`: the host resolver file for `dnsPolicy: Default` pods and the cluster
    /// DNS's upstreams (default /etc/resolv.conf).
    case resolvConf = "resolv-conf"
    case logLevel = "log-level"
    /// Run this many simulated nodes (hollow kubelets) in place of the real node agent.
    case simulatedNodes = "simulated-nodes"
    /// An existing container runtime's socket (`unix:///path` or a path): no containerd is started.
    case containerRuntimeEndpoint = "container-runtime-endpoint"
    /// K3s's name for the registries.yaml path (mirrors, TLS, credentials).
    case privateRegistry = "private-registry"
    /// K3s's `--kubelet-arg key=value` (repeatable; not split at commas, as values hold them).
    case kubeletArg = "kubelet-arg"

    /// The YAML key and the long flag name (without `--`).
    public var key: String { rawValue }

    /// `SWIFTLET_` followed by the key in upper case with `-` replaced by `_`, as K3s does with `K3S_`.
    public var environmentName: String {
        "SWIFTLET_" + rawValue.uppercased().replacing("-", with: "_")
    }

    /// Settings that accept several values (repeated flags, a YAML list, or comma-separated text).
    public var isList: Bool { self == .tlsSAN || self == .disable || self == .kubeletArg }
}

/// A setting's value before validation: one string, or several for list settings.
public enum RawSetting: Sendable, Equatable {
    case scalar(String)
    case list([String])
}

/// Where a setting's value came from; errors name it so the user knows what to fix.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    case flag
    case environment(String)
    case file(String)

    public var description: String {
        switch self {
        case .flag: "command line"
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "config file \(path)"
        }
    }
}

/// A configuration problem, naming the setting and where its value came from.
///
/// Problems with flags are usage errors (exit code 64 through ArgumentParser); problems in the
/// environment or in configuration files make `swiftlet server` exit with status 1.
public struct ServerConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the offending value came from; nil for problems not tied to one value.
    public let source: SettingSource?
    /// The offending key, when there is one.
    public let key: String?
    public let message: String

    public init(source: SettingSource?, key: String?, message: String) {
        self.source = source
        self.key = key
        self.message = message
    }

    /// True when the value came from the command line.
    public var isFlagError: Bool { source == .flag }

    public var description: String {
        switch (source, key) {
        case (.flag, let key?): "invalid value for --\(key): \(message)"
        case (.environment(let name), _): "invalid value in \(name): \(message)"
        case (.file(let path), let key?): "\(path): key \"\(key)\": \(message)"
        case (.file(let path), nil): "\(path): \(message)"
        case (nil, let key?): "\(key): \(message)"
        default: message
        }
    }
}
