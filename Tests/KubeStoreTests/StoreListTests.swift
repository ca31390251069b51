import Testing
@testable import KubeStore

@Suite struct StoreListTests {
    /// Keys of two resources in two namespaces, created in scrambled order.
    static func seeded(_ dir: TemporaryDirectory) async throws -> SQLiteStore {
        let store = try openStore(dir)
        for name in ["c", "a", "e", "b", "d"] {
            try await store.create("/registry/pods/ns1/\(name)", name)
        }
        try await store.create("/registry/pods/ns2/a", "x")
        try await store.create("/registry/podsx/ns1/a", "y")  // shares the string prefix "/registry/pods"
        return store
    }

    @Test func listsUnderPrefixInKeyOrder() async throws {
        let dir = TemporaryDirectory()
        let store = try await Self.seeded(dir)
        let (items, revision, more) = try await store.list(prefix: "/registry/pods/ns1/", revision: nil,
                                                           startAfter: nil, limit: nil)
        #expect(items.map(\.key) == ["a", "b", "c", "d", "e"].map { "/registry/pods/ns1/\($0)" })
        #expect(items.map { text($0.value) } == ["a", "b", "c", "d", "e"])
        #expect(revision == 7)
        #expect(!more)
        let all = try await store.list(prefix: "/registry/pods/", revision: nil, startAfter: nil, limit: nil)
        #expect(all.items.count == 6)
        let none = try await store.list(prefix: "/registry/services/", revision: nil, startAfter: nil, limit: nil)
        #expect(none.items.isEmpty)
        await store.close()
    }

    @Test(arguments: [nil, Int64(7)])
    func pagesWithLimitAndStartAfter(_ revision: Int64?) async throws {
        let dir = TemporaryDirectory()
        let store = try await Self.seeded(dir)
        try await store.create("/registry/pods/ns3/z", "newer")  // revision 8: the history path at 7
        var keys: [String] = []
        var startAfter: String?
        var pages = 0
        while true {
            let page = try await store.list(prefix: "/registry/pods/ns1/", revision: revision,
                                            startAfter: startAfter, limit: 2)
            pages += 1
            keys += page.items.map(\.key)
            #expect(page.items.count <= 2)
            guard page.more else { break }
            startAfter = page.items.last?.key
        }
        #expect(pages == 3)
        #expect(keys == ["a", "b", "c", "d", "e"].map { "/registry/pods/ns1/\($0)" })
        await store.close()
    }

    @Test func listAtOlderRevisionReadsHistory() async throws {
        let dir = TemporaryDirectory()
        let store = try await Self.seeded(dir)  // revision 7
        try await store.put("/registry/pods/ns1/a", "a2")  // 8
        try await store.delete("/registry/pods/ns1/b", expectedRevision: nil)  // 9
        try await store.create("/registry/pods/ns1/f", "f")  // 10

        let old = try await store.list(prefix: "/registry/pods/ns1/", revision: 7, startAfter: nil, limit: nil)
        #expect(old.revision == 7)
        #expect(old.items.map(\.key) == ["a", "b", "c", "d", "e"].map { "/registry/pods/ns1/\($0)" })
        #expect(old.items.first == KeyValue(key: "/registry/pods/ns1/a", value: bytes("a"), createRevision: 2, modRevision: 2))

        let middle = try await store.list(prefix: "/registry/pods/ns1/", revision: 9, startAfter: nil, limit: nil)
        #expect(middle.items.map(\.key) == ["a", "c", "d", "e"].map { "/registry/pods/ns1/\($0)" })
        #expect(middle.items.first?.value == bytes("a2"))

        let early = try await store.list(prefix: "/registry/pods/ns1/", revision: 2, startAfter: nil, limit: nil)
        #expect(early.items.map(\.key) == ["/registry/pods/ns1/a", "/registry/pods/ns1/c"])

        let latest = try await store.list(prefix: "/registry/pods/ns1/", revision: 10, startAfter: nil, limit: nil)
        let memory = try await store.list(prefix: "/registry/pods/ns1/", revision: nil, startAfter: nil, limit: nil)
        #expect(latest.items == memory.items)
        await store.close()
    }

    @Test func revisionErrors() async throws {
        let dir = TemporaryDirectory()
        let store = try await Self.seeded(dir)
        await #expect(throws: StoreError.futureRevision(requested: 8, current: 7)) {
            try await store.list(prefix: "/", revision: 8, startAfter: nil, limit: nil)
        }
        await #expect(throws: StoreError.self) {
            try await store.list(prefix: "/", revision: -1, startAfter: nil, limit: nil)
        }
        try await store.put("/registry/pods/ns1/a", "a2")
        try await store.compact(through: 5)
        await #expect(throws: StoreError.compacted(requested: 4, oldest: 5)) {
            try await store.list(prefix: "/", revision: 4, startAfter: nil, limit: nil)
        }
        // The compacted revision itself is still listable.
        let atCompacted = try await store.list(prefix: "/registry/pods/ns1/", revision: 5, startAfter: nil, limit: nil)
        #expect(atCompacted.items.map { text($0.value) } == ["a", "b", "c", "d", "e"])
        await store.close()
    }

    @Test func nonPositiveLimitMeansNoLimit() async throws {
        let dir = TemporaryDirectory()
        let store = try await Self.seeded(dir)
        for limit in [0, -3] {
            let page = try await store.list(prefix: "/registry/", revision: nil, startAfter: nil, limit: limit)
            #expect(page.items.count == 7)
            #expect(!page.more)
        }
        await store.close()
    }

    @Test func listingTenThousandObjectsIsFast() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let value = [UInt8](repeating: 0x7A, count: 1500)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for i in stride(from: writer, to: 10_000, by: 4) {
                        _ = try? await store.create("/registry/configmaps/default/cm-\(i)") { _ in value }
                    }
                }
            }
        }
        try await store.create("/registry/configmaps/other/x", "other namespace")
        var result: (items: [KeyValue], revision: Int64, more: Bool) = ([], 0, false)
        let elapsed = try await measure {
            result = try await store.list(prefix: "/registry/configmaps/default/", revision: nil,
                                          startAfter: nil, limit: nil)
        }
        #expect(result.items.count == 10_000)
        #expect(zip(result.items, result.items.dropFirst()).allSatisfy { $0.key < $1.key })
        _ = elapsed  // timing is measured by swiftlet-bench, not asserted here
        await store.close()
    }
}
