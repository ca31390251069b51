import KubeAPI
import Testing
@testable import KubeClient

@Suite struct CRUDTests {
    static func pod(_ name: String, namespace: String = "default") -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "spec": ["containers": [["name": "a", "image": "busybox:1"], ["name": "b", "image": "busybox:1"]]]]
    }

    @Test func createGetUpdateList() async throws {
        try await withServer { _, client in
            let created = try await client.create(.configMaps, namespace: "default", object: configMap("one"))
            #expect(created["metadata"]["uid"].stringValue?.isEmpty == false)
            let rv = try #require(created["metadata"]["resourceVersion"].stringValue)

            let fetched = try await client.get(.configMaps, namespace: "default", name: "one")
            #expect(fetched["data"]["k"] == "v")
            #expect(fetched["metadata"]["resourceVersion"].stringValue == rv)

            var changed = fetched
            changed["data"]["k"] = "w"
            changed["data"]["unmodelled"] = "kept"
            let updated = try await client.update(.configMaps, object: changed)
            #expect(updated["data"]["k"] == "w")
            #expect(updated["data"]["unmodelled"] == "kept")
            #expect(updated["metadata"]["resourceVersion"].stringValue != rv)

            let list = try await client.list(.configMaps, namespace: "default", options: ListOptions())
            #expect(list.items.compactMap { $0["metadata"]["name"].stringValue }.contains("one"))
            #expect(!list.resourceVersion.isEmpty)
            #expect(list.continueToken == nil)

            // The cluster-scoped form and a label selector go through the query string.
            _ = try await client.create(.configMaps, namespace: "default",
                                        object: configMap("two", labels: ["app": "x", "tier": "a"]))
            let selected = try await client.list(.configMaps, namespace: nil,
                                                 options: ListOptions(labelSelector: "app=x,tier in (a,b)"))
            #expect(selected.items.map { $0["metadata"]["name"] } == ["two"])
        }
    }

    @Test func podStatusIsWrittenThroughTheStatusSubresourceOnly() async throws {
        try await withServer { _, client in
            let created = try await client.create(.pods, namespace: "default", object: Self.pod("s"))
            #expect(created["status"]["phase"] == "Pending")
            var running = created
            running["status"]["phase"] = "Running"
            running["status"]["podIP"] = "10.42.0.5"
            let stored = try await client.updateStatus(.pods, namespace: "default", object: running)
            #expect(stored["status"]["phase"] == "Running")
            #expect(stored["status"]["podIP"] == "10.42.0.5")

            // A main-resource update cannot change status, and keeps the stored one.
            var relabelled = stored
            relabelled["metadata"]["labels"] = ["x": "y"]
            relabelled["status"]["phase"] = "Failed"
            let updated = try await client.update(.pods, namespace: "default", object: relabelled)
            #expect(updated["metadata"]["labels"]["x"] == "y")
            #expect(updated["status"]["phase"] == "Running")
        }
    }

    @Test func jobStatusAndNamespaceFinalizeSubresources() async throws {
        try await withServer { _, client in
            let job: JSON = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "j", "namespace": "default"],
                             "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]]]]]]
            var created = try await client.create(.jobs, namespace: "default", object: job)
            created["status"] = ["active": 1, "startTime": "2026-01-01T00:00:00Z"]
            let stored = try await client.updateStatus(.jobs, namespace: "default", object: created)
            #expect(stored["status"]["active"] == 1)

            _ = try await client.create(.namespaces, object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fin"]])
            var namespace = try await client.get(.namespaces, name: "fin")
            #expect(namespace["spec"]["finalizers"] == ["kubernetes"])
            // A plain update cannot drop the finalizer; the finalize subresource can.
            namespace["spec"]["finalizers"] = []
            let updated = try await client.update(.namespaces, object: namespace)
            #expect(updated["spec"]["finalizers"] == ["kubernetes"])
            let finalized = try await client.update(.namespaces, namespace: nil, object: updated.droppingFinalizers, subresource: "finalize")
            #expect(finalized["spec"]["finalizers"] == [])
            #expect(try await client.get(.namespaces, name: "fin")["spec"]["finalizers"] == [])
        }
    }

    @Test func mergeAndStrategicPatches() async throws {
        try await withServer { _, client in
            _ = try await client.create(.configMaps, namespace: "default", object: configMap("cm", data: ["a": "1", "b": "2"]))
            let merged = try await client.patch(.configMaps, namespace: "default", name: "cm",
                                                patch: ["data": ["a": nil, "c": "3"]], patchType: .merge)
            #expect(merged["data"].semanticallyEquals(["b": "2", "c": "3"]))

            _ = try await client.create(.pods, namespace: "default", object: Self.pod("p"))
            // Strategic merge keys containers by name: only "b" changes, "a" stays.
            let strategic = try await client.patch(.pods, namespace: "default", name: "p",
                                                   patch: ["spec": ["containers": [["name": "b", "image": "busybox:2"]]]],
                                                   patchType: .strategic)
            let containers = try #require(strategic["spec"]["containers"].arrayValue)
            #expect(containers.map { $0["name"] } == ["a", "b"])
            #expect(containers.map { $0["image"] } == ["busybox:1", "busybox:2"])
        }
    }

    @Test func deleteHonoursPreconditions() async throws {
        try await withServer { _, client in
            let created = try await client.create(.configMaps, namespace: "default", object: configMap("gone"))
            let uid = try #require(created["metadata"]["uid"].stringValue)
            let wrong = DeleteOptions(preconditionUID: "not-the-uid")
            let error = await #expect(throws: StatusError.self) {
                try await client.delete(.configMaps, namespace: "default", name: "gone", options: wrong)
            }
            #expect(error?.code == 409)
            #expect(error?.reason == "Conflict")
            #expect(error?.message.contains("Precondition failed") == true)

            let right = DeleteOptions(propagationPolicy: "Background", preconditionUID: uid,
                                      preconditionResourceVersion: created["metadata"]["resourceVersion"].stringValue)
            _ = try await client.delete(.configMaps, namespace: "default", name: "gone", options: right)
            let gone = await #expect(throws: StatusError.self) {
                try await client.get(.configMaps, namespace: "default", name: "gone")
            }
            #expect(gone?.reason == "NotFound")
        }
    }

    @Test func apiErrorsAreDecodedStatuses() async throws {
        try await withServer { _, client in
            let missing = await #expect(throws: StatusError.self) {
                try await client.get(.configMaps, namespace: "default", name: "nope")
            }
            #expect(missing?.code == 404)
            #expect(missing?.reason == "NotFound")
            #expect(missing?.details?.name == "nope")

            _ = try await client.create(.configMaps, namespace: "default", object: configMap("dup"))
            let exists = await #expect(throws: StatusError.self) {
                try await client.create(.configMaps, namespace: "default", object: configMap("dup"))
            }
            #expect(exists?.code == 409)
            #expect(exists?.reason == "AlreadyExists")

            var stale = try await client.get(.configMaps, namespace: "default", name: "dup")
            stale["data"]["k"] = "changed"
            _ = try await client.update(.configMaps, object: stale)
            let conflict = await #expect(throws: StatusError.self) { try await client.update(.configMaps, object: stale) }
            #expect(conflict?.code == 409)
            #expect(conflict?.reason == "Conflict")

            let invalid = await #expect(throws: StatusError.self) {
                try await client.create(.configMaps, namespace: "default", object: configMap("Bad_Name"))
            }
            #expect(invalid?.code == 422)
            #expect(invalid?.reason == "Invalid")
            #expect(invalid?.details?.causes.contains { $0.field == "metadata.name" } == true)
        }
    }

    @Test func listPagesWithLimitAndContinue() async throws {
        try await withServer { _, client in
            _ = try await client.create(.namespaces, object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "paged"]])
            for index in 0..<7 {
                _ = try await client.create(.configMaps, namespace: "paged", object: configMap("cm-\(index)", namespace: "paged"))
            }
            var names: [String] = []
            var options = ListOptions(limit: 3)
            var pages = 0
            repeat {
                let page = try await client.list(.configMaps, namespace: "paged", options: options)
                #expect(page.items.count <= 3)
                names += page.items.compactMap { $0["metadata"]["name"].stringValue }
                options.continueToken = page.continueToken
                pages += 1
            } while options.continueToken != nil && pages < 10
            #expect(pages == 3)
            #expect(names == (0..<7).map { "cm-\($0)" })
        }
    }

    @Test func badArgumentsAreRefusedBeforeSending() async throws {
        try await withServer { _, client in
            await #expect(throws: KubeClientError.self) { try await client.get(.configMaps, namespace: nil, name: "x") }
            await #expect(throws: KubeClientError.self) { try await client.get(.configMaps, namespace: "default", name: "a/b") }
            await #expect(throws: KubeClientError.self) {
                try await client.update(.configMaps, namespace: "default", object: ["kind": "ConfigMap"])
            }
        }
    }
}

extension JSON {
    fileprivate var droppingFinalizers: JSON {
        var copy = self
        copy["spec"]["finalizers"] = []
        return copy
    }
}
