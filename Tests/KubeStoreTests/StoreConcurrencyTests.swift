import Testing
@testable import KubeStore

@Suite struct StoreConcurrencyTests {
    /// 16 writers x 200 creates: every write succeeds, revisions are distinct and consecutive, and
    /// group commit packs concurrent writes into few transactions.
    @Test func groupCommitOfConcurrentCreates() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let writers = 16, perWriter = 200
        let value = [UInt8](repeating: 0x61, count: 1500)
        var revisions: [Int64] = []
        let elapsed = try await measure {
            revisions = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for w in 0..<writers {
                    group.addTask {
                        var mine: [Int64] = []
                        for i in 0..<perWriter {
                            let created = try await store.create("/registry/pods/ns\(w)/pod-\(i)") { _ in value }
                            mine.append(created.modRevision)
                        }
                        // Each writer's own writes are acknowledged in order.
                        #expect(mine == mine.sorted())
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        let total = writers * perWriter
        #expect(revisions.sorted() == Array(1...Int64(total)))
        #expect(try await store.currentRevision() == Int64(total))
        _ = elapsed  // throughput is measured by swiftlet-bench
        await store.close()
    }

    @Test func concurrentUpdatesOfOneKeyLoseNothing() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.create("/k/counter", "0")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<50 {
                        try await store.update("/k/counter", expectedRevision: nil) { current, _ in
                            bytes(String(Int(text(current.value))! + 1))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.get("/k/counter")?.value == bytes("400"))
        #expect(try await store.currentRevision() == 401)
        await store.close()
    }

    /// Optimistic concurrency: of many writers racing with the same expected revision, exactly one wins.
    @Test func expectedRevisionRaceHasOneWinner() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let base = try await store.create("/k/a", "0")
        let wins = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<10 {
                group.addTask {
                    do {
                        try await store.put("/k/a", "\(i)", expectedRevision: base.modRevision)
                        return true
                    } catch {
                        #expect(error as? StoreError == .conflict(key: "/k/a", currentRevision: 2))
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        await store.close()
    }

    @Test func rawInsertBenchmarkMeasuresThroughput() throws {
        let dir = TemporaryDirectory()
        let single = try SQLiteStore.rawInsertBenchmark(path: dir.path + "/bench.db", count: 200)
        let batched = try SQLiteStore.rawInsertBenchmark(path: dir.path + "/bench.db", count: 2000,
                                                         rowsPerTransaction: 500)
        #expect(single > 0)
        #expect(batched > 0)
        #expect(SQLiteStore.fileSize(dir.path + "/bench.db") == 0, "benchmark files are removed")
        #expect(throws: StoreError.self) { try SQLiteStore.rawInsertBenchmark(path: dir.path + "/b.db", count: 0) }
    }
}
