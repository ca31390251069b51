import Foundation
import KubeAPI
import NodeAgent
import Testing

@Suite struct CNIConfigTests {
    @Test func rendersBridgeHostLocalPortmap() throws {
        let text = CNIConfig(podCIDR: "10.42.3.0/24", ipamDataDirectory: "/var/lib/x/ipam").rendered()
        let json = try JSON(parsing: text)
        #expect(json["cniVersion"] == "1.0.0")
        let plugins = try #require(json["plugins"].arrayValue)
        #expect(plugins.count == 2)
        #expect(plugins[0]["type"] == "bridge")
        #expect(plugins[0]["bridge"] == "swiftlet0")
        #expect(plugins[0]["isGateway"] == true)
        #expect(plugins[0]["ipMasq"] == false)  // PodMasquerade does it, once per node
        #expect(plugins[0]["hairpinMode"] == true)
        #expect(plugins[0]["ipam"]["type"] == "host-local")
        #expect(plugins[0]["ipam"]["ranges"][0][0]["subnet"] == "10.42.3.0/24")
        #expect(plugins[0]["ipam"]["dataDir"] == "/var/lib/x/ipam")
        #expect(plugins[1]["type"] == "portmap")
        #expect(plugins[1]["capabilities"]["portMappings"] == true)
    }

    @Test func writesOnlyOnChange() throws {
        let dir = NSTemporaryDirectory() + "cni-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = CNIConfig(podCIDR: "10.42.0.0/24", ipamDataDirectory: dir + "/ipam")
        #expect(try config.write(toDirectory: dir + "/net.d"))
        #expect(try !config.write(toDirectory: dir + "/net.d"))
        let changed = CNIConfig(podCIDR: "10.42.1.0/24", ipamDataDirectory: dir + "/ipam")
        #expect(try changed.write(toDirectory: dir + "/net.d"))
        let text = try String(contentsOfFile: dir + "/net.d/10-swiftlet.conflist", encoding: .utf8)
        #expect(text.contains("10.42.1.0/24"))
        #expect(FileManager.default.fileExists(atPath: dir + "/ipam"))
    }

    @Test(arguments: [("10.42.0.0/24", true), ("10.42.0.0/16", true), ("10.42.0.0", false), ("10.42.0.0/33", false),
                      ("fd00::/64", false), ("300.1.1.1/24", false), ("", false), ("a.b.c.d/24", false)])
    func cidrValidation(cidr: String, valid: Bool) {
        #expect(CNIConfig.isValidIPv4CIDR(cidr) == valid)
    }
}
