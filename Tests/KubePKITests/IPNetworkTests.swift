import Testing
@testable import KubePKI

@Suite struct IPNetworkTests {
    @Test(arguments: [
        ("10.43.0.0/16", "10.43.0.1"),
        ("10.43.7.9/16", "10.43.0.1"),  // host bits are cleared, as Go's net.ParseCIDR does
        ("10.96.0.0/12", "10.96.0.1"),
        ("192.168.0.0/30", "192.168.0.1"),
        ("fd00:43::/112", "fd00:43::1"),
        ("2001:db8::/127", "2001:db8::1"),
        ("0.0.0.0/0", "0.0.0.1"),
    ])
    func firstUsableAddress(cidr: String, expected: String) throws {
        #expect(try IPNetwork(cidr).firstUsableAddress().description == expected)
    }

    @Test(arguments: [
        "", "10.43.0.0", "10.43.0.0/", "/16", "10.43.0.0/33", "10.43.0.0/-1", "10.43.0.0/abc",
        "10.43.0/16", "10.43.0.256/16", "fd00::/129", "10.43.0.0/16/1", "10.43.0.0/32", "10.43.0.0/31",
        "fd00::1/128", "hello/8", "10.43.0.0/+8",
    ])
    func badCIDRsAreRejected(cidr: String) {
        expectPKIError(.invalidCIDR, mentioning: "\"\(cidr)\"") { try IPNetwork(cidr).firstUsableAddress() }
    }

    @Test func dualStackList() throws {
        let ips = try firstUsableAddresses(ofCIDRs: "10.43.0.0/16, fd00:43::/112")
        #expect(ips.map(\.description) == ["10.43.0.1", "fd00:43::1"])
        #expect(throws: PKIError.self) { try firstUsableAddresses(ofCIDRs: "10.43.0.0/16,") }
        #expect(throws: PKIError.self) { try firstUsableAddresses(ofCIDRs: "") }
    }

    @Test func containsChecksPrefix() throws {
        let network = try IPNetwork("10.43.0.0/16")
        #expect(network.contains(try IPAddress("10.43.255.255")))
        #expect(!network.contains(try IPAddress("10.44.0.0")))
        #expect(!network.contains(try IPAddress("::1")))
    }

    @Test(arguments: [("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"), ("127.0.0.1", "127.0.0.1"),
                      ("FD00::0001", "fd00::1")])
    func addressesAreCanonical(text: String, canonical: String) throws {
        #expect(try IPAddress(text).description == canonical)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "::g", "localhost", "[::1]", "1.2.3.4 "])
    func badAddressesAreRejected(text: String) {
        expectPKIError(.invalidIPAddress) { try IPAddress(text) }
    }
}
