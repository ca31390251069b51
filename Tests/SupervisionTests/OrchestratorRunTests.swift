import Glibc
import Testing
@testable import Supervision

@Suite struct OrchestratorRunTests {
    @Test func exitAfterReadyRestartsWithGrowingBackoffAndReportsACrashLoop() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.up("apiserver")
        var delays: [Duration] = []
        for _ in 0..<5 {
            h.send(.exited("apiserver", .signaled(SIGKILL)))
            delays.append(try #require(h.timer("apiserver", .backoff)).1)
            h.fire("apiserver", .backoff)
            h.up("apiserver")
            h.now += .seconds(1)
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        h.send(.exited("apiserver", .exited(2)))
        #expect(h.state("apiserver") == .crashLoop)
        #expect(h.machine.statusText == "apiserver restarting (crash loop)")
        #expect(h.machine.statuses()[0].lastExit == .exited(2))
        #expect(h.machine.statuses()[0].restarts == 6)
        #expect(!h.machine.isHealthy)
        // Still retried.
        #expect(spawns(h.fire("apiserver", .backoff)) == ["apiserver"])
    }

    @Test func threeFailedHealthProbesRestart() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.up("apiserver")
        for round in 1...3 {
            #expect(h.fire("apiserver", .healthProbe) == [.probeHealth("apiserver")])
            #expect(h.timer("apiserver", .healthProbe)?.1 == .seconds(10))
            let actions = h.send(.healthProbe("apiserver", ok: false))
            if round < 3 {
                #expect(signals(actions).isEmpty)
                #expect(h.state("apiserver") == .unhealthy)
            } else {
                #expect(signals(actions) == ["apiserver:\(SIGTERM)"])
            }
        }
        h.send(.exited("apiserver", .signaled(SIGTERM)))
        #expect(h.state("apiserver") == .restarting)
        #expect(spawns(h.fire("apiserver", .backoff)) == ["apiserver"])
    }

    @Test func aSuccessfulProbeResetsTheFailureCount() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.up("apiserver")
        for ok in [false, false, true, false, false] {
            h.fire("apiserver", .healthProbe)
            #expect(signals(h.send(.healthProbe("apiserver", ok: ok))).isEmpty)
        }
    }

    @Test func stopGoesInReverseOrderAndKillsAfterTheDeadline() throws {
        var h = try Harness([spec("apiserver"), spec("scheduler", after: ["apiserver"])])
        h.start()
        h.up("apiserver")
        h.up("scheduler")
        #expect(signals(h.send(.stopRequested)) == ["scheduler:\(SIGTERM)"])
        #expect(h.machine.statusText == "stopping")
        #expect(h.timer("scheduler", .stopDeadline)?.1 == .seconds(5))
        #expect(signals(h.fire("scheduler", .stopDeadline)) == ["scheduler:\(SIGKILL)"])
        #expect(signals(h.send(.exited("scheduler", .signaled(SIGKILL)))) == ["apiserver:\(SIGTERM)"])
        let done = h.send(.exited("apiserver", .signaled(SIGTERM)))
        // Something had to be killed: exit code 1.
        #expect(done.contains(.finished(exitCode: 1)))
    }

    @Test func cleanStopFinishesWithZeroAndDoesNotRestart() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.up("apiserver")
        h.send(.stopRequested)
        let done = h.send(.exited("apiserver", .exited(0)))
        #expect(done.contains(.finished(exitCode: 0)))
        #expect(spawns(done).isEmpty)
        #expect(h.send(.restartRequested("apiserver")).isEmpty)
    }

    @Test func stopDuringBackoffCancelsTheRestart() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.up("apiserver")
        h.send(.exited("apiserver", .exited(1)))
        #expect(h.send(.stopRequested).contains(.finished(exitCode: 0)))
        #expect(h.fire("apiserver", .backoff).isEmpty)
    }

    @Test func stopAndStartOneComponent() throws {
        var h = try Harness([spec("apiserver"), spec("proxy", critical: true)])
        h.start()
        h.up("apiserver")
        h.up("proxy")
        #expect(signals(h.send(.stopComponentRequested("proxy"))) == ["proxy:\(SIGTERM)"])
        #expect(h.state("proxy") == .stopping)
        h.send(.exited("proxy", .signaled(SIGTERM)))
        #expect(h.state("proxy") == .stopped)
        #expect(h.timer("proxy", .backoff) == nil)
        #expect(h.machine.statusText == "1/2 components ready; proxy stopped")
        // Held down: not counted against health, so the watchdog keeps going.
        #expect(h.machine.isHealthy)
        #expect(spawns(h.send(.startComponentRequested("proxy"))) == ["proxy"])
        #expect(!h.machine.isHealthy)
        h.up("proxy")
        #expect(h.machine.isHealthy)
    }

    @Test func restartRequestRestartsAtOnce() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        h.up("apiserver")
        #expect(signals(h.send(.restartRequested("apiserver"))) == ["apiserver:\(SIGTERM)"])
        #expect(h.state("apiserver") == .restarting)
        #expect(spawns(h.send(.exited("apiserver", .signaled(SIGTERM)))) == ["apiserver"])
        #expect(h.machine.statuses()[0].restarts == 1)
    }

    @Test func dependentsOfARestartingComponentKeepRunning() throws {
        var h = try Harness([spec("apiserver"), spec("scheduler", after: ["apiserver"])])
        h.start()
        h.up("apiserver")
        h.up("scheduler")
        let actions = h.send(.exited("apiserver", .exited(1)))
        #expect(signals(actions).isEmpty)
        #expect(h.state("scheduler") == .ready)
        #expect(h.machine.statusText == "1/2 components ready; apiserver restarting")
    }

    @Test func eventsForUnknownComponentsAreIgnored() throws {
        var h = try Harness([spec("apiserver")])
        h.start()
        for event: Orchestrator.Event in [.started("nope", pid: 9), .exited("nope", .exited(0)), .readyProbe("nope", ok: true),
                                          .restartRequested("nope"), .stopComponentRequested("nope")] {
            #expect(h.send(event).isEmpty)
        }
        #expect(!h.machine.contains("nope"))
    }
}
