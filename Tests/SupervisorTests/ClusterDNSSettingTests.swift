import Testing
@testable import SwiftletCore

/// `cluster-dns` and `resolv-conf`: the cluster DNS address pods get and the host resolver file.
@Suite struct ClusterDNSSettingTests {
    let host = HostFacts(uid: 1000, home: "/home/ada", hostname: "lab", workingDirectory: "/srv")

    @Test(arguments: [
        ([ServerSetting: RawSetting](), "10.43.0.10"),
        ([.serviceCIDR: .scalar("10.96.0.0/12")], "10.96.0.10"),
        ([.serviceCIDR: .scalar("10.43.0.0/16,fd00::/108")], "10.43.0.10"),
        ([.clusterDNS: .scalar("10.43.0.53")], "10.43.0.53"),
    ])
    func clusterDNSDefaultsToTheTenthServiceAddress(flags: [ServerSetting: RawSetting], expected: String) throws {
        #expect(try ServerConfig.resolve(ServerConfigInputs(flags: flags), host: host).clusterDNS == expected)
    }

    @Test func resolvConfDefaultsToTheHostsAndResolvesRelativePaths() throws {
        #expect(try ServerConfig.resolve(ServerConfigInputs(), host: host).resolvConf == "/etc/resolv.conf")
        let given = try ServerConfig.resolve(ServerConfigInputs(flags: [.resolvConf: .scalar("conf/resolv.conf")]), host: host)
        #expect(given.resolvConf == "/srv/conf/resolv.conf")
    }

    @Test func aClusterDNSThatIsNotAnAddressNamesTheKey() {
        #expect {
            try ServerConfig.resolve(ServerConfigInputs(flags: [.clusterDNS: .scalar("dns.local")]), host: host)
        } throws: { error in
            (error as? ServerConfigError)?.key == "cluster-dns"
        }
    }
}
