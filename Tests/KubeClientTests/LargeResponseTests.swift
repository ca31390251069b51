import KubeAPI
import Testing
@testable import KubeClient

@Suite struct LargeResponseTests {
    /// The first request of a fresh HTTP/2 connection gets a response far larger than the 64 KiB
    /// connection window the server starts with: the server must keep the stream open until flow
    /// control lets the rest out (it used to close it after writing, resetting it with
    /// RST_STREAM CANCEL whenever the client's WINDOW_UPDATE had not arrived yet; the cluster
    /// bench's first node list failed that way in about one run of three).
    @Test func aListMuchLargerThanTheInitialWindowArrivesWholeOnAFreshConnection() async throws {
        try await withServer { server, client in
            let blob = JSON.string(String(repeating: "x", count: 200_000))
            for index in 0..<10 {
                _ = try await client.create(.configMaps, namespace: "default", object: configMap("big-\(index)", data: ["k": blob]))
            }
            for attempt in 0..<5 {
                let fresh = try HTTPClient(config: server.clientConfig())
                let list: ObjectList
                do {
                    list = try await fresh.list(.configMaps, namespace: "default", options: ListOptions())
                } catch {
                    await fresh.shutdown()
                    Issue.record("attempt \(attempt): \(error)")
                    return
                }
                await fresh.shutdown()
                #expect(list.items.count == 10, "attempt \(attempt)")
                #expect(list.items.allSatisfy { $0["data"]["k"] == blob }, "attempt \(attempt)")
            }
        }
    }
}
