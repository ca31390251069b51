import KubeAPI
import Testing
@testable import NodeAgent

/// The pod's resolv.conf from dnsPolicy and dnsConfig, as upstream's kubelet writes it.
struct PodDNSTests {
    static let host = ResolvConf(servers: ["192.168.1.1"], searches: ["factory.example"], options: ["edns0"])
    static let cluster = PodDNS.Cluster(servers: ["10.43.0.10"], domain: "cluster.local")

    static func pod(policy: String? = nil, hostNetwork: Bool = false, dnsConfig: JSON? = nil) -> JSON {
        var spec: JSON = ["containers": []]
        if let policy { spec["dnsPolicy"] = .string(policy) }
        if hostNetwork { spec["hostNetwork"] = true }
        if let dnsConfig { spec["dnsConfig"] = dnsConfig }
        return ["metadata": ["name": "p", "namespace": "shop", "uid": "u"], "spec": spec]
    }

    static let clusterFirst = ResolvConf(
        servers: ["10.43.0.10"],
        searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "factory.example"],
        options: ["ndots:5"])

    @Test(arguments: [
        (pod(), clusterFirst),
        (pod(policy: "ClusterFirst"), clusterFirst),
        (pod(policy: "ClusterFirst", hostNetwork: true), host),
        (pod(policy: "ClusterFirstWithHostNet", hostNetwork: true), clusterFirst),
        (pod(policy: "Default"), host),
        (pod(policy: "None", dnsConfig: ["nameservers": ["1.1.1.1"], "searches": ["a.example"]]),
         ResolvConf(servers: ["1.1.1.1"], searches: ["a.example"], options: [])),
        (pod(dnsConfig: ["nameservers": ["10.43.0.10", "8.8.8.8", "8.8.4.4", "9.9.9.9"],
                         "options": [["name": "ndots", "value": "2"], ["name": "single-request-reopen"]]]),
         ResolvConf(servers: ["10.43.0.10", "8.8.8.8", "8.8.4.4"], searches: clusterFirst.searches,
                    options: ["ndots:2", "single-request-reopen"])),
    ])
    func resolvConfFollowsThePolicy(pod: JSON, expected: ResolvConf) {
        #expect(PodDNS.resolvConf(pod: pod, host: Self.host, cluster: Self.cluster) == expected)
    }

    @Test func clusterFirstWithoutAClusterDNSFallsBackToTheHost() {
        let none = PodDNS.Cluster(servers: [], domain: "cluster.local")
        #expect(PodDNS.resolvConf(pod: Self.pod(), host: Self.host, cluster: none) == Self.host)
        #expect(PodDNS.kind(pod: Self.pod(), cluster: none) == (.host, true))
        #expect(PodDNS.kind(pod: Self.pod(policy: "Default"), cluster: none) == (.host, false))
    }

    @Test func garbageInDNSConfigIsIgnored() {
        let pod = Self.pod(policy: "None", dnsConfig: ["nameservers": [1, "", "10.0.0.1"], "options": [["value": "x"], "junk"]])
        #expect(PodDNS.resolvConf(pod: pod, host: Self.host, cluster: Self.cluster)
                == ResolvConf(servers: ["10.0.0.1"], searches: [], options: []))
    }
}
