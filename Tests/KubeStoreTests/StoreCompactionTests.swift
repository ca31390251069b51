import Testing
@testable import KubeStore

extension SQLiteStore {
    /// Rows in the log table (history + live), read through SQLite.
    func rowCount() async throws -> Int64 {
        try await reader.run { db in try db.scalar("SELECT count(*) FROM log") ?? -1 }
    }
}

@Suite struct StoreCompactionTests {
    static func options(batchSize: Int = 7) -> SQLiteStore.Options {
        var options = testOptions()
        options.compactionBatchSize = batchSize
        options.watchCacheCapacity = 0  // watches replay from SQLite, the part compaction affects
        return options
    }

    @Test func compactionRemovesHistoryAndKeepsLiveValues() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, Self.options())
        for i in 0..<10 { try await store.create("/k/\(i)", "0") }
        for round in 1...5 {
            for i in 0..<10 { try await store.put("/k/\(i)", "\(round)") }
        }
        for i in 0..<3 { try await store.delete("/k/\(i)", expectedRevision: nil) }
        let before = try await store.list(prefix: "/k/", revision: nil, startAfter: nil, limit: nil)
        #expect(try await store.rowCount() == 63)

        let current = try await store.currentRevision()
        try await store.compact(through: current)
        #expect(try await store.compactedRevision() == current)
        #expect(try await store.rowCount() == 7)
        let after = try await store.list(prefix: "/k/", revision: nil, startAfter: nil, limit: nil)
        #expect(after.items == before.items)
        let historical = try await store.list(prefix: "/k/", revision: current, startAfter: nil, limit: nil)
        #expect(historical.items == before.items)
        await store.close()

        let reopened = try openStore(dir, Self.options())
        #expect(try await reopened.compactedRevision() == current)
        #expect(try await reopened.list(prefix: "/k/", revision: nil, startAfter: nil, limit: nil).items == before.items)
        await reopened.close()
    }

    /// After compacting through R, a watch after R must still get correct previous values, and a
    /// list at R must still be complete, even across several compactions.
    @Test func partialCompactionKeepsWhatLaterHistoryNeeds() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, Self.options(batchSize: 2))
        var recorder = try await store.watch(prefix: "/", afterRevision: 0).makeAsyncIterator()
        try await store.create("/k/a", "a1")           // 1
        try await store.create("/k/b", "b1")           // 2
        try await store.put("/k/a", "a2")              // 3
        try await store.delete("/k/b", expectedRevision: nil)  // 4
        try await store.put("/k/a", "a3")              // 5
        try await store.create("/k/b", "b2")           // 6
        try await store.put("/k/a", "a4")              // 7
        try await store.delete("/k/a", expectedRevision: nil)  // 8
        try await store.put("/k/b", "b3")              // 9
        var live = try await take(9, from: &recorder)

        for target in [Int64(3), 5, 7] {
            let listBefore = try await store.list(prefix: "/k/", revision: target, startAfter: nil, limit: nil)
            try await store.compact(through: target)
            let listAfter = try await store.list(prefix: "/k/", revision: target, startAfter: nil, limit: nil)
            #expect(listAfter.items == listBefore.items, "list at \(target)")
            var replay = try await store.watch(prefix: "/k/", afterRevision: target).makeAsyncIterator()
            #expect(try await take(live.count - Int(target), from: &replay) == Array(live.dropFirst(Int(target))),
                    "replay after \(target)")
            try await store.put("/k/b", "more")
            live += try await take(1, from: &recorder)
        }
        // Compacting through everything leaves one row per live key.
        try await store.compact(through: try await store.currentRevision())
        #expect(try await store.rowCount() == 1)
        await store.close()
    }

    @Test func compactionArguments() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, Self.options())
        for i in 0..<5 { try await store.create("/k/\(i)", "v") }
        await #expect(throws: StoreError.futureRevision(requested: 6, current: 5)) {
            try await store.compact(through: 6)
        }
        try await store.compact(through: 4)
        try await store.compact(through: 2)  // behind the compacted revision: nothing to do
        #expect(try await store.compactedRevision() == 4)
        await store.close()
    }

    @Test func databaseAndWALShrinkAfterDeletingAndCompacting() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, Self.options(batchSize: 50))
        let big = [UInt8](repeating: 0x42, count: 48 * 1024)
        for i in 0..<200 { try await store.create("/k/\(i)") { _ in big } }
        try await store.create("/k/keep", "small")
        for i in 0..<200 { try await store.delete("/k/\(i)", expectedRevision: nil) }
        let grown = store.databaseSize
        #expect(grown > 9_000_000)

        try await store.compact(through: try await store.currentRevision())
        let shrunk = store.databaseSize
        #expect(shrunk < 500_000, "grew to \(grown) bytes, \(shrunk) after compaction")
        #expect(FileSizes.wal(dir.databasePath) == 0)
        #expect(try await store.get("/k/keep")?.value == bytes("small"))
        await store.close()
    }

    /// History goes only when it is older than BOTH bounds.
    @Test func automaticCompactionKeepsTheLargerOfBothRetentionBounds() async throws {
        let dir = TemporaryDirectory()
        let clock = TestClock()
        var options = Self.options()
        options.clock = clock.read
        options.retainRevisions = 5
        options.retainWindow = .seconds(60)
        let store = try openStore(dir, options)
        for i in 0..<20 { try await store.create("/k/old\(i)", "v") }  // 1...20 at t0
        #expect(try await store.compactExpiredHistory() == nil)  // all younger than 60 s

        clock.advance(by: .seconds(61))
        for i in 0..<20 { try await store.create("/k/new\(i)", "v") }  // 21...40 at t0 + 61 s
        // Revisions alone would allow 35; time allows only up to 20.
        #expect(try await store.compactExpiredHistory() == 20)
        #expect(try await store.compactedRevision() == 20)

        clock.advance(by: .seconds(120))
        // Everything is old now: the revision bound keeps the last 5.
        #expect(try await store.compactExpiredHistory() == 35)
        #expect(try await store.compactExpiredHistory() == nil)
        await store.close()
    }

    @Test func automaticCompactionRunsInTheBackground() async throws {
        let dir = TemporaryDirectory()
        var options = Self.options()
        options.compactionInterval = .milliseconds(20)
        options.retainRevisions = 2
        options.retainWindow = .zero
        let store = try openStore(dir, options)
        try await store.create("/k/a", "0")
        for i in 1..<10 { try await store.put("/k/a", "\(i)") }
        var waited = 0
        // The loop may also run while the writes are still arriving; it must end up at 10 - 2.
        while try await store.compactedRevision() != 8, waited < 150 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(try await store.compactedRevision() == 8)
        #expect(try await store.get("/k/a")?.value == bytes("9"))
        await store.close()
        #expect(store.compactionTask.withLock { $0 == nil })
    }

    @Test func writesProceedWhileCompacting() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, Self.options(batchSize: 10))
        for i in 0..<500 { try await store.create("/k/\(i % 50)-\(i / 50)", "v") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.compact(through: 500) }
            for w in 0..<4 {
                group.addTask {
                    for i in 0..<50 { try await store.create("/w/\(w)/\(i)", "v") }
                }
            }
            try await group.waitForAll()
        }
        let (items, revision, _) = try await store.list(prefix: "/w/", revision: nil, startAfter: nil, limit: nil)
        #expect(revision == 700)
        #expect(Set(items.map(\.modRevision)) == Set(501...700))
        await store.close()
    }
}
