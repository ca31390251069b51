import KubeAPI
import Testing
@testable import KubeClient

@Suite struct WatchTests {
    @Test func addedModifiedDeletedInOrder() async throws {
        try await withServer { _, client in
            let start = try await client.list(.configMaps, namespace: "default", options: ListOptions())
            let stream = try await client.watch(.configMaps, namespace: "default",
                                                options: ListOptions(resourceVersion: start.resourceVersion))
            // A value large enough to span several reads on the server and client side.
            let big = JSON.string(String(repeating: "x", count: 200_000))
            _ = try await client.create(.configMaps, namespace: "default", object: configMap("w", data: ["big": big]))
            _ = try await client.patch(.configMaps, namespace: "default", name: "w", patch: ["data": ["k": "2"]])
            _ = try await client.delete(.configMaps, namespace: "default", name: "w")
            let events = try await collect(stream, count: 3)
            #expect(events.map(\.type) == [.added, .modified, .deleted])
            #expect(events.allSatisfy { $0.object["metadata"]["name"] == "w" })
            #expect(events[0].object["data"]["big"] == big)
            #expect(events[1].object["data"]["k"] == "2")
        }
    }

    @Test func streamingListEndsWithABookmark() async throws {
        try await withServer { _, client in
            _ = try await client.create(.configMaps, namespace: "default", object: configMap("existing"))
            let stream = try await client.watch(.configMaps, namespace: "default", options: ListOptions(),
                                                sendInitialEvents: true)
            var sawExisting = false
            for try await event in stream {
                if event.type == .added, event.object["metadata"]["name"] == "existing" { sawExisting = true }
                if event.type == .bookmark {
                    #expect(event.object["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true")
                    #expect(event.object["metadata"]["resourceVersion"].stringValue?.isEmpty == false)
                    break
                }
            }
            #expect(sawExisting)
        }
    }

    @Test func tooOldResourceVersionGivesAnExpiredError() async throws {
        try await withServer { server, client in
            let first = try await client.create(.configMaps, namespace: "default", object: configMap("old"))
            let oldRV = try #require(first["metadata"]["resourceVersion"].stringValue)
            for index in 0..<3 {
                _ = try await client.patch(.configMaps, namespace: "default", name: "old", patch: ["data": ["i": .string("\(index)")]])
            }
            try await server.store.compact(through: try await server.store.currentRevision())
            let stream = try await client.watch(.configMaps, namespace: "default",
                                                options: ListOptions(resourceVersion: String(Int(oldRV)! - 1)))
            let events = try await collect(stream, count: 1)
            let event = try #require(events.first)
            #expect(event.type == .error)
            let status = try #require(StatusDecoding.decode(status: event.object))
            #expect(status.code == 410)
            #expect(status.reason == "Expired")
        }
    }

    @Test func watchEndsWhenTheServerTimesOut() async throws {
        try await withServer { _, client in
            let stream = try await client.watch(.configMaps, namespace: "default", options: ListOptions(timeoutSeconds: 1))
            var count = 0
            for try await _ in stream { count += 1 }
            // The bootstrap may or may not have left config maps in default; the stream must end cleanly.
            #expect(count >= 0)
            // The connection stays usable afterwards.
            _ = try await client.list(.configMaps, namespace: "default", options: ListOptions())
        }
    }

    @Test func refusedWatchThrowsAStatus() async throws {
        try await withServer { _, client in
            let bogus = ResourceType(group: "example.com", version: "v1", plural: "widgets", kind: "Widget", namespaced: true)
            let error = await #expect(throws: StatusError.self) {
                _ = try await client.watch(bogus, namespace: "default", options: ListOptions())
            }
            #expect(error?.code == 404)
            #expect(error?.reason == "NotFound")
        }
    }

    @Test func cancellingAWatchKeepsTheConnection() async throws {
        try await withServer { _, client in
            let stream = try await client.watch(.configMaps, namespace: "default", options: ListOptions(resourceVersion: "0"))
            let consumer = Task { for try await _ in stream {} }
            try await Task.sleep(for: .milliseconds(100))
            consumer.cancel()
            _ = await consumer.result
            // The HTTP/2 stream was reset, not the connection: requests continue on the same one.
            let before = client.pool.openConnections.map(\.id)
            _ = try await client.create(.configMaps, namespace: "default", object: configMap("after-cancel"))
            #expect(client.pool.openConnections.map(\.id) == before)
            #expect(before.count == 1)
        }
    }
}
