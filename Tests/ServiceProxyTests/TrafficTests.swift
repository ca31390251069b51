import Foundation
import Testing
@testable import ServiceProxy
import SwiftletJSON

/// Real packets through a generated ruleset, all inside a private network namespace
/// (`unshare --net`): backends listen on addresses added to that namespace's `lo`.
@Suite struct TrafficTests {
    typealias EP = Fixture.EP

    static let client = """
        import json, socket, threading, time
        def serve(addr, port, ident):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port)); s.listen(128)
            def loop():
                while True:
                    c, _ = s.accept(); data = c.recv(100); c.sendall(ident.encode() + b":" + data); c.close()
            threading.Thread(target=loop, daemon=True).start()
        serve("10.99.0.2", 8080, "a"); serve("10.99.0.3", 8080, "b")
        def ask(host, port):
            c = socket.create_connection((host, port), timeout=3); c.sendall(b"hello")
            r = c.recv(100).decode(); c.close(); return r
        result = {"cluster": [ask("10.43.0.10", 80) for _ in range(40)],
                  "nodeport": ask("127.0.0.1", 30080),
                  "sticky": [ask("10.43.0.12", 80) for _ in range(10)]}
        started = time.monotonic()
        try:
            ask("10.43.0.11", 80); result["empty"] = "connected"
        except ConnectionRefusedError:
            result["empty"] = "refused"
        except Exception as e:
            result["empty"] = repr(e)
        result["emptySeconds"] = time.monotonic() - started
        print(json.dumps(result))
        """

    @Test func clusterIPNodePortAffinityAndRefusal() throws {
        let services = [
            Fixture.service("web", type: "NodePort", ports: [Fixture.port(nodePort: 30080)]),
            Fixture.service("empty", clusterIP: "10.43.0.11"),
            Fixture.service("sticky", clusterIP: "10.43.0.12", spec: ["sessionAffinity": "ClientIP"]),
        ]
        let slices = [
            Fixture.slice("web", endpoints: [EP(ip: "10.99.0.2"), EP(ip: "10.99.0.3")]),
            Fixture.slice("sticky", endpoints: [EP(ip: "10.99.0.2"), EP(ip: "10.99.0.3")]),
        ]
        let text = RulesetGenerator(options: Fixture.options).generate(ProxyModel.build(services: services, endpointSlices: slices))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-traffic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try text.write(to: dir.appendingPathComponent("rules.nft"), atomically: true, encoding: .utf8)
        try Self.client.write(to: dir.appendingPathComponent("client.py"), atomically: true, encoding: .utf8)
        let result = try PrivateNFT.script("""
            set -e
            ip link set lo up
            ip addr add 10.99.0.2/32 dev lo
            ip addr add 10.99.0.3/32 dev lo
            ip route add 10.43.0.0/16 dev lo
            nft -f \(dir.path)/rules.nft
            python3 \(dir.path)/client.py
            """)
        #expect(result.status == 0, "\(result.output)")
        let line = result.output.split(separator: "\n").last.map(String.init) ?? ""
        let json = try JSON(parsing: line)
        let cluster = (json["cluster"].arrayValue ?? []).compactMap(\.stringValue)
        #expect(cluster.count == 40)
        // The bytes arrive, and random balancing reaches both backends in 40 tries
        // (the chance of missing one is 2 * 2^-40).
        #expect(Set(cluster) == ["a:hello", "b:hello"], "\(cluster)")
        #expect(["a:hello", "b:hello"].contains(json["nodeport"].stringValue ?? ""), "\(json["nodeport"])")
        let sticky = (json["sticky"].arrayValue ?? []).compactMap(\.stringValue)
        #expect(sticky.count == 10 && Set(sticky).count == 1, "\(sticky)")
        #expect(json["empty"] == "refused")
        #expect((json["emptySeconds"].doubleValue ?? 99) < 0.5, "\(json["emptySeconds"])")
    }
}
