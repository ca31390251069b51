import Foundation
import KubeAPI
import KubeStore
import NIOSSL
import SwiftletCore
import Testing
@testable import APIServer

@Suite struct KubeletLocatorTests {
    static func node(addresses: [(String, String)], port: Int64?) -> JSON {
        var node: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1"], "status": [:]]
        node["status"]["addresses"] = .array(addresses.map { ["type": .string($0.0), "address": .string($0.1)] })
        if let port { node["status"]["daemonEndpoints"] = ["kubeletEndpoint": ["Port": .int(port)]] }
        return node
    }

    static let cases: [(addresses: [(String, String)], port: Int64?, host: String?, expectedPort: Int)] = [
        ([("Hostname", "n1"), ("InternalIP", "10.0.0.5")], 41000, "10.0.0.5", 41000),   // InternalIP wins
        ([("Hostname", "n1"), ("ExternalIP", "203.0.113.9")], nil, "203.0.113.9", 10250), // then ExternalIP
        ([("Hostname", "n1")], 0, "n1", 10250),                                           // then Hostname; port 0 -> default
        ([("InternalIP", "fd00::5")], 70000, "fd00::5", 10250),                           // a port out of range -> default
        ([("InternalDNS", "n1.local")], 10250, nil, 0),                                   // nothing usable
        ([], nil, nil, 0),
    ]

    @Test(arguments: cases.indices)
    func endpointFollowsThePreferredAddressOrder(_ index: Int) throws {
        let entry = Self.cases[index]
        let locator = KubeletLocator(tls: .makeClientConfiguration(), store: try Self.emptyStore())
        let node = Self.node(addresses: entry.addresses, port: entry.port)
        let result = Result { () throws(StatusError) in try locator.endpoint(of: node) }
        switch (result, entry.host) {
        case (.success(let found), let host?):
            #expect(found.host == host)
            #expect(found.port == entry.expectedPort)
        case (.failure(let error), nil):
            #expect(error.code == 500)
            #expect(error.message.hasPrefix("no preferred addresses found; known addresses: ["))
        default:
            Issue.record("unexpected \(result) for \(entry.addresses)")
        }
    }

    @Test func locateReadsTheNodeFromTheStoreAndReportsAMissingOne() async throws {
        let store = try Self.emptyStore()
        let definition = ResourceRegistry.resource(group: "", version: "v1", plural: "nodes")!
        let node = Self.node(addresses: [("InternalIP", "192.0.2.4")], port: 12345)
        _ = try await store.create(StorageKeys.key(definition, namespace: nil, name: "n1")) { revision in
            Objects.encode(node, revision: revision)
        }
        let locator = KubeletLocator(tls: .makeClientConfiguration(), store: store)
        let target = try await locator.locate(nodeName: "n1")
        #expect(target.baseURL == "https://192.0.2.4:12345")
        await #expect(throws: StatusError.notFound("nodes", name: "absent")) {
            try await locator.locate(nodeName: "absent")
        }
        await store.close()
    }

    @Test func unreadableTLSFilesAreConfigErrors() throws {
        var config = APIServerConfig(tlsCertFile: "/x", tlsKeyFile: "/x", clientCAFile: "/x", databasePath: "/x")
        config.kubeletCertificateAuthority = "/nonexistent/ca.crt"
        #expect(throws: ConfigError.self) { try KubeletLocator.tlsConfiguration(config) }
        config.kubeletCertificateAuthority = nil
        // Neither set: a plain client configuration (system roots, no client certificate).
        let tls = try KubeletLocator.tlsConfiguration(config)
        #expect(tls.certificateChain.isEmpty)
    }

    static func emptyStore() throws -> SQLiteStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("locator-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try SQLiteStore.open(path: dir + "/state.db")
    }
}
