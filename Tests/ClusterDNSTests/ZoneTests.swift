import Testing
import SwiftletJSON
@testable import ClusterDNS

/// The cluster of the zone tests: a ClusterIP Service with named ports, a headless one with a
/// hostname and a not-ready endpoint, an ExternalName one, and a dual-stack one.
enum Fixture {
    static let settings = ZoneSettings(domain: DNSName("cluster.local"),
                                       reverseNetworks: [IPNetwork("10.43.0.0/16")!, IPNetwork("10.42.0.0/16")!])
    static let zone = ClusterZone(
        settings: settings,
        services: [
            ServiceInfo(namespace: "default", name: "web", clusterIPs: [IPAddress("10.43.0.20")!],
                        ports: [ServicePortInfo(name: "http", proto: "TCP", port: 80), ServicePortInfo(name: "", proto: "TCP", port: 81)]),
            ServiceInfo(namespace: "default", name: "db", headless: true, ports: [ServicePortInfo(name: "pg", proto: "TCP", port: 5432)]),
            ServiceInfo(namespace: "default", name: "empty", headless: true),
            ServiceInfo(namespace: "default", name: "ext", externalName: "example.org"),
            ServiceInfo(namespace: "default", name: "inner", externalName: "web.default.svc.cluster.local"),
            ServiceInfo(namespace: "kube-system", name: "kube-dns", clusterIPs: [IPAddress("10.43.0.10")!],
                        ports: [ServicePortInfo(name: "dns", proto: "UDP", port: 53)]),
            ServiceInfo(namespace: "prod", name: "dual", clusterIPs: [IPAddress("10.43.0.30")!, IPAddress("fd00:43::30")!],
                        ports: [ServicePortInfo(name: "http", proto: "TCP", port: 8080)]),
        ],
        slices: [
            EndpointSliceInfo(namespace: "default", serviceName: "db", endpoints: [
                .init(addresses: [IPAddress("10.42.0.5")!], hostname: "db-0"),
                .init(addresses: [IPAddress("10.42.0.6")!]),
                .init(addresses: [IPAddress("10.42.0.7")!], hostname: "db-2", ready: false),
            ], ports: [ServicePortInfo(name: "pg", proto: "TCP", port: 5432)]),
            EndpointSliceInfo(namespace: "default", serviceName: "web", endpoints: [
                .init(addresses: [IPAddress("10.42.1.9")!]),
            ], ports: [ServicePortInfo(name: "http", proto: "TCP", port: 8080)]),
        ],
        namespaces: ["default", "kube-system", "prod", "quiet"], serial: 1)

    static func records(_ name: String, _ type: RRType) -> [String] {
        guard case .records(let answers, _) = zone.answer(DNSQuestion(name: DNSName(name), type: type)) else { return [] }
        return answers.map(\.data).map(describe)
    }

    static func describe(_ data: RData) -> String {
        switch data {
        case .a(let v4): v4.description
        case .aaaa(let v6): v6.description
        case .cname(let name), .ptr(let name), .ns(let name): name.description
        case .srv(let priority, let weight, let port, let target): "\(priority) \(weight) \(port) \(target)"
        case .soa(let soa): "SOA \(soa.mname) \(soa.rname) \(soa.minimum)"
        case .txt, .opaque: "?"
        }
    }

    enum Kind: String { case records, noData, nameError, outside, alias, notReady }

    static func kind(_ name: String, _ type: RRType) -> Kind {
        switch zone.answer(DNSQuestion(name: DNSName(name), type: type)) {
        case .records: .records
        case .noData: .noData
        case .nameError: .nameError
        case .outside: .outside
        case .alias: .alias
        case .notReady: .notReady
        }
    }
}

@Suite struct ZoneTests {
    static let answerCases: [(String, RRType, [String])] = [
        ("web.default.svc.cluster.local", .a, ["10.43.0.20"]),
        ("WEB.Default.SVC.cluster.LOCAL.", .a, ["10.43.0.20"]),
        ("_http._tcp.web.default.svc.cluster.local", .srv, ["0 100 80 web.default.svc.cluster.local."]),
        ("_http._tcp.web.default.svc.cluster.local", .a, ["10.43.0.20"]),
        ("web.default.svc.cluster.local", .srv, ["0 50 80 web.default.svc.cluster.local.", "0 50 81 web.default.svc.cluster.local."]),
        // Endpoint names exist for ClusterIP Services too (CoreDNS's endpoint query).
        ("10-42-1-9.web.default.svc.cluster.local", .a, ["10.42.1.9"]),
        ("db.default.svc.cluster.local", .a, ["10.42.0.5", "10.42.0.6"]),
        ("db-0.db.default.svc.cluster.local", .a, ["10.42.0.5"]),
        ("10-42-0-6.db.default.svc.cluster.local", .a, ["10.42.0.6"]),
        ("_pg._tcp.db.default.svc.cluster.local", .srv,
         ["0 50 5432 db-0.db.default.svc.cluster.local.", "0 50 5432 10-42-0-6.db.default.svc.cluster.local."]),
        ("ext.default.svc.cluster.local", .cname, ["example.org."]),
        ("inner.default.svc.cluster.local", .a, ["web.default.svc.cluster.local.", "10.43.0.20"]),
        ("dual.prod.svc.cluster.local", .a, ["10.43.0.30"]),
        ("dual.prod.svc.cluster.local", .aaaa, ["fd00:43::30"]),
        ("10-42-0-99.default.pod.cluster.local", .a, ["10.42.0.99"]),
        ("fd00--1.quiet.pod.cluster.local", .aaaa, ["fd00::1"]),
        ("20.0.43.10.in-addr.arpa", .ptr, ["web.default.svc.cluster.local."]),
        ("5.0.42.10.in-addr.arpa", .ptr, ["db-0.db.default.svc.cluster.local."]),
        ("cluster.local", .soa, ["SOA ns.dns.cluster.local. hostmaster.cluster.local. 5"]),
        ("cluster.local", .ns, ["ns.dns.cluster.local."]),
    ]

    @Test(arguments: answerCases)
    func answers(_ name: String, _ type: RRType, _ expected: [String]) {
        #expect(Fixture.records(name, type) == expected)
    }

    static let outcomeCases: [(String, RRType, Fixture.Kind)] = [
        ("web.default.svc.cluster.local", .aaaa, .noData),
        ("web.default.svc.cluster.local", .txt, .noData),
        ("cluster.local", .a, .noData),
        ("svc.cluster.local", .a, .noData),
        ("default.svc.cluster.local", .a, .noData),
        ("quiet.svc.cluster.local", .a, .noData),
        ("pod.cluster.local", .a, .noData),
        ("default.pod.cluster.local", .a, .noData),
        ("missing.svc.cluster.local", .a, .nameError),
        ("nope.default.svc.cluster.local", .a, .nameError),
        ("x.nope.default.svc.cluster.local", .a, .nameError),
        ("_http._udp.web.default.svc.cluster.local", .srv, .nameError),
        ("_tcp.web.default.svc.cluster.local", .srv, .nameError),
        // Not ready: no name for db-2, and its address is not in the Service's answer.
        ("db-2.db.default.svc.cluster.local", .a, .nameError),
        // A headless Service without endpoints has no records: NXDOMAIN, as CoreDNS.
        ("empty.default.svc.cluster.local", .a, .nameError),
        ("10-42-0-99.nowhere.pod.cluster.local", .a, .nameError),
        ("not-an-ip.default.pod.cluster.local", .a, .nameError),
        ("10-42-0-99.default.pod.cluster.local", .aaaa, .noData),
        ("foo.cluster.local", .a, .nameError),
        ("ext.default.svc.cluster.local", .a, .alias),
        ("ext.default.svc.cluster.local", .txt, .noData),
        ("example.org", .a, .outside),
        ("cluster.local.example.org", .a, .outside),
        ("99.0.43.10.in-addr.arpa", .ptr, .nameError),
        ("1.1.168.192.in-addr.arpa", .ptr, .outside),
        ("43.10.in-addr.arpa", .ptr, .outside),
    ]

    @Test(arguments: outcomeCases)
    func outcomes(_ name: String, _ type: RRType, _ expected: Fixture.Kind) {
        #expect(Fixture.kind(name, type) == expected)
    }

    @Test func negativeAnswersCarryTheZoneSOA() {
        guard case .nameError(let soa) = Fixture.zone.answer(DNSQuestion(name: DNSName("missing.svc.cluster.local"), type: .a)) else {
            Issue.record("expected NXDOMAIN")
            return
        }
        #expect(soa.name == DNSName("cluster.local"))
        #expect(soa.ttl == 5)
    }

    @Test func srvAnswersCarryTargetAddresses() {
        guard case .records(_, let additional) = Fixture.zone.answer(DNSQuestion(name: DNSName("_pg._tcp.db.default.svc.cluster.local"), type: .srv)) else {
            Issue.record("expected records")
            return
        }
        #expect(additional.map(\.data).map(Fixture.describe) == ["10.42.0.5", "10.42.0.6"])
    }

    @Test func readsServicesAndSlicesFromJSON() throws {
        let service = try JSON(parsing: #"{"metadata":{"name":"web","namespace":"default"},"spec":{"clusterIP":"10.43.0.20","clusterIPs":["10.43.0.20"],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}}"#)
        let headless = try JSON(parsing: #"{"metadata":{"name":"db","namespace":"default"},"spec":{"clusterIP":"None","ports":[{"port":5432}]}}"#)
        let external = try JSON(parsing: #"{"metadata":{"name":"ext","namespace":"default"},"spec":{"type":"ExternalName","externalName":"example.org"}}"#)
        let slice = try JSON(parsing: #"{"metadata":{"name":"db-abc","namespace":"default","labels":{"kubernetes.io/service-name":"db"}},"addressType":"IPv4","endpoints":[{"addresses":["10.42.0.5"],"hostname":"db-0","conditions":{"ready":true}},{"addresses":["10.42.0.7"],"conditions":{"ready":false}}],"ports":[{"name":"","port":5432,"protocol":"TCP"}]}"#)
        #expect(ServiceInfo(json: service) == ServiceInfo(namespace: "default", name: "web", clusterIPs: [IPAddress("10.43.0.20")!],
                                                          ports: [ServicePortInfo(name: "http", proto: "TCP", port: 80)]))
        #expect(ServiceInfo(json: headless)?.headless == true)
        #expect(ServiceInfo(json: external)?.externalName == "example.org")
        let info = try #require(EndpointSliceInfo(json: slice))
        #expect(info.endpoints.map(\.ready) == [true, false])
        #expect(info.endpoints.first?.hostname == "db-0")
        #expect(ServiceInfo(json: .object([:])) == nil)
    }
}

extension ZoneTests {
    @Test func clusterNamesFailBeforeTheFirstSync() {
        let placeholder = ClusterZone(settings: Fixture.settings)
        #expect(placeholder.answer(DNSQuestion(name: DNSName("web.default.svc.cluster.local"), type: .a)) == .notReady)
        #expect(placeholder.answer(DNSQuestion(name: DNSName("1.0.43.10.in-addr.arpa"), type: .ptr)) == .notReady)
        #expect(placeholder.answer(DNSQuestion(name: DNSName("example.org"), type: .a)) == .outside)
    }
}
