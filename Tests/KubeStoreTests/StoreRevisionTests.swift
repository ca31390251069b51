import Testing
@testable import KubeStore

@Suite struct StoreRevisionTests {
    @Test func revisionsAreConsecutiveAndContinueAfterReopen() async throws {
        let dir = TemporaryDirectory()
        var store = try openStore(dir)
        #expect(try await store.currentRevision() == 0)
        for i in 1...5 {
            #expect(try await store.create("/k/\(i)", "v").modRevision == Int64(i))
        }
        try await store.delete("/k/5", expectedRevision: nil)
        await store.close()

        store = try openStore(dir)
        #expect(try await store.currentRevision() == 6)
        #expect(try await store.create("/k/6", "v").modRevision == 7)
        #expect(try await store.get("/k/5") == nil)
        #expect(try await store.get("/k/1") == KeyValue(key: "/k/1", value: bytes("v"), createRevision: 1, modRevision: 1))
        await store.close()
    }

    @Test func revisionsAreNotReusedWhenTheNewestRowWasCompacted() async throws {
        let dir = TemporaryDirectory()
        var store = try openStore(dir)
        try await store.create("/k/a", "1")
        try await store.delete("/k/a", expectedRevision: nil)
        // Compaction deletes both rows, including the newest one (the delete marker).
        try await store.compact(through: 2)
        await store.close()

        store = try openStore(dir)
        #expect(try await store.currentRevision() == 2)
        #expect(try await store.compactedRevision() == 2)
        #expect(try await store.create("/k/b", "1").modRevision == 3)
        await store.close()
    }

    /// What `kill -9` leaves behind is the files as they are at that instant (the page cache is
    /// not lost). Snapshot the database and WAL while the store is still open, without closing or
    /// checkpointing, and open the snapshot: every acknowledged write must be there.
    @Test func acknowledgedWritesSurviveAnAbruptStop() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for i in 0..<25 { _ = try? await store.create("/k/\(writer)/\(i)", "value-\(i)") }
                }
            }
        }
        try await store.put("/k/0/0", "changed")
        try await store.delete("/k/1/1", expectedRevision: nil)
        let revision = try await store.currentRevision()
        #expect(FileSizes.wal(dir.databasePath) > 0, "writes should still be in the WAL")

        let crashed = dir.path + "/crashed.db"
        copyFile(dir.databasePath, crashed)
        copyFile(dir.databasePath + "-wal", crashed + "-wal")

        let recovered = try SQLiteStore.open(path: crashed, options: testOptions())
        #expect(try await recovered.currentRevision() == revision)
        let (items, _, _) = try await recovered.list(prefix: "/k/", revision: nil, startAfter: nil, limit: nil)
        #expect(items.count == 199)
        #expect(try await recovered.get("/k/0/0")?.value == bytes("changed"))
        #expect(try await recovered.get("/k/1/1") == nil)
        #expect(try await recovered.create("/k/new", "x").modRevision == revision + 1)
        await recovered.close()
        await store.close()
    }
}

enum FileSizes {
    static func wal(_ path: String) -> Int { SQLiteStore.fileSize(path + "-wal") }
}
