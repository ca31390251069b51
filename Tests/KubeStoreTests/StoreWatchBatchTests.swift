import Testing
@testable import KubeStore

/// `watchBatches` delivers exactly the events of `watch`, grouped by what was ready.
@Suite struct StoreWatchBatchTests {
    /// Ring capacity 10,000 replays from memory, 0 and 3 from SQLite history (fully and partly):
    /// the flattened batches equal the single-event stream, live events included.
    @Test(arguments: [10_000, 0, 3])
    func batchesFlattenToTheEventStream(ringCapacity: Int) async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.watchCacheCapacity = ringCapacity
        let store = try openStore(dir, options)
        for i in 0..<6 { try await store.create("/k/\(i)", "v\(i)") }
        try await store.put("/k/1", "changed")
        try await store.delete("/k/2", expectedRevision: nil)

        for after in [0, 2, 8] {
            // Every write so far is under /k/ (the live writes of earlier rounds included).
            let current = try await store.currentRevision()
            var single = try await store.watch(prefix: "/k/", afterRevision: Int64(after)).makeAsyncIterator()
            let expected = try await take(Int(current) - after, from: &single)
            var batches = try await store.watchBatches(prefix: "/k/", afterRevision: Int64(after)).makeAsyncIterator()
            var got: [StoreEvent] = []
            while got.count < expected.count {
                guard let batch = try await batches.next() else { break }
                #expect(!batch.isEmpty)
                got += batch
            }
            #expect(got == expected, "after \(after)")
            // Then live: a write reaches both streams.
            let next = try await store.create("/k/after-\(after)", "x")
            #expect(try await batches.next() == [StoreEvent(kind: .created, current: next, previous: nil)])
            #expect(try await take(1, from: &single).first?.current == next)
        }
        await store.close()
    }

    /// Events committed while the consumer was not waiting arrive together, in order.
    @Test func bufferedLiveEventsComeAsOneBatch() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        var batches = try await store.watchBatches(prefix: "/k/", afterRevision: 0).makeAsyncIterator()
        let a = try await store.create("/k/a", "1")
        let b = try await store.create("/k/b", "2")
        let c = try await store.put("/k/a", "3")
        var got: [StoreEvent] = []
        var count = 0
        while got.count < 3, let batch = try await batches.next() {
            got += batch
            count += 1
        }
        #expect(got.map(\.current) == [a, b, c])
        #expect(got.map(\.revision) == [1, 2, 3])
        // All three were committed before the consumer asked: one batch.
        #expect(count == 1)
        await store.close()
    }

    /// Closing the store ends a batch stream, as it ends an event stream.
    @Test func closeEndsTheStream() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        var batches = try await store.watchBatches(prefix: "/k/", afterRevision: 0).makeAsyncIterator()
        await store.close()
        #expect(try await batches.next() == nil)
    }
}
