import CRI
import ContainerdSupport
import KubeAPI
import SimulatedNodes

/// The CRI labels that tie sandboxes and containers to their pod (the kubelet's own keys, so
/// tools such as `crictl pods --label` read them as usual).
public enum PodLabels {
    public static let podName = "io.kubernetes.pod.name"
    public static let podNamespace = "io.kubernetes.pod.namespace"
    public static let podUID = "io.kubernetes.pod.uid"
    public static let containerName = "io.kubernetes.container.name"
    /// Marks what this agent created, so it never touches sandboxes other tools made.
    public static let managedBy = "io.swiftlet.managed"
}

/// DNS settings of a pod, for now the host's resolv.conf (cluster DNS comes later).
public struct ResolvConf: Sendable, Equatable {
    public var servers: [String] = []
    public var searches: [String] = []
    public var options: [String] = []

    public init(servers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.servers = servers
        self.searches = searches
        self.options = options
    }

    /// Parses resolv.conf text; loopback name servers (a local stub such as systemd-resolved's
    /// 127.0.0.53) are dropped, as they are unreachable from a pod's own network namespace.
    public init(parsing text: String) {
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let key = fields.first, !key.hasPrefix("#"), !key.hasPrefix(";") else { continue }
            let values = Array(fields.dropFirst())
            switch key {
            case "nameserver": servers += values.filter { !$0.hasPrefix("127.") && $0 != "::1" }
            case "search": searches = values
            case "domain": if searches.isEmpty { searches = values }
            case "options": options += values
            default: break
            }
        }
    }
}

/// Builds the CRI `PodSandboxConfig` of a pod. Pure.
public enum PodSandboxSpec {
    /// `<logRoot>/<namespace>_<name>_<uid>`: the kubelet's pod log directory layout.
    public static func logDirectory(root: String, pod: JSON) -> String {
        let m = pod["metadata"]
        return "\(root)/\(m["namespace"].stringValue ?? "default")_\(m["name"].stringValue ?? "")_\(m["uid"].stringValue ?? "")"
    }

    /// The cgroup parent under the cgroupfs driver: `/kubepods[/burstable|/besteffort]/pod<uid>`.
    public static func cgroupParent(pod: JSON) -> String {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        switch PodStatusBuilder.qosClass(of: pod) {
        case "Guaranteed": return "/kubepods/pod\(uid)"
        case "Burstable": return "/kubepods/burstable/pod\(uid)"
        default: return "/kubepods/besteffort/pod\(uid)"
        }
    }

    /// Shim group `index` of a namespace. containerd's runc shim runs every container whose OCI
    /// spec names the same group in one process: a Go process of its own costs ~10 MB of RSS and
    /// a share of each pod's start-up CPU, so the pods of a namespace share a few shims instead
    /// of having one each (see `NodeAgent.claimShimGroup`).
    public static func shimGroup(namespace: String, index: Int) -> String { "swiftlet/\(namespace)/\(index)" }

    /// Of the namespace's `groups` shim groups, the one with the fewest pods being started in it
    /// (`starting`: group -> count), the lowest on a tie.
    public static func leastBusyShimGroup(namespace: String, groups: Int, starting: [String: Int]) -> String {
        var chosen = shimGroup(namespace: namespace, index: 0)
        for index in 1..<max(1, groups) {
            let group = shimGroup(namespace: namespace, index: index)
            if starting[group, default: 0] < starting[chosen, default: 0] { chosen = group }
        }
        return chosen
    }

    public static func hostNetwork(_ pod: JSON) -> Bool { pod["spec"]["hostNetwork"].boolValue ?? false }

    /// The sandbox config of `pod` for run number `attempt`.
    /// `shimGroup`: the runc shim the sandbox and its containers run in, unless the pod names
    /// one itself (its own name gives it a shim of its own).
    public static func config(pod: JSON, attempt: UInt32, logRoot: String, dns: ResolvConf,
                              shimGroup: String? = nil) -> Runtime_V1_PodSandboxConfig {
        let m = pod["metadata"]
        var config = Runtime_V1_PodSandboxConfig()
        config.metadata.name = m["name"].stringValue ?? ""
        config.metadata.namespace = m["namespace"].stringValue ?? "default"
        config.metadata.uid = m["uid"].stringValue ?? ""
        config.metadata.attempt = attempt
        let hostNetwork = hostNetwork(pod)
        // A host-network pod shares the host's UTS namespace: setting a hostname there fails.
        if !hostNetwork {
            config.hostname = pod["spec"]["hostname"].stringValue ?? config.metadata.name
        }
        config.logDirectory = logDirectory(root: logRoot, pod: pod)
        config.dnsConfig.servers = dns.servers
        config.dnsConfig.searches = dns.searches
        config.dnsConfig.options = dns.options
        config.portMappings = portMappings(pod)
        config.labels = labels(pod)
        for (key, value) in m["annotations"].objectValue ?? [:] {
            if let text = value.stringValue { config.annotations[key] = text }
        }
        if let shimGroup, config.annotations[ContainerdConfig.shimGroupAnnotation] == nil {
            config.annotations[ContainerdConfig.shimGroupAnnotation] = shimGroup
        }
        config.linux.cgroupParent = cgroupParent(pod: pod)
        var namespaces = Runtime_V1_NamespaceOption()
        namespaces.network = hostNetwork ? .node : .pod
        namespaces.pid = (pod["spec"]["hostPID"].boolValue ?? false) ? .node
            : ((pod["spec"]["shareProcessNamespace"].boolValue ?? false) ? .pod : .container)
        namespaces.ipc = (pod["spec"]["hostIPC"].boolValue ?? false) ? .node : .pod
        config.linux.securityContext.namespaceOptions = namespaces
        return config
    }

    /// The labels every sandbox and container of `pod` carries.
    public static func labels(_ pod: JSON) -> [String: String] {
        let m = pod["metadata"]
        return [PodLabels.podName: m["name"].stringValue ?? "", PodLabels.podNamespace: m["namespace"].stringValue ?? "default",
                PodLabels.podUID: m["uid"].stringValue ?? "", PodLabels.managedBy: "true"]
    }

    /// The `hostPort`s of every container (ports without one need no mapping).
    static func portMappings(_ pod: JSON) -> [Runtime_V1_PortMapping] {
        let containers = (pod["spec"]["initContainers"].arrayValue ?? []) + (pod["spec"]["containers"].arrayValue ?? [])
        return containers.flatMap { container -> [Runtime_V1_PortMapping] in
            (container["ports"].arrayValue ?? []).compactMap { port in
                guard let hostPort = port["hostPort"].intValue, hostPort > 0,
                      let containerPort = port["containerPort"].intValue else { return nil }
                var mapping = Runtime_V1_PortMapping()
                mapping.containerPort = Int32(clamping: containerPort)
                mapping.hostPort = Int32(clamping: hostPort)
                mapping.hostIp = port["hostIP"].stringValue ?? ""
                switch port["protocol"].stringValue ?? "TCP" {
                case "UDP": mapping.protocol = .udp
                case "SCTP": mapping.protocol = .sctp
                default: mapping.protocol = .tcp
                }
                return mapping
            }
        }
    }
}
