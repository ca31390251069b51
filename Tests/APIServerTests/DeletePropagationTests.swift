import Foundation
import KubeAPI
import KubeStore
import Testing
@testable import APIServer

@Suite struct DeletePropagationTests {
    static func definition(_ group: String, _ version: String, _ plural: String) -> ResourceDefinition {
        ResourceRegistry.resource(group: group, version: version, plural: plural)!
    }

    static let cases: [(group: String, plural: String, existing: [String], policy: String?, expected: [String])] = [
        ("apps", "deployments", [], nil, []),                                  // default Background
        ("apps", "deployments", [], "Foreground", ["foregroundDeletion"]),
        ("apps", "deployments", [], "Orphan", ["orphan"]),
        ("apps", "replicasets", ["example.com/x"], "Foreground", ["example.com/x", "foregroundDeletion"]),
        ("apps", "deployments", ["orphan"], nil, ["orphan"]),                  // a finalizer on the object beats the default
        ("apps", "deployments", ["orphan", "example.com/x"], "Background", ["example.com/x"]),
        ("apps", "deployments", ["foregroundDeletion"], "Orphan", ["orphan"]),
        ("batch", "jobs", [], nil, ["orphan"]),                                // batch/v1 Jobs orphan by default
        ("batch", "jobs", [], "Background", []),
        ("", "replicationcontrollers", [], nil, ["orphan"]),                   // so do core/v1 ReplicationControllers
        ("batch", "cronjobs", [], nil, []),
    ]

    @Test(arguments: cases)
    func finalizersForPolicy(_ entry: (group: String, plural: String, existing: [String], policy: String?, expected: [String])) {
        let def = Self.definition(entry.group, "v1", entry.plural)
        #expect(APIServer.deletionFinalizers(def, existing: entry.existing, policy: entry.policy) == entry.expected)
    }

    /// A server over a fresh SQLite store in a temporary directory.
    func makeServer() throws -> (APIServer, any KubeStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-delete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("state.db").path)
        // `.init` keeps SwiftletCore and Logging (not dependencies of this test target) unnamed.
        let server = try APIServer(config: .init(tlsCertFile: "", tlsKeyFile: "", clientCAFile: "", databasePath: dir.path),
                                   store: store, logger: .init(label: "test"))
        return (server, store, dir)
    }

    func seed(_ store: any KubeStore, _ target: ResourceTarget, name: String) async throws {
        let object: JSON = ["apiVersion": .string(target.definition.apiVersion), "kind": .string(target.definition.kind),
                            "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)")]]
        _ = try await store.create(target.key(name: name)) { revision in Objects.encode(object, revision: revision) }
    }

    static let storeCases: [(policy: String?, orphanDependents: Bool?, finalizer: String?)] = [
        ("Foreground", nil, "foregroundDeletion"),
        ("Orphan", nil, "orphan"),
        (nil, true, "orphan"),       // the deprecated boolean
        (nil, false, nil),
        ("Background", nil, nil),
        (nil, nil, nil),
    ]

    @Test(arguments: storeCases)
    func deleteMarksOrRemoves(_ entry: (policy: String?, orphanDependents: Bool?, finalizer: String?)) async throws {
        let (server, store, dir) = try makeServer()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = ResourceTarget(definition: Self.definition("apps", "v1", "deployments"), namespace: "default", name: nil, subresource: "")
        try await seed(store, target, name: "web")
        var options = DeleteOptions(gracePeriodSeconds: nil)
        options.propagationPolicy = entry.policy ?? entry.orphanDependents.map { $0 ? "Orphan" : "Background" }
        let (returned, gone) = try await server.deleteObject(target, name: "web", options: options)
        let stored = try await store.get(target.key(name: "web"))
        if let finalizer = entry.finalizer {
            #expect(!gone)
            #expect(returned["metadata"]["finalizers"] == [.string(finalizer)])
            #expect(!returned["metadata"]["deletionTimestamp"].isNull)
            let kept = try Objects.decode(try #require(stored))
            #expect(kept["metadata"]["finalizers"] == [.string(finalizer)])
            #expect(kept["metadata"]["deletionGracePeriodSeconds"] == 0)
        } else {
            #expect(gone)
            #expect(stored == nil)
        }
    }

    @Test func secondDeleteSwitchesPolicyOnATerminatingObject() async throws {
        let (server, store, dir) = try makeServer()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = ResourceTarget(definition: Self.definition("apps", "v1", "deployments"), namespace: "default", name: nil, subresource: "")
        try await seed(store, target, name: "web")
        var foreground = DeleteOptions(gracePeriodSeconds: nil)
        foreground.propagationPolicy = "Foreground"
        _ = try await server.deleteObject(target, name: "web", options: foreground)
        var orphan = DeleteOptions(gracePeriodSeconds: nil)
        orphan.propagationPolicy = "Orphan"
        let (returned, gone) = try await server.deleteObject(target, name: "web", options: orphan)
        #expect(!gone)
        #expect(returned["metadata"]["finalizers"] == ["orphan"])
    }

    @Test func jobWithoutPolicyIsOrphanedByDefault() async throws {
        let (server, store, dir) = try makeServer()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = ResourceTarget(definition: Self.definition("batch", "v1", "jobs"), namespace: "default", name: nil, subresource: "")
        try await seed(store, target, name: "once")
        let (returned, gone) = try await server.deleteObject(target, name: "once", options: DeleteOptions(gracePeriodSeconds: nil))
        #expect(!gone)
        #expect(returned["metadata"]["finalizers"] == ["orphan"])
        // The namespace cleanup deletes in Background explicitly, so nothing waits there.
        #expect(DeleteOptions.immediate.propagationPolicy == "Background")
    }
}
