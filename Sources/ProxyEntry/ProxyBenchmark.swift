import FoundationEssentials
import ServiceProxy
import SwiftletJSON

/// `swiftlet-proxy --benchmark-services N`: a whole sync of N Services with M endpoints each,
/// applied by nft in a private network namespace (never the host's ruleset).
enum ProxyBenchmark {
    static func run(services count: Int, endpoints perService: Int, output: String? = nil) throws {
        let (services, slices) = objects(count: count, perService: perService)
        let nft = NFTables(launcher: ["/usr/bin/unshare", "--net"])
        let options = RulesetOptions(nodeName: "node-0", clusterCIDR: "10.42.0.0/16")
        let clock = ContinuousClock()
        var lines: [String] = []
        for round in 1...3 {
            let start = clock.now
            let model = ProxyModel.build(services: services, endpointSlices: slices)
            let built = clock.now
            let text = RulesetGenerator(options: options).generate(model)
            let generated = clock.now
            if let output {
                // The in-place update a later sync applies, for timing it by hand in one namespace.
                let generator = RulesetGenerator(options: options)
                let update = generator.generate(model, previous: generator.generate(model, previous: nil).inventory).text
                try text.write(toFile: output, atomically: true, encoding: .utf8)
                try update.write(toFile: output + ".update", atomically: true, encoding: .utf8)
            }
            try nft.apply(text)
            let applied = clock.now
            lines.append("round \(round): model \(ms(built - start)) ms, generate \(ms(generated - built)) ms, "
                + "nft apply \(ms(applied - generated)) ms, whole sync \(ms(applied - start)) ms, "
                + "ruleset \(text.utf8.count / 1024) KiB, \(model.ports.count) service ports")
        }
        for line in lines { print(line) }
        print("rss \(memory("VmRSS")) KiB, peak rss \(memory("VmHWM")) KiB")
    }

    static func ms(_ duration: Duration) -> String {
        // Tenths of a millisecond, rounded (no Foundation `String(format:)` here).
        let tenths = (Double(duration.components.attoseconds) / 1e14 + Double(duration.components.seconds) * 1e4).rounded()
        return "\(Int64(tenths) / 10).\(Int64(tenths) % 10)"
    }

    /// Services `svc-i` with ClusterIPs from 10.43.0.0/16, one EndpointSlice each on 10.42.x.y.
    static func objects(count: Int, perService: Int) -> ([JSON], [JSON]) {
        var services: [JSON] = []
        var slices: [JSON] = []
        var next = 0
        for index in 0..<count {
            let ip = "10.43.\(index / 250).\(index % 250 + 1)"
            services.append(["apiVersion": "v1", "kind": "Service",
                             "metadata": ["name": .string("svc-\(index)"), "namespace": "bench"],
                             "spec": ["type": "ClusterIP", "clusterIP": .string(ip), "clusterIPs": [.string(ip)],
                                      "ports": [["name": "http", "port": 80, "protocol": "TCP"]]]])
            var endpoints: [JSON] = []
            for _ in 0..<perService {
                endpoints.append(["addresses": [.string("10.42.\(next / 250).\(next % 250 + 1)")],
                                  "conditions": ["ready": true], "nodeName": .string("node-\(next % 5)")])
                next += 1
            }
            slices.append(["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                           "metadata": ["name": .string("svc-\(index)-x"), "namespace": "bench",
                                        "labels": ["kubernetes.io/service-name": .string("svc-\(index)")]],
                           "ports": [["name": "http", "port": 8080, "protocol": "TCP"]], "endpoints": .array(endpoints)])
        }
        return (services, slices)
    }

    static func memory(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
