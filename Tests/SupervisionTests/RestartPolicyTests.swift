import Testing
@testable import Supervision

@Suite struct RestartPolicyTests {
    let policy = RestartPolicy()

    @Test(arguments: [
        (0, Duration.milliseconds(100)), (1, .milliseconds(200)), (2, .milliseconds(400)), (3, .milliseconds(800)),
        (8, .milliseconds(25_600)), (9, .seconds(30)), (50, .seconds(30)), (-1, .milliseconds(100)),
    ])
    func baseDelayDoublesUpToTheCap(attempt: Int, expected: Duration) {
        #expect(policy.baseDelay(attempt: attempt) == expected)
    }

    @Test(arguments: [0.0, 0.25, 0.5, 0.999_999, 1.0, -3.0, 7.0])
    func jitterStaysWithinTwentyPercent(unit: Double) {
        for attempt in 0..<12 {
            let base = policy.baseDelay(attempt: attempt)
            let delay = policy.delay(attempt: attempt, unit: unit)
            #expect(delay >= base * 0.8 - .nanoseconds(1) && delay <= base * 1.2 + .nanoseconds(1))
        }
        #expect(policy.delay(attempt: 0, unit: 0) == .milliseconds(80))
        #expect(policy.delay(attempt: 0, unit: 0.5) == .milliseconds(100))
    }

    @Test func trackerGrowsTheDelayAndResetsAfterAStablePeriod() {
        var tracker = RestartTracker()
        var now = Duration.zero
        var delays: [Duration] = []
        for _ in 0..<4 {
            delays.append(tracker.recordFailure(at: now, policy: policy, unit: 0.5).delay)
            now += .seconds(1)
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        // Ready for less than the stable period: the sequence continues.
        tracker.markReady(at: now)
        now += .seconds(59)
        #expect(tracker.recordFailure(at: now, policy: policy, unit: 0.5).delay == .milliseconds(1600))
        // Ready for the whole stable period: back to the initial delay.
        tracker.markReady(at: now)
        now += .seconds(60)
        #expect(tracker.recordFailure(at: now, policy: policy, unit: 0.5).delay == .milliseconds(100))
    }

    @Test func fiveRestartsInTwoMinutesIsACrashLoop() {
        var tracker = RestartTracker()
        var loops: [Bool] = []
        for second in [0, 10, 20, 30, 40, 50] {
            loops.append(tracker.recordFailure(at: .seconds(second), policy: policy, unit: 0.5).crashLoop)
        }
        #expect(loops == [false, false, false, false, true, true])
        // Restarts older than the window no longer count.
        #expect(!tracker.isCrashLooping(at: .seconds(160), policy: policy))
        #expect(tracker.recordFailure(at: .seconds(300), policy: policy, unit: 0.5).crashLoop == false)
    }

    @Test func splitMixUnitsAreInRangeAndReproducible() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        for _ in 0..<1000 {
            let x = a.unit()
            #expect(x >= 0 && x < 1)
            #expect(x == b.unit())
        }
    }
}
