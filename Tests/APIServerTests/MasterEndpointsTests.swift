import Foundation
import KubeAPI
import KubeStore
import SwiftletCore
import Testing
@testable import APIServer

/// The `default/kubernetes` Endpoints and EndpointSlice: the objects themselves, and the
/// reconciler run against a real SQLite store (created, reset after tampering, recreated after
/// deletion, stray slices removed).
@Suite struct MasterEndpointsTests {
    static let endpointsDef = ResourceRegistry.resource(group: "", version: "v1", plural: "endpoints")!
    static let sliceDef = ResourceRegistry.resource(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")!

    @Test(arguments: [("127.0.0.1", "IPv4"), ("192.168.1.10", "IPv4"), ("fd00::1", "IPv6")])
    func objectsAreValidAndShapedAsUpstream(_ entry: (address: String, family: String)) {
        var endpoints = MasterEndpoints.endpoints(address: entry.address, port: 6443)
        var slice = MasterEndpoints.endpointSlice(address: entry.address, port: 6443)
        #expect(Admission.defaultAndValidate(&endpoints, gvk: Self.endpointsDef.gvk, operation: .create, old: nil, namespaced: true).isEmpty)
        #expect(Admission.defaultAndValidate(&slice, gvk: Self.sliceDef.gvk, operation: .create, old: nil, namespaced: true).isEmpty)
        #expect(endpoints["subsets"][0]["addresses"][0]["ip"].stringValue == entry.address)
        #expect(endpoints["subsets"][0]["ports"][0] == ["name": "https", "port": 6443, "protocol": "TCP"])
        #expect(endpoints["metadata"]["labels"] == ["endpointslice.kubernetes.io/skip-mirror": "true"])
        #expect(slice["addressType"].stringValue == entry.family)
        #expect(slice["endpoints"][0] == ["addresses": [.string(entry.address)], "conditions": ["ready": true]])
        #expect(slice["ports"][0] == ["name": "https", "port": 6443, "protocol": "TCP"])
        #expect(slice["metadata"]["labels"] == ["kubernetes.io/service-name": "kubernetes"])
    }

    @Test func reconcileLeavesMatchingObjectsAndResetsOthers() {
        let desired = MasterEndpoints.endpoints(address: "10.0.0.1", port: 6443)
        var stored = desired
        stored["metadata"]["resourceVersion"] = "7"
        #expect(MasterEndpoints.reconciledEndpoints(current: stored, desired: desired) == nil)
        var moved = stored
        moved["subsets"] = [["addresses": [["ip": "10.0.0.1"]], "ports": [["name": "https", "port": 1234, "protocol": "TCP"]]]]
        moved["metadata"]["labels"] = ["x": "y"]
        let reset = MasterEndpoints.reconciledEndpoints(current: moved, desired: desired)
        #expect(reset?["subsets"] == desired["subsets"])
        #expect(reset?["metadata"]["labels"] == desired["metadata"]["labels"])
        #expect(reset?["metadata"]["resourceVersion"] == "7")

        let desiredSlice = MasterEndpoints.endpointSlice(address: "10.0.0.1", port: 6443)
        #expect(MasterEndpoints.reconciledSlice(current: desiredSlice, desired: desiredSlice) == nil)
        var emptied = desiredSlice
        emptied["endpoints"] = []
        #expect(MasterEndpoints.reconciledSlice(current: emptied, desired: desiredSlice)?["endpoints"] == desiredSlice["endpoints"])
    }

    @Test func straysAreOtherSlicesOfTheService() {
        var other = MasterEndpoints.endpointSlice(address: "10.0.0.1", port: 6443)
        other["metadata"]["name"] = "kubernetes-abcde"
        var wrongFamily = MasterEndpoints.endpointSlice(address: "10.0.0.1", port: 6443)
        wrongFamily["addressType"] = "IPv6"
        var unrelated = other
        unrelated["metadata"]["labels"] = ["kubernetes.io/service-name": "web"]
        let keep = MasterEndpoints.endpointSlice(address: "10.0.0.1", port: 6443)
        #expect(MasterEndpoints.strays([keep, other, unrelated], address: "10.0.0.1") == ["kubernetes-abcde"])
        #expect(MasterEndpoints.strays([wrongFamily], address: "10.0.0.1") == ["kubernetes"])
    }

    func makeServer(advertise: String) throws -> (APIServer, any KubeStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-master-ep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("state.db").path)
        var config = APIServerConfig(tlsCertFile: "", tlsKeyFile: "", clientCAFile: "", databasePath: dir.path)
        config.advertiseAddress = advertise
        let server = try APIServer(config: config, store: store, logger: .init(label: "test"))
        return (server, store, dir)
    }

    func read(_ store: any KubeStore, _ def: ResourceDefinition, _ name: String = "kubernetes") async throws -> JSON? {
        guard let kv = try await store.get(StorageKeys.key(def, namespace: "default", name: name)) else { return nil }
        return try Objects.decode(kv)
    }

    @Test func reconcilerCreatesRepairsAndRecreates() async throws {
        let (server, store, dir) = try makeServer(advertise: "192.168.7.7")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await server.bootstrap(servingPort: 6443)
        try await server.reconcileMasterEndpoints(port: 6443)
        let endpoints = try #require(try await read(store, Self.endpointsDef))
        #expect(endpoints["subsets"] == MasterEndpoints.endpoints(address: "192.168.7.7", port: 6443)["subsets"])
        #expect(!(endpoints["metadata"]["uid"].stringValue ?? "").isEmpty)
        let slice = try #require(try await read(store, Self.sliceDef))
        #expect(slice["endpoints"][0]["addresses"] == ["192.168.7.7"])

        // A second round with nothing changed writes nothing.
        let revision = try await store.currentRevision()
        try await server.reconcileMasterEndpoints(port: 6443)
        #expect(try await store.currentRevision() == revision)

        // Someone points the Endpoints elsewhere, deletes the slice and adds a stray one.
        let endpointsKey = StorageKeys.key(Self.endpointsDef, namespace: "default", name: "kubernetes")
        var tampered = endpoints
        tampered["subsets"] = [["addresses": [["ip": "10.9.9.9"]], "ports": [["name": "https", "port": 1, "protocol": "TCP"]]]]
        let frozen = tampered
        _ = try await store.update(endpointsKey, expectedRevision: nil) { _, rev in Objects.encode(frozen, revision: rev) }
        _ = try await store.delete(StorageKeys.key(Self.sliceDef, namespace: "default", name: "kubernetes"), expectedRevision: nil)
        var stray = MasterEndpoints.endpointSlice(address: "10.9.9.9", port: 1)
        stray["metadata"]["name"] = "kubernetes-stray"
        let strayObject = stray
        _ = try await store.create(StorageKeys.key(Self.sliceDef, namespace: "default", name: "kubernetes-stray")) { rev in
            Objects.encode(strayObject, revision: rev)
        }

        try await server.reconcileMasterEndpoints(port: 6443)
        let repaired = try #require(try await read(store, Self.endpointsDef))
        #expect(repaired["subsets"][0]["addresses"][0]["ip"] == "192.168.7.7")
        #expect(repaired["subsets"][0]["ports"][0]["port"] == 6443)
        #expect(repaired["metadata"]["uid"] == endpoints["metadata"]["uid"])
        #expect(try await read(store, Self.sliceDef)?["endpoints"][0]["addresses"] == ["192.168.7.7"])
        #expect(try await read(store, Self.sliceDef, "kubernetes-stray") == nil)

        // A new port (the server restarted elsewhere) is followed.
        try await server.reconcileMasterEndpoints(port: 7443)
        #expect(try await read(store, Self.endpointsDef)?["subsets"][0]["ports"][0]["port"] == 7443)
        #expect(try await read(store, Self.sliceDef)?["ports"][0]["port"] == 7443)
        await store.close()
    }
}
