import Testing
@testable import KubeStore

@Suite struct StoreWatchTests {
    @Test func liveEventsArriveInOrderWithPreviousValues() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        var events = try await store.watch(prefix: "/k/", afterRevision: 0).makeAsyncIterator()
        let a1 = try await store.create("/k/a", "1")
        let a2 = try await store.put("/k/a", "2")
        let gone = try await store.delete("/k/a", expectedRevision: nil)
        let got = try await take(3, from: &events)
        #expect(got == [
            StoreEvent(kind: .created, current: a1, previous: nil),
            StoreEvent(kind: .updated, current: a2, previous: a1),
            StoreEvent(kind: .deleted, current: gone, previous: a2),
        ])
        #expect(got[2].current.value == bytes("2"))
        #expect(got.map(\.revision) == [1, 2, 3])
        await store.close()
    }

    @Test func prefixFiltering() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        var pods = try await store.watch(prefix: "/registry/pods/", afterRevision: 0).makeAsyncIterator()
        try await store.create("/registry/podsx/a", "no")
        try await store.create("/registry/pods/a", "yes")
        try await store.create("/registry/services/a", "no")
        try await store.create("/registry/pods/b", "yes")
        let got = try await take(2, from: &pods)
        #expect(got.map(\.current.key) == ["/registry/pods/a", "/registry/pods/b"])
        #expect(got.map(\.revision) == [2, 4])
        await store.close()
    }

    /// Ring capacity 10,000 replays from memory; 0 and 3 force the SQLite history path (fully and
    /// partly), which must produce exactly the events that were emitted live.
    @Test(arguments: [10_000, 0, 3])
    func replayFromRevisionMatchesLiveEvents(ringCapacity: Int) async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.watchCacheCapacity = ringCapacity
        let store = try openStore(dir, options)
        var recorder = try await store.watch(prefix: "/", afterRevision: 0).makeAsyncIterator()
        for i in 0..<5 { try await store.create("/k/\(i)", "v\(i)") }
        try await store.put("/k/1", "changed")
        try await store.delete("/k/2", expectedRevision: nil)
        try await store.create("/k/2", "back")
        try await store.delete("/k/2", expectedRevision: nil)
        var live = try await take(9, from: &recorder)

        for after in [0, 3, 6, 9, 12] {
            var replay = try await store.watch(prefix: "/k/", afterRevision: Int64(after)).makeAsyncIterator()
            let replayed = try await take(live.count - after, from: &replay)
            #expect(replayed == Array(live.dropFirst(after)), "replay after \(after)")
            // Then the same stream continues live.
            let next = try await store.create("/k/after-\(after)", "x")
            #expect(try await take(1, from: &replay).first?.current == next)
            live += try await take(1, from: &recorder)
        }
        await store.close()
    }

    /// Watches start at many revisions while four writers run; each must see every revision after
    /// its start exactly once and in order, across the history/live boundary.
    @Test(arguments: [10_000, 16])
    func noLossOrDuplicationAcrossReplayAndLive(ringCapacity: Int) async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.watchCacheCapacity = ringCapacity
        let store = try openStore(dir, options)
        let perWriter = 150, writers = 4
        let total = Int64(perWriter * writers)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for i in 0..<perWriter { try await store.create("/k/\(w)/\(i)", "v") }
                }
            }
            for watcher in 0..<6 {
                group.addTask {
                    // Start while the writers run, at a revision somewhere behind them.
                    while try await store.currentRevision() < Int64(watcher * 90) {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    let current = try await store.currentRevision()
                    let after = max(0, current - Int64(watcher * 20))
                    var events = try await store.watch(prefix: "/k/", afterRevision: after).makeAsyncIterator()
                    let got = try await take(Int(total - after), from: &events)
                    #expect(got.map(\.revision) == Array((after + 1)...total), "watch after \(after)")
                    #expect(got.allSatisfy { $0.kind == .created })
                }
            }
            try await group.waitForAll()
        }
        await store.close()
    }

    @Test func watchBelowCompactedRevisionFails() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        for i in 0..<10 { try await store.create("/k/\(i)", "v") }
        try await store.compact(through: 6)
        await #expect(throws: StoreError.compacted(requested: 5, oldest: 6)) {
            try await store.watch(prefix: "/", afterRevision: 5)
        }
        await #expect(throws: StoreError.self) { try await store.watch(prefix: "/", afterRevision: -1) }
        var fromCompacted = try await store.watch(prefix: "/", afterRevision: 6).makeAsyncIterator()
        #expect(try await take(4, from: &fromCompacted).map(\.revision) == [7, 8, 9, 10])
        await store.close()
    }

    /// History is read page by page; a compaction that passes the replay position before the
    /// next page is read must end the stream with `.compacted`, not skip events silently.
    @Test func historyReplayDetectsCompactionThatOvertakesIt() async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.watchCacheCapacity = 0
        let store = try openStore(dir, options)
        try await store.create("/k/a", "0")
        for i in 1..<300 { try await store.put("/k/a", "\(i)") }
        var events = try await store.watch(prefix: "/k/", afterRevision: 0).makeAsyncIterator()
        // The first page (256 events) is read on the first `next()`.
        let firstPage = try await take(256, from: &events)
        #expect(firstPage.last?.revision == 256)
        try await store.compact(through: 280)
        await #expect(throws: StoreError.compacted(requested: 256, oldest: 280)) { _ = try await events.next() }
        await store.close()
    }

    @Test func slowWatcherFailsInsteadOfBufferingWithoutBound() async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.maxWatcherBacklog = 10
        let store = try openStore(dir, options)
        var slow = try await store.watch(prefix: "/", afterRevision: 0).makeAsyncIterator()
        var fast = try await store.watch(prefix: "/", afterRevision: 0).makeAsyncIterator()
        for i in 0..<11 {
            try await store.create("/k/\(i)", "v")
            _ = try await take(1, from: &fast)
        }
        await #expect(throws: StoreError.self) { _ = try await slow.next() }
        #expect(store.state.withLock { $0.watchers.count } == 1)
        // The healthy watcher is unaffected.
        try await store.create("/k/more", "v")
        #expect(try await take(1, from: &fast).first?.revision == 12)
        await store.close()
    }

    @Test func closeEndsStreams() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let stream = try await store.watch(prefix: "/", afterRevision: 0)
        let consumer = Task {
            var count = 0
            for try await _ in stream { count += 1 }
            return count
        }
        try await store.create("/k/a", "v")
        try await Task.sleep(for: .milliseconds(20))
        await store.close()
        #expect(try await consumer.value == 1)
    }

    @Test func cancellingTheConsumerOrDroppingTheStreamUnregisters() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        let stream = try await store.watch(prefix: "/", afterRevision: 0)
        let consumer = Task {
            for try await _ in stream {}
        }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        try await consumer.value
        #expect(store.state.withLock { $0.watchers.count } == 0)

        do {
            let unused = try await store.watch(prefix: "/", afterRevision: 0)
            withExtendedLifetime(unused) {
                #expect(store.state.withLock { $0.watchers.count } == 1)
            }
        }
        #expect(store.state.withLock { $0.watchers.count } == 0)
        await store.close()
    }
}
