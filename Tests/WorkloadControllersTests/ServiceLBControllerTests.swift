import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct ServiceLBControllerTests {
    static func node(_ name: String, ready: Bool = true, internal internalIPs: [String] = [], external: [String] = [],
                     labels: JSONObject = [:]) -> JSON {
        let addresses: [JSON] = internalIPs.map { ["type": "InternalIP", "address": .string($0)] }
            + external.map { ["type": "ExternalIP", "address": .string($0)] } + [["type": "Hostname", "address": .string(name)]]
        return ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name), "labels": .object(labels)],
                "status": ["addresses": .array(addresses),
                           "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]]]
    }

    static func service(type: String = "LoadBalancer", ingress: [String]? = nil, spec extra: JSONObject = [:]) -> JSON {
        var spec: JSONObject = ["type": .string(type), "clusterIP": "10.43.0.10", "ports": [["port": 80]]]
        for (key, value) in extra { spec[key] = value }
        var service: JSON = ["apiVersion": "v1", "kind": "Service",
                             "metadata": ["name": "web", "namespace": "default", "resourceVersion": "7"], "spec": .object(spec)]
        if let ingress { service["status"] = ["loadBalancer": ["ingress": .array(ingress.map { ["ip": .string($0)] })]] }
        return service
    }

    static let nodes = [
        node("a", internal: ["192.168.1.10"]),
        node("b", internal: ["192.168.1.9"], external: ["203.0.113.5"]),
        node("c", ready: false, internal: ["192.168.1.11"]),
        node("d", internal: ["192.168.1.12"], labels: [ServiceLBController.excludeLabel: ""]),
        node("e", internal: ["192.168.1.13", "fd00::13"]),
    ]

    /// (service, expected ingress after the update; nil: no write).
    static let cases: [(String, JSON, [String]?)] = [
        ("new LoadBalancer gets Ready node addresses, ExternalIP preferred",
         service(), ["192.168.1.10", "192.168.1.13", "203.0.113.5"]),
        ("up to date: no write", service(ingress: ["192.168.1.10", "192.168.1.13", "203.0.113.5"]), nil),
        ("stale list is replaced", service(ingress: ["192.168.1.11"]), ["192.168.1.10", "192.168.1.13", "203.0.113.5"]),
        ("dual-stack Service gets IPv6 too",
         service(spec: ["ipFamilies": ["IPv4", "IPv6"]]), ["192.168.1.10", "192.168.1.13", "203.0.113.5", "fd00::13"]),
        ("ClusterIP without status: nothing", service(type: "ClusterIP"), nil),
        ("no longer a LoadBalancer: status cleared", service(type: "ClusterIP", ingress: ["192.168.1.10"]), []),
        ("another class owns it", service(spec: ["loadBalancerClass": "example.com/lb"]), nil),
    ]

    @Test(arguments: cases)
    func sync(_ name: String, _ service: JSON, _ expected: [String]?) throws {
        let actions = ServiceLBController.sync(service: service, nodes: Self.nodes)
        guard let expected else {
            #expect(actions.isEmpty, "\(name)")
            return
        }
        #expect(actions.count == 1, "\(name)")
        guard case .updateStatus(.services, "default", let object) = try #require(actions.first) else {
            Issue.record("\(name): \(actions)")
            return
        }
        let ingress = (object["status"]["loadBalancer"]["ingress"].arrayValue ?? []).compactMap { $0["ip"].stringValue }
        #expect(ingress == expected, "\(name)")
        // The whole object goes back (with its resourceVersion) so the write is a conflict-checked PUT.
        #expect(object["metadata"]["resourceVersion"] == "7")
        #expect(object["spec"] == service["spec"])
    }

    @Test func noReadyNodeLeavesItPending() {
        let actions = ServiceLBController.sync(service: Self.service(ingress: ["192.168.1.10"]),
                                               nodes: [Self.node("a", ready: false, internal: ["192.168.1.10"])])
        guard case .updateStatus(_, _, let object) = actions.first else { Issue.record("\(actions)"); return }
        #expect(object["status"]["loadBalancer"] == [:])
    }

    @Test func garbageNodesAreIgnored() {
        let garbage: [JSON] = [["metadata": ["name": "x"]], ["status": ["addresses": "nope", "conditions": 3]], .null]
        let actions = ServiceLBController.sync(service: Self.service(), nodes: garbage + [Self.node("a", internal: ["10.0.0.9"])])
        guard case .updateStatus(_, _, let object) = actions.first else { Issue.record("\(actions)"); return }
        #expect(object["status"]["loadBalancer"]["ingress"] == [["ip": "10.0.0.9"]])
    }
}
