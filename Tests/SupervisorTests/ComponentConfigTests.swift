import Foundation
import SwiftletCore
import Testing

@Suite struct ComponentConfigTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("component-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func roundTripsAndKeepsDefaultsForMissingKeys() throws {
        var config = ComponentConfig(kubeconfig: "/k", tlsCertFile: "/c", tlsKeyFile: "/k.pem", clientCAFile: "/ca")
        config.controllers = ["deployment", "-job"]
        config.simulatedNodes = 3
        config.privateRegistry = "/etc/swiftlet/registries.yaml"
        config.dnsPort = 5353
        config.clusterDomain = "example.internal"
        config.nodeIPs = ["192.168.1.10"]
        config.proxyTable = "swiftlet-test"
        let path = try write("")
        defer { unlink(path) }
        try config.write(to: path)
        #expect(try ComponentConfig.load(path: path) == config)

        let minimal = try write(#"{"kubeconfig":"/k","tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca"}"#)
        defer { unlink(minimal) }
        let loaded = try ComponentConfig.load(path: minimal)
        #expect(loaded.securePort == 0 && loaded.leaderElect && loaded.logLevel == "warning" && loaded.controllers == nil && loaded.privateRegistry == nil)
        #expect(loaded.dnsBindAddress == "0.0.0.0" && loaded.dnsPort == 53 && loaded.clusterDomain == "cluster.local"
                && loaded.upstreamResolvConf == "/etc/resolv.conf")
        #expect(loaded.nodeIPs == nil && loaded.proxyTable == nil)
    }

    @Test(arguments: [
        (#"{"tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca"}"#, "missing key kubeconfig"),
        (#"{"kubeconfig":"/k","tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca","securePort":70000}"#, "securePort: 70000 is not a port (0-65535)"),
        (#"{"kubeconfig":"/k","tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca","simulatedNodes":-1}"#, "simulatedNodes: must not be negative"),
        (#"{"kubeconfig":"/k","tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca","leaderElect":"yes"}"#, "leaderElect:"),
        (#"{"kubeconfig":"/k","tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca","dnsPort":-1}"#, "dnsPort: -1 is not a port (0-65535)"),
        (#"{"kubeconfig":"/k","tlsCertFile":"/c","tlsKeyFile":"/k","clientCAFile":"/ca","nodeIPs":"10.0.0.1"}"#, "nodeIPs:"),
        ("not json", "invalid config file"),
    ])
    func badFilesNameTheProblem(text: String, message: String) throws {
        let path = try write(text)
        defer { unlink(path) }
        do {
            _ = try ComponentConfig.load(path: path)
            Issue.record("\(text) was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains(path))
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ConfigError.self) { try ComponentConfig.load(path: "/nonexistent/scheduler.json") }
    }
}
