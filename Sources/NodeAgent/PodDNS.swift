import KubeAPI

/// The resolv.conf a pod gets, as upstream's kubelet computes it from `dnsPolicy` and `dnsConfig`
/// (pkg/kubelet/network/dns): ClusterFirst pods use the cluster DNS with the
/// `<ns>.svc.<domain> svc.<domain> <domain>` search path and `ndots:5`, host-network pods and
/// `Default` get the node's resolv.conf, `None` only what `dnsConfig` says. Pure.
public enum PodDNS {
    /// The cluster DNS the kubelet was given; empty `servers`: there is none.
    public struct Cluster: Sendable, Equatable {
        public var servers: [String]
        public var domain: String

        public init(servers: [String], domain: String) {
            self.servers = servers
            self.domain = domain
        }
    }

    /// Upstream's limits: glibc reads at most 3 name servers; 32 search domains.
    static let maxNameservers = 3
    static let maxSearches = 32

    public enum Kind: Equatable { case cluster, host, none }

    /// Which resolver a pod uses; `missingClusterDNS` when it asked for the cluster's but the
    /// kubelet has none (upstream falls back to the host's and records an event).
    public static func kind(pod: JSON, cluster: Cluster) -> (kind: Kind, missingClusterDNS: Bool) {
        let hostNetwork = PodSandboxSpec.hostNetwork(pod)
        let wanted: Kind
        switch pod["spec"]["dnsPolicy"].stringValue ?? "ClusterFirst" {
        case "ClusterFirstWithHostNet": wanted = .cluster
        case "Default": wanted = .host
        case "None": wanted = .none
        default: wanted = hostNetwork ? .host : .cluster  // ClusterFirst
        }
        if wanted == .cluster, cluster.servers.isEmpty { return (.host, true) }
        return (wanted, false)
    }

    public static func resolvConf(pod: JSON, host: ResolvConf, cluster: Cluster) -> ResolvConf {
        var result: ResolvConf
        switch kind(pod: pod, cluster: cluster).kind {
        case .none:
            result = ResolvConf()
        case .host:
            result = host
        case .cluster:
            let namespace = pod["metadata"]["namespace"].stringValue ?? "default"
            let domain = cluster.domain
            result = ResolvConf(
                servers: cluster.servers,
                searches: ["\(namespace).svc.\(domain)", "svc.\(domain)", domain] + host.searches,
                options: ["ndots:5"])
        }
        let extra = pod["spec"]["dnsConfig"]
        if !extra.isNull {
            result.servers = unique(result.servers + (extra["nameservers"].arrayValue ?? []).compactMap(\.stringValue))
            result.searches = unique(result.searches + (extra["searches"].arrayValue ?? []).compactMap(\.stringValue))
            result.options = mergeOptions(result.options, extra["options"].arrayValue ?? [])
        }
        result.servers = Array(result.servers.prefix(maxNameservers))
        result.searches = Array(unique(result.searches).prefix(maxSearches))
        return result
    }

    /// `dnsConfig.options` override options of the same name (`ndots:2` replaces `ndots:5`); an
    /// option without a value is written bare.
    static func mergeOptions(_ base: [String], _ extra: [JSON]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func add(name: String, text: String) {
            if values[name] == nil { order.append(name) }
            values[name] = text
        }
        for option in base {
            add(name: String(option.split(separator: ":", maxSplits: 1).first ?? Substring(option)), text: option)
        }
        for option in extra {
            guard let name = option["name"].stringValue, !name.isEmpty else { continue }
            add(name: name, text: option["value"].stringValue.map { "\(name):\($0)" } ?? name)
        }
        return order.compactMap { values[$0] }
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
