import Foundation
import Testing
@testable import ServiceProxy
import SwiftletJSON

/// One table-driven ruleset case: input objects, options, the golden file it must match.
struct RulesetCase: Sendable, CustomTestStringConvertible {
    let name: String
    let services: [JSON]
    let slices: [JSON]
    var options: RulesetOptions = Fixture.options

    var testDescription: String { name }
    var model: ProxyModel { ProxyModel.build(services: services, endpointSlices: slices) }
    var text: String { RulesetGenerator(options: options).generate(model) }
}

extension RulesetCase {
    typealias EP = Fixture.EP
    static let all: [RulesetCase] = [
        RulesetCase(name: "clusterip-two-endpoints", services: [Fixture.service("web")],
                    slices: [Fixture.slice("web", endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.1.7", node: "node-b")])]),
        RulesetCase(name: "no-endpoints-reject", services: [
            Fixture.service("empty", type: "NodePort", ports: [Fixture.port(nodePort: 30080)]),
            Fixture.service("unready", clusterIP: "10.43.0.11"),
        ], slices: [Fixture.slice("unready", endpoints: [EP(ip: "10.42.0.5", ready: false)])]),
        RulesetCase(name: "affinity", services: [
            Fixture.service("sticky", spec: ["sessionAffinity": "ClientIP",
                                             "sessionAffinityConfig": ["clientIP": ["timeoutSeconds": 600]]]),
        ], slices: [Fixture.slice("sticky", endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.0.6")])]),
        RulesetCase(name: "nodeport", services: [
            Fixture.service("web", type: "NodePort", ports: [Fixture.port(nodePort: 30080)]),
        ], slices: [Fixture.slice("web", endpoints: [EP(ip: "10.42.0.5")])]),
        RulesetCase(name: "nodeport-node-addresses", services: [
            Fixture.service("web", type: "NodePort", ports: [Fixture.port(nodePort: 30080)]),
        ], slices: [Fixture.slice("web", endpoints: [EP(ip: "10.42.0.5")])],
                    options: RulesetOptions(nodeName: "node-a", clusterCIDR: "10.42.0.0/16", nodePortAddresses: ["192.168.1.10"])),
        RulesetCase(name: "loadbalancer", services: [
            Fixture.service("lb", type: "LoadBalancer", ports: [Fixture.port(nodePort: 31000)],
                            spec: ["externalIPs": ["203.0.113.7"]], ingress: ["192.168.1.10"]),
        ], slices: [Fixture.slice("lb", endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.1.5", node: "node-b")])]),
        RulesetCase(name: "external-local", services: [
            Fixture.service("here", type: "LoadBalancer", ports: [Fixture.port(nodePort: 31000)],
                            spec: ["externalTrafficPolicy": "Local"], ingress: ["192.168.1.10"]),
            Fixture.service("elsewhere", clusterIP: "10.43.0.11", type: "NodePort", ports: [Fixture.port(nodePort: 31001)],
                            spec: ["externalTrafficPolicy": "Local"]),
        ], slices: [
            Fixture.slice("here", endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.1.5", node: "node-b")]),
            Fixture.slice("elsewhere", endpoints: [EP(ip: "10.42.1.6", node: "node-b")]),
        ]),
        RulesetCase(name: "internal-local", services: [
            Fixture.service("here", spec: ["internalTrafficPolicy": "Local"]),
            Fixture.service("elsewhere", clusterIP: "10.43.0.11", spec: ["internalTrafficPolicy": "Local"]),
        ], slices: [
            Fixture.slice("here", endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.1.5", node: "node-b")]),
            Fixture.slice("elsewhere", endpoints: [EP(ip: "10.42.1.6", node: "node-b")]),
        ]),
        RulesetCase(name: "terminating", services: [
            Fixture.service("rolling"), Fixture.service("mixed", clusterIP: "10.43.0.11"),
        ], slices: [
            // No ready endpoint: the serving terminating one takes traffic, the non-serving one not.
            Fixture.slice("rolling", endpoints: [EP(ip: "10.42.0.5", ready: false, serving: true, terminating: true),
                                                 EP(ip: "10.42.0.6", ready: false, serving: false, terminating: true)]),
            // A ready endpoint exists: terminating ones get nothing.
            Fixture.slice("mixed", endpoints: [EP(ip: "10.42.0.7"),
                                               EP(ip: "10.42.0.8", ready: false, serving: true, terminating: true)]),
        ]),
        RulesetCase(name: "udp", services: [
            Fixture.service("dns", ports: [Fixture.port("dns", 53, protocol: "UDP")]),
        ], slices: [Fixture.slice("dns", ports: [("dns", 53, "UDP")], endpoints: [EP(ip: "10.42.0.5")])]),
        RulesetCase(name: "multi-port", services: [
            Fixture.service("app", ports: [Fixture.port("http", 80), Fixture.port("metrics", 9090),
                                           Fixture.port("dns", 53, protocol: "UDP"), Fixture.port("sctp", 3868, protocol: "SCTP")]),
        ], slices: [
            Fixture.slice("app", ports: [("http", 8080, "TCP"), ("metrics", 9100, "TCP"), ("dns", 5353, "UDP")],
                          endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.0.10")]),
        ]),
        RulesetCase(name: "empty", services: [], slices: []),
    ]
}

@Suite struct RulesetGoldenTests {
    /// The generated text equals the reviewed file (`SWIFTLET_UPDATE_GOLDEN=1` rewrites them).
    @Test(arguments: RulesetCase.all)
    func matchesGolden(_ c: RulesetCase) throws {
        let file = Fixture.goldenDirectory.appendingPathComponent("\(c.name).nft")
        let text = c.text
        if ProcessInfo.processInfo.environment["SWIFTLET_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Fixture.goldenDirectory, withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(text == golden)
        #expect(c.model.skipped.isEmpty, "\(c.model.skipped)")
    }

    /// Real nft accepts every ruleset (applied in a private network namespace).
    @Test(arguments: RulesetCase.all)
    func nftAppliesIt(_ c: RulesetCase) throws {
        try PrivateNFT.nft.apply(c.text)
    }

    /// The output does not depend on the order objects come from the caches.
    @Test func orderOfInputDoesNotMatter() {
        for c in RulesetCase.all {
            let reversed = RulesetGenerator(options: c.options).generate(
                ProxyModel.build(services: c.services.reversed(), endpointSlices: c.slices.reversed()))
            #expect(reversed == c.text, "\(c.name)")
        }
    }

    /// Applying twice in one namespace replaces the table (the add/delete prefix makes it idempotent),
    /// and the cleanup text removes it.
    @Test func replaceThenCleanup() throws {
        let c = RulesetCase.all[0]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("rules.nft")
        let cleanup = dir.appendingPathComponent("cleanup.nft")
        try c.text.write(to: rules, atomically: true, encoding: .utf8)
        try RulesetGenerator(options: c.options).cleanupText().write(to: cleanup, atomically: true, encoding: .utf8)
        let result = try PrivateNFT.script("""
            set -e
            nft -f \(cleanup.path)
            nft -f \(rules.path); nft -f \(rules.path)
            echo chains=$(nft list table ip swiftlet | grep -c 'chain ')
            nft -f \(cleanup.path)
            nft list tables | grep -c swiftlet || true
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("chains=16"), "\(result.output)")
        #expect(result.output.hasSuffix("0\n"), "\(result.output)")
    }
}

@Suite struct RulesetUpdateTests {
    typealias EP = Fixture.EP

    /// A later sync rewrites the table in place: affinity entries of endpoints that stay survive,
    /// chains and sets of what went are deleted, and the result equals a fresh table's rules.
    @Test func updateKeepsAffinityAndDeletesStaleObjects() throws {
        let generator = RulesetGenerator(options: Fixture.options)
        let sticky = Fixture.service("sticky", spec: ["sessionAffinity": "ClientIP"])
        let first = ProxyModel.build(services: [sticky, Fixture.service("web", clusterIP: "10.43.0.11")], endpointSlices: [
            Fixture.slice("sticky", endpoints: [EP(ip: "10.42.0.5"), EP(ip: "10.42.0.6")]),
            Fixture.slice("web", endpoints: [EP(ip: "10.42.0.7")]),
        ])
        let second = ProxyModel.build(services: [sticky], endpointSlices: [
            Fixture.slice("sticky", endpoints: [EP(ip: "10.42.0.5")]),
        ])
        let (full, inventory) = generator.generate(first, previous: nil)
        #expect(full == generator.generate(first))
        #expect(inventory.chains.contains("svc-default/web/tcp/http"))
        #expect(inventory.affinitySets == ["aff-default/sticky/tcp/http__10.42.0.5/8080": 10_800,
                                           "aff-default/sticky/tcp/http__10.42.0.6/8080": 10_800])
        let (update, _) = generator.generate(second, previous: inventory)
        #expect(update.contains("flush table ip swiftlet\n"))
        #expect(update.contains("delete chain ip swiftlet svc-default/web/tcp/http\n"))
        #expect(update.contains("delete set ip swiftlet aff-default/sticky/tcp/http__10.42.0.6/8080\n"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-update-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try full.write(to: dir.appendingPathComponent("full.nft"), atomically: true, encoding: .utf8)
        try update.write(to: dir.appendingPathComponent("update.nft"), atomically: true, encoding: .utf8)
        try generator.generate(second).write(to: dir.appendingPathComponent("fresh.nft"), atomically: true, encoding: .utf8)
        let result = try PrivateNFT.script("""
            set -e
            nft -f \(dir.path)/full.nft
            nft add element ip swiftlet 'aff-default/sticky/tcp/http__10.42.0.5/8080' '{ 192.0.2.1 }'
            nft -f \(dir.path)/update.nft
            nft list set ip swiftlet 'aff-default/sticky/tcp/http__10.42.0.5/8080' | grep -q 192.0.2.1 && echo affinity-kept
            nft list table ip swiftlet | grep -v expires > \(dir.path)/after-update.txt
            nft -f \(dir.path)/fresh.nft
            nft list table ip swiftlet | grep -v expires > \(dir.path)/after-fresh.txt
            cmp \(dir.path)/after-update.txt \(dir.path)/after-fresh.txt && echo same-as-fresh
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("affinity-kept"), "\(result.output)")
        #expect(result.output.contains("same-as-fresh"), "\(result.output)")
    }
}
