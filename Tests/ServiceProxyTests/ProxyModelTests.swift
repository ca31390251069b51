import Testing
@testable import ServiceProxy
import SwiftletJSON

@Suite struct ProxyModelTests {
    typealias EP = Fixture.EP

    /// A Service with fields the ruleset cannot express is skipped with a reason; the others stay.
    @Test(arguments: [
        ("port", Fixture.service("bad", ports: [["name": "http", "port": 70000]]), "port 70000 is not 1-65535"),
        ("protocol", Fixture.service("bad", ports: [Fixture.port(protocol: "ICMP")]), "unknown protocol"),
        ("clusterIP", Fixture.service("bad", clusterIP: "10.43.0.300"), "not an IP address"),
        ("externalIPs", Fixture.service("bad", spec: ["externalIPs": ["x; flush ruleset"]]), "not an IP address"),
        ("port name", Fixture.service("bad", ports: [Fixture.port("a b", 80)]), "is not a DNS label"),
        ("name", Fixture.service("Bad_Name"), "not a DNS label"),
        ("nodePort", Fixture.service("bad", type: "NodePort", ports: [Fixture.port(nodePort: -1)]), "nodePort -1"),
        ("affinity", Fixture.service("bad", spec: ["sessionAffinity": "ClientIP",
                                                   "sessionAffinityConfig": ["clientIP": ["timeoutSeconds": "x"]]]), "timeoutSeconds"),
        ("ingress", Fixture.service("bad", type: "LoadBalancer", ingress: ["nope"]), "status.loadBalancer.ingress"),
    ] as [(String, JSON, String)])
    func garbageServiceIsSkipped(field: String, service: JSON, reason: String) {
        let good = Fixture.service("good", clusterIP: "10.43.0.20")
        let model = ProxyModel.build(services: [service, good], endpointSlices: [Fixture.slice("good", endpoints: [EP(ip: "10.42.0.5")])])
        #expect(model.ports.map(\.name.name) == ["good"])
        #expect(model.skipped.count == 1)
        #expect(model.skipped.first?.key == "default/bad" || model.skipped.first?.key == "default/Bad_Name")
        #expect(model.skipped.first?.reason.contains(reason) == true, "\(model.skipped)")
    }

    @Test func garbageEndpointIsSkippedOthersKept() {
        var slice = Fixture.slice("web", endpoints: [EP(ip: "10.42.0.5")])
        slice["endpoints"] = [["addresses": ["10.42.0.999"]], ["addresses": ["10.42.0.6"], "conditions": ["ready": true]], ["addresses": 7]]
        let model = ProxyModel.build(services: [Fixture.service("web")], endpointSlices: [slice])
        #expect(model.ports.first?.endpoints.map(\.description) == ["10.42.0.6:8080"])
        #expect(model.skipped.count == 2)
    }

    @Test func headlessExternalNameAndIPv6AreNotProxied() {
        var external = Fixture.service("ext", clusterIP: "")
        external["spec"]["type"] = "ExternalName"
        let services = [Fixture.service("headless", clusterIP: "None"), external, Fixture.service("v6", clusterIP: "fd00::10")]
        let model = ProxyModel.build(services: services, endpointSlices: [])
        #expect(model.ports.isEmpty)
        #expect(model.skipped.isEmpty)
    }

    /// Endpoints of all slices of a Service are merged, matched by port name and protocol, deduplicated.
    @Test func slicesAreMergedPerPort() {
        let service = Fixture.service("app", ports: [Fixture.port("http", 80), Fixture.port("dns", 53, protocol: "UDP")])
        let slices = [
            Fixture.slice("app", suffix: "a", ports: [("http", 8080, "TCP"), ("dns", 53, "UDP")], endpoints: [EP(ip: "10.42.0.10"), EP(ip: "10.42.0.9")]),
            Fixture.slice("app", suffix: "b", ports: [("http", 8080, "TCP")], endpoints: [EP(ip: "10.42.0.9"), EP(ip: "10.42.0.11")]),
            Fixture.slice("other", endpoints: [EP(ip: "10.42.9.9")]),
        ]
        let model = ProxyModel.build(services: [service], endpointSlices: slices)
        #expect(model.ports.map(\.name.description) == ["default/app/tcp/http", "default/app/udp/dns"])
        #expect(model.ports[0].endpoints.map(\.ip) == ["10.42.0.9", "10.42.0.10", "10.42.0.11"])
        #expect(model.ports[1].endpoints.map(\.description) == ["10.42.0.9:53", "10.42.0.10:53"])
    }

    @Test func endpointSelectionFollowsUpstream() {
        let endpoints = [
            ServiceEndpoint(ip: "10.42.0.1", port: 80, ready: false, serving: true, terminating: true, nodeName: "a"),
            ServiceEndpoint(ip: "10.42.0.2", port: 80, ready: true, nodeName: "b"),
        ]
        let port = ServicePortInfo(name: ServicePortName(namespace: "d", name: "s", portName: "80", protocol: .tcp),
                                   clusterIPs: ["10.43.0.1"], port: 80, endpoints: endpoints)
        #expect(port.clusterEndpoints.map(\.ip) == ["10.42.0.2"])
        // Node a has only a terminating serving endpoint: used for local traffic.
        #expect(port.localEndpoints(nodeName: "a").map(\.ip) == ["10.42.0.1"])
        #expect(port.localEndpoints(nodeName: "c").isEmpty)
        #expect(port.localEndpoints(nodeName: nil).isEmpty)
    }
}

@Suite struct NFTablesTests {
    /// nft refusing the text is an error carrying nft's own message.
    @Test func nftErrorCarriesStderr() {
        do {
            try PrivateNFT.nft.apply("table ip swiftlet { chain c { ip daddr 10.0.0.1 bogus } }\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("exited with status 1"))
            #expect(error.message.contains("syntax error"), "\(error.message)")
        }
    }

    @Test func missingNftIsAClearError() {
        do {
            try NFTables(nftPath: "/nonexistent/nft").apply("")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("nft not found"))
            #expect(error.message.contains("no iptables fallback"))
        }
    }

    @Test(arguments: [
        RulesetOptions(tableName: "1bad"), RulesetOptions(tableName: "a b"),
        RulesetOptions(clusterCIDR: "10.42.0.0"), RulesetOptions(nodePortAddresses: ["::1"]),
    ])
    func badOptionsAreRejected(_ options: RulesetOptions) {
        #expect(throws: ProxyError.self) { try options.validate() }
    }

    /// The proxier applies through nft and reports what it did; cleanup on a fresh namespace is fine.
    @Test func proxierSyncsAndCleansUp() throws {
        let proxier = try ServiceProxier(options: Fixture.options, nft: PrivateNFT.nft, logger: Fixture.logger)
        let report = try proxier.sync(services: [Fixture.service("web"), Fixture.service("Bad_Name")],
                                      endpointSlices: [Fixture.slice("web", endpoints: [EP(ip: "10.42.0.5")])])
        #expect(report.servicePorts == 1)
        #expect(report.endpoints == 1)
        #expect(report.skipped.count == 1)
        // Each call runs in a fresh namespace, so the in-place update finds no table: the proxier
        // falls back to replacing it whole instead of failing.
        try proxier.sync(services: [Fixture.service("web")], endpointSlices: [])
        try proxier.cleanup()
    }

    typealias EP = Fixture.EP
}

@Suite struct IPv4ParseTests {
    @Test(arguments: [
        ("10.42.0.5", UInt32(0x0A2A_0005)), ("0.0.0.0", 0), ("255.255.255.255", 0xFFFF_FFFF),
        ("256.1.1.1", nil), ("1.2.3", nil), ("1.2.3.4.5", nil), ("01.2.3.4", nil), ("1..3.4", nil),
        ("1.2.3.4 ", nil), ("", nil), ("fd00::1", nil), ("1.2.3.1000", nil), ("1.2.3.", nil),
    ] as [(String, UInt32?)])
    func parse(_ text: String, _ expected: UInt32?) {
        #expect(IPv4.parse(text) == expected)
    }

    @Test func sortsByNumber() {
        #expect(IPv4.sorted(["10.0.0.10", "10.0.0.9", "9.255.0.1"]) == ["9.255.0.1", "10.0.0.9", "10.0.0.10"])
    }
}
