import Testing
@testable import KubeClient

@Suite struct WorkQueueTests {
    @Test func deduplicatesQueuedKeysInFIFOOrder() async {
        let queue = WorkQueue<String>()
        for key in ["a", "b", "a", "c", "b"] { queue.add(key) }
        #expect(queue.count == 3)
        #expect(await queue.get() == "a")
        #expect(await queue.get() == "b")
        #expect(await queue.get() == "c")
        #expect(queue.count == 0)
    }

    @Test func keyBeingProcessedIsNotHandedOutTwiceAndRunsAgainAfterDone() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        #expect(await queue.get() == "a")
        queue.add("a")
        queue.add("a")
        #expect(queue.count == 0)  // held back while "a" is processed
        queue.add("b")
        #expect(await queue.get() == "b")
        queue.done("b")
        queue.done("a")
        #expect(queue.count == 1)
        #expect(await queue.get() == "a")
        queue.done("a")
        #expect(queue.count == 0)
    }

    @Test func waitingGetIsWokenByAdd() async {
        let queue = WorkQueue<Int>()
        let worker = Task { await queue.get() }
        try? await Task.sleep(for: .milliseconds(5))
        queue.add(7)
        #expect(await worker.value == 7)
        #expect(queue.count == 0)
    }

    @Test func shutDownWakesWaitersAndStopsTheQueue() async {
        let queue = WorkQueue<Int>()
        let workers = (0..<3).map { _ in Task { await queue.get() } }
        try? await Task.sleep(for: .milliseconds(5))
        queue.shutDown()
        for worker in workers { #expect(await worker.value == nil) }
        queue.add(1)
        #expect(queue.count == 0)
        #expect(await queue.get() == nil)
        #expect(queue.isShuttingDown)
    }

    @Test func cancelledGetReturnsNilAndDoesNotSwallowAKey() async {
        let queue = WorkQueue<Int>()
        let worker = Task { await queue.get() }
        try? await Task.sleep(for: .milliseconds(5))
        worker.cancel()
        #expect(await worker.value == nil)
        queue.add(1)
        #expect(queue.count == 1)
        #expect(await queue.get() == 1)
    }

    @Test func manyWorkersProcessEveryKeyExactlyOnce() async {
        let queue = WorkQueue<Int>()
        let seen = Recorder()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while let key = await queue.get() {
                        seen.append(String(key))
                        queue.done(key)
                    }
                }
            }
            for key in 0..<200 { queue.add(key) }
            _ = await eventually { seen.all.count == 200 }
            queue.shutDown()
        }
        #expect(Set(seen.all).count == 200)
        #expect(seen.all.count == 200)
    }

    @Test func addAfterDelaysAndKeepsTheSoonerDeadline() async {
        let queue = WorkQueue<String>()
        queue.addAfter("now", .zero)
        #expect(queue.count == 1)
        queue.addAfter("later", .milliseconds(30))
        queue.addAfter("later", .seconds(60))  // dropped: a sooner add is pending
        #expect(queue.count == 1)
        #expect(await eventually(.seconds(20)) { queue.count == 2 })
        #expect(await queue.get() == "now")
        #expect(await queue.get() == "later")
        // The 60 s add was dropped, and a sooner add replaces a later one.
        queue.addAfter("x", .seconds(60))
        queue.addAfter("x", .milliseconds(5))
        #expect(await eventually(.seconds(20)) { queue.count == 1 })
    }

    @Test func rateLimitedAddsBackOffPerKeyUntilForgotten() async {
        let queue = WorkQueue<String>(rateLimiter: ItemExponentialBackoff(base: .milliseconds(1), maximum: .milliseconds(8)))
        queue.addRateLimited("a")
        #expect(await queue.get() == "a")
        queue.done("a")
        queue.addRateLimited("a")
        #expect(await queue.get() == "a")
        queue.done("a")
        #expect(queue.numRequeues("a") == 2)
        #expect(queue.numRequeues("b") == 0)
        queue.forget("a")
        #expect(queue.numRequeues("a") == 0)
    }

    @Test func itemBackoffDoublesFrom5msTo1000s() {
        var limiter = ItemExponentialBackoff<String>()
        let first = (0..<4).map { _ in limiter.when("a") }
        #expect(first == [.milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(40)])
        #expect(limiter.when("b") == .milliseconds(5))  // per key
        for _ in 0..<200 { _ = limiter.when("a") }  // no overflow, however many failures
        #expect(limiter.when("a") == .seconds(1000))
        #expect(limiter.numRequeues("a") == 205)
        limiter.forget("a")
        #expect(limiter.when("a") == .milliseconds(5))
    }

    @Test func hugeBaseDoesNotOverflow() {
        var limiter = ItemExponentialBackoff<Int>(base: .seconds(1_000_000), maximum: .seconds(2_000_000))
        for _ in 0..<100 { _ = limiter.when(1) }
        #expect(limiter.when(1) == .seconds(2_000_000))
    }
}
