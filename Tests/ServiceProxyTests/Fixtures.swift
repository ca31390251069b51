import Foundation
import Logging
@testable import ServiceProxy
import SwiftletJSON

/// Builders of Service and EndpointSlice JSON as the API serves them.
enum Fixture {
    static func service(_ name: String, namespace: String = "default", clusterIP: String = "10.43.0.10",
                        type: String = "ClusterIP", ports: [JSON] = [port()], spec extra: JSONObject = [:],
                        ingress: [String] = []) -> JSON {
        var spec: JSONObject = ["type": .string(type), "clusterIP": .string(clusterIP), "clusterIPs": [.string(clusterIP)],
                                "ports": .array(ports)]
        for (key, value) in extra { spec[key] = value }
        var service: JSON = ["apiVersion": "v1", "kind": "Service",
                             "metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": .object(spec)]
        if !ingress.isEmpty {
            service["status"] = ["loadBalancer": ["ingress": .array(ingress.map { ["ip": .string($0)] })]]
        }
        return service
    }

    static func port(_ name: String = "http", _ port: Int64 = 80, protocol: String = "TCP", nodePort: Int64? = nil) -> JSON {
        var object: JSON = ["name": .string(name), "port": .int(port), "protocol": .string(`protocol`), "targetPort": 8080]
        if let nodePort { object["nodePort"] = .int(nodePort) }
        return object
    }

    struct EP {
        var ip: String
        var node: String = "node-a"
        var ready: Bool = true
        var serving: Bool? = nil
        var terminating: Bool? = nil
    }

    static func slice(_ service: String, namespace: String = "default", suffix: String = "abc",
                      ports: [(String, Int64, String)] = [("http", 8080, "TCP")], endpoints: [EP]) -> JSON {
        let eps: [JSON] = endpoints.map { ep in
            var conditions: JSONObject = ["ready": .bool(ep.ready)]
            if let serving = ep.serving { conditions["serving"] = .bool(serving) }
            if let terminating = ep.terminating { conditions["terminating"] = .bool(terminating) }
            return ["addresses": [.string(ep.ip)], "conditions": .object(conditions), "nodeName": .string(ep.node)]
        }
        return ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": ["name": .string("\(service)-\(suffix)"), "namespace": .string(namespace),
                             "labels": ["kubernetes.io/service-name": .string(service)]],
                "ports": .array(ports.map { ["name": .string($0.0), "port": .int($0.1), "protocol": .string($0.2)] }),
                "endpoints": .array(eps)]
    }

    static let options = RulesetOptions(nodeName: "node-a", clusterCIDR: "10.42.0.0/16")

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// `Tests/Fixtures/proxy`, next to this package's other fixtures.
    static let goldenDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/proxy")
}

/// nft on a private network namespace: tests never touch the host's ruleset.
enum PrivateNFT {
    static let unshare = "/usr/bin/unshare"
    static var nft: NFTables { NFTables(launcher: [unshare, "--net"]) }

    /// Runs a shell script in a new network namespace; returns its exit status and output.
    static func script(_ text: String, timeout: Duration = .seconds(20)) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unshare)
        process.arguments = ["--net", "/bin/sh", "-c", text]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
