import KubeAPI
import Testing
@testable import APIServer

@Suite struct ServiceAllocatorTests {
    func service(_ name: String, type: String = "ClusterIP", clusterIP: String? = nil, nodePort: Int64? = nil) -> JSON {
        var port: JSON = ["port": 80, "protocol": "TCP"]
        if let nodePort { port["nodePort"] = .int(nodePort) }
        var svc: JSON = ["metadata": ["name": .string(name), "uid": .string(name)], "spec": ["type": .string(type), "ports": [port]]]
        if let clusterIP { svc["spec"]["clusterIP"] = .string(clusterIP) }
        return svc
    }

    @Test func allocatesInRangeAndNeverTheFirstIP() async throws {
        let allocator = try ServiceAllocator(serviceCIDR: "10.43.0.0/29", nodePortRange: "30000-30001")
        #expect(allocator.firstIP == "10.43.0.1")
        var seen = Set<String>()
        var existing: [JSON] = [service("kubernetes", clusterIP: "10.43.0.1")]
        // A /29 has 8 addresses: network, .1 (kubernetes), broadcast excluded -> 5 free.
        for i in 0..<5 {
            var svc = service("s\(i)")
            _ = try await allocator.allocate(&svc, existing: existing)
            let ip = try #require(svc["spec"]["clusterIP"].stringValue)
            #expect(ip != "10.43.0.1" && ip != "10.43.0.0" && ip != "10.43.0.7")
            #expect(seen.insert(ip).inserted)
            existing.append(svc)
        }
        var full = service("full")
        await #expect(throws: StatusError.self) { try await allocator.allocate(&full, existing: existing) }
    }

    /// The first 256 addresses of a /16 are left to services that ask for one (the cluster DNS's
    /// 10.43.0.10), as upstream's static subrange: allocated ClusterIPs come from above them.
    @Test func allocatedIPsStayOutOfTheStaticBand() async throws {
        let allocator = try ServiceAllocator(serviceCIDR: "10.43.0.0/16", nodePortRange: "30000-30001")
        for i in 0..<300 {
            var svc = service("s\(i)")
            _ = try await allocator.allocate(&svc, existing: [])
            let ip = try #require(svc["spec"]["clusterIP"].stringValue.flatMap(ServiceAllocator.parseIPv4))
            #expect(ip >= ServiceAllocator.parseIPv4("10.43.1.0")! && ip < ServiceAllocator.parseIPv4("10.43.255.255")!)
        }
    }

    @Test func reservationsPreventDoubleAllocation() async throws {
        let allocator = try ServiceAllocator(serviceCIDR: "10.43.0.0/30", nodePortRange: "30000-30000")
        var a = service("a", type: "NodePort")
        let ra = try await allocator.allocate(&a, existing: [])
        // Not yet stored, but reserved: the only node port is taken.
        var b = service("b", type: "NodePort", clusterIP: "None")
        await #expect(throws: StatusError.self) { try await allocator.allocate(&b, existing: []) }
        allocator.release(ra)
        _ = try await allocator.allocate(&b, existing: [])
        #expect(b["spec"]["ports"][0]["nodePort"] == 30000)
    }

    @Test func rejectsTakenOrOutOfRangeRequests() async throws {
        let allocator = try ServiceAllocator(serviceCIDR: "10.43.0.0/16", nodePortRange: "30000-32767")
        let existing = [service("x", type: "NodePort", clusterIP: "10.43.0.10", nodePort: 30080)]
        for (ip, port) in [("10.43.0.10", Int64?.none), ("192.168.1.1", nil), ("", 30080), ("", 80)] {
            var svc = service("y", type: "NodePort", clusterIP: ip.isEmpty ? nil : ip, nodePort: port)
            await #expect(throws: StatusError.self) { try await allocator.allocate(&svc, existing: existing) }
        }
    }

    @Test(arguments: ["10.43.0.0", "10.43.0.0/33", "x/16", "10.43.0.0/31"])
    func rejectsBadCIDRs(_ cidr: String) {
        #expect(throws: (any Error).self) { try ServiceAllocator(serviceCIDR: cidr, nodePortRange: "30000-32767") }
    }
}
