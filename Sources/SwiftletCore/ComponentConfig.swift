import FoundationEssentials
import Glibc

/// The typed configuration file `swiftlet server` writes for the scheduler, the controllers and
/// the kubelet (`<data-dir>/server/etc/<component>.json`). Fields a component does not use are
/// ignored by it; missing keys keep their defaults so older files stay valid.
public struct ComponentConfig: JSONConfigFile, Sendable, Equatable {
    /// Kubeconfig with the component's client certificate.
    public var kubeconfig: String
    /// Address of the component's own HTTPS endpoints (`/healthz`, `/readyz`, `/livez`, `/metrics`).
    public var bindAddress: String = "127.0.0.1"
    /// Port of those endpoints; 0 picks a free one, written to `portFile`.
    public var securePort: Int = 0
    public var portFile: String?
    public var tlsCertFile: String
    public var tlsKeyFile: String
    /// CA of client certificates allowed to call the endpoints (the supervisor's and admins').
    public var clientCAFile: String
    /// `error`, `warning`, `info`, `debug`, `trace`.
    public var logLevel: String = "warning"

    /// Take a `coordination.k8s.io` Lease before acting, so two copies never act at once.
    public var leaderElect: Bool = true
    public var leaseNamespace: String = "kube-system"
    /// Holder identity in the lease; defaults to `<hostname>_<pid>`.
    public var identity: String?

    /// Controllers: the loops to run (nil: all of them); names as `swiftlet-controllers --help` lists.
    public var controllers: [String]?
    public var clusterCIDR: String = "10.42.0.0/16"
    public var nodeCIDRMaskSize: Int = 24
    public var serviceCIDR: String = "10.43.0.0/16"

    /// Kubelet: this node's name.
    public var nodeName: String?
    /// Kubelet: `containerd` or `simulated`.
    public var containerRuntime: String = "containerd"
    /// Kubelet with the simulated runtime: how many nodes to run in this process.
    public var simulatedNodes: Int = 1
    /// Kubelet with containerd: the CRI socket (a path, or `unix://` and a path).
    public var containerRuntimeEndpoint: String?
    /// Kubelet with containerd: `<data-dir>/agent` (images, pod logs, CNI state).
    public var agentDirectory: String?
    /// Kubelet with containerd: the directory containerd reads CNI configs from.
    public var cniConfDirectory: String?
    /// Kubelet: label the node `node-role.kubernetes.io/control-plane` (a server's node).
    public var controlPlane: Bool = false
    /// Kubelet: hard eviction thresholds in upstream's syntax (nil: upstream's defaults).
    public var evictionHard: String?
    /// Kubelet: how long a pressure condition outlasts its signals (nil: 5 minutes).
    public var evictionPressureTransitionPeriodSeconds: Int?
    /// Kubelet: the node's InternalIP (where the apiserver reaches the kubelet API); nil: the
    /// address of the default route's interface.
    public var nodeIP: String?
    /// Kubelet with containerd: registries.yaml, whose `configs.<host>.auth` credentials go with
    /// pulls no image pull secret matches (nil or a missing file: none).
    public var privateRegistry: String?

    /// DNS: the address the cluster DNS server listens on (UDP and TCP).
    public var dnsBindAddress: String = "0.0.0.0"
    /// DNS: its port; 0 picks a free one.
    public var dnsPort: Int = 53
    /// DNS: the cluster domain it is authoritative for.
    public var clusterDomain: String = "cluster.local"
    /// DNS: the resolv.conf whose nameservers get every name outside the cluster domain; kubelet:
    /// the host resolver file of `dnsPolicy: Default` pods.
    public var upstreamResolvConf: String = "/etc/resolv.conf"
    /// Kubelet and DNS: the cluster DNS service address (nil: pods get the host's resolv.conf and
    /// the DNS server registers no service).
    public var clusterDNS: String?
    /// Kubelet: rotate a container's log past this many bytes (nil: 10Mi) and keep at most this
    /// many files per log (nil: 5), as `--kubelet-arg container-log-max-size/-files`.
    public var containerLogMaxSize: Int64?
    public var containerLogMaxFiles: Int?
    /// Proxy: the addresses NodePorts answer on (127.0.0.1 is always added); nil: every local
    /// address of the node.
    public var nodeIPs: [String]?
    /// Proxy: the nftables table (family `ip`) the proxy owns; nil: `swiftlet`.
    public var proxyTable: String?

    public init(kubeconfig: String, tlsCertFile: String, tlsKeyFile: String, clientCAFile: String) {
        self.kubeconfig = kubeconfig
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.clientCAFile = clientCAFile
    }

    private enum CodingKeys: String, CodingKey {
        case kubeconfig, bindAddress, securePort, portFile, tlsCertFile, tlsKeyFile, clientCAFile, logLevel
        case leaderElect, leaseNamespace, identity, controllers, clusterCIDR, nodeCIDRMaskSize, serviceCIDR
        case nodeName, containerRuntime, simulatedNodes
        case containerRuntimeEndpoint, agentDirectory, cniConfDirectory, controlPlane, nodeIP
        case evictionHard, evictionPressureTransitionPeriodSeconds, privateRegistry
        case dnsBindAddress, dnsPort, clusterDomain, upstreamResolvConf, clusterDNS
        case nodeIPs, proxyTable, containerLogMaxSize, containerLogMaxFiles
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kubeconfig = try c.decode(String.self, forKey: .kubeconfig)
        tlsCertFile = try c.decode(String.self, forKey: .tlsCertFile)
        tlsKeyFile = try c.decode(String.self, forKey: .tlsKeyFile)
        clientCAFile = try c.decode(String.self, forKey: .clientCAFile)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        bindAddress = try value(.bindAddress, bindAddress)
        securePort = try value(.securePort, securePort)
        portFile = try c.decodeIfPresent(String.self, forKey: .portFile)
        logLevel = try value(.logLevel, logLevel)
        leaderElect = try value(.leaderElect, leaderElect)
        leaseNamespace = try value(.leaseNamespace, leaseNamespace)
        identity = try c.decodeIfPresent(String.self, forKey: .identity)
        controllers = try c.decodeIfPresent([String].self, forKey: .controllers)
        clusterCIDR = try value(.clusterCIDR, clusterCIDR)
        nodeCIDRMaskSize = try value(.nodeCIDRMaskSize, nodeCIDRMaskSize)
        serviceCIDR = try value(.serviceCIDR, serviceCIDR)
        nodeName = try c.decodeIfPresent(String.self, forKey: .nodeName)
        containerRuntime = try value(.containerRuntime, containerRuntime)
        simulatedNodes = try value(.simulatedNodes, simulatedNodes)
        containerRuntimeEndpoint = try c.decodeIfPresent(String.self, forKey: .containerRuntimeEndpoint)
        agentDirectory = try c.decodeIfPresent(String.self, forKey: .agentDirectory)
        cniConfDirectory = try c.decodeIfPresent(String.self, forKey: .cniConfDirectory)
        controlPlane = try value(.controlPlane, controlPlane)
        evictionHard = try c.decodeIfPresent(String.self, forKey: .evictionHard)
        evictionPressureTransitionPeriodSeconds = try c.decodeIfPresent(Int.self, forKey: .evictionPressureTransitionPeriodSeconds)
        if let seconds = evictionPressureTransitionPeriodSeconds, seconds < 0 {
            throw DecodingError.dataCorruptedError(forKey: .evictionPressureTransitionPeriodSeconds, in: c, debugDescription: "must not be negative")
        }
        nodeIP = try c.decodeIfPresent(String.self, forKey: .nodeIP)
        privateRegistry = try c.decodeIfPresent(String.self, forKey: .privateRegistry)
        clusterDNS = try c.decodeIfPresent(String.self, forKey: .clusterDNS)
        containerLogMaxSize = try c.decodeIfPresent(Int64.self, forKey: .containerLogMaxSize)
        containerLogMaxFiles = try c.decodeIfPresent(Int.self, forKey: .containerLogMaxFiles)
        dnsBindAddress = try value(.dnsBindAddress, dnsBindAddress)
        dnsPort = try value(.dnsPort, dnsPort)
        clusterDomain = try value(.clusterDomain, clusterDomain)
        upstreamResolvConf = try value(.upstreamResolvConf, upstreamResolvConf)
        guard (0...65535).contains(dnsPort) else {
            throw DecodingError.dataCorruptedError(forKey: .dnsPort, in: c, debugDescription: "\(dnsPort) is not a port (0-65535)")
        }
        nodeIPs = try c.decodeIfPresent([String].self, forKey: .nodeIPs)
        proxyTable = try c.decodeIfPresent(String.self, forKey: .proxyTable)
        guard (0...65535).contains(securePort) else {
            throw DecodingError.dataCorruptedError(forKey: .securePort, in: c, debugDescription: "\(securePort) is not a port (0-65535)")
        }
        guard simulatedNodes >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .simulatedNodes, in: c, debugDescription: "must not be negative")
        }
    }

    /// `<hostname>_<pid>`, client-go's default leader-election identity shape.
    public var resolvedIdentity: String {
        if let identity { return identity }
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0 ? String(cString: buffer) : "localhost"
        return "\(host)_\(getpid())"
    }
}

extension ConfigError {
    /// A decoding error as `key.path: what is wrong`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let prefix = path(context)
            return "missing key \(prefix.isEmpty ? key.stringValue : prefix + "." + key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            let where_ = path(context)
            return where_.isEmpty ? context.debugDescription : "\(where_): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
