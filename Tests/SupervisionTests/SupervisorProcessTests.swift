import Foundation
import Glibc
import Testing
@testable import Supervision

/// The supervisor with real `swiftlet-testchild` processes.
@Suite(.serialized, .enabled(if: TestChildFixture.binary != nil && TestChildFixture.pki != nil,
                             "swiftlet-testchild is not built; run `swift build --product swiftlet-testchild`"))
struct SupervisorProcessTests {
    @Test func startsInOrderWaitingForReadinessThenStopsCleanly() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        let notifier = RecordingNotifier(watchdogInterval: .milliseconds(50))
        let supervisor = try bed.supervisor(
            [try bed.spec("first", ["--ready-after-ms", "400"]), try bed.spec("second", after: ["first"])], notifier: notifier)
        let run = Task { await supervisor.run() }
        #expect(await eventually { notifier.readyCount == 1 })
        #expect(bed.starts().map(\.component) == ["first", "second"])
        #expect(notifier.statuses.contains("1/2 components ready; waiting for second"))
        #expect(notifier.statuses.last == "2/2 components ready")
        let statuses = await supervisor.status()
        #expect(statuses.map(\.state) == [.ready, .ready])
        #expect(statuses.allSatisfy { $0.pid != nil && $0.ready && $0.healthy })
        for status in statuses {
            let pidText = try String(contentsOfFile: bed.root + "/\(status.name).pid", encoding: .utf8)
            #expect(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) == status.pid)
        }
        // The watchdog runs while everything is healthy.
        #expect(await eventually { notifier.watchdogs >= 2 })

        supervisor.requestStop()
        #expect(await run.value == 0)
        #expect(notifier.stoppingCount == 1)
        #expect(bed.leftovers().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: bed.root + "/first.pid"))
    }

    @Test func readinessTimeoutRestartsThenGivesUp() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        var settings = ProcessTestBed.fastSettings
        settings.maxStartAttempts = 2
        let supervisor = try bed.supervisor(
            [try bed.spec("slow", ["--ready-after-ms", "600000"], readyTimeout: .milliseconds(500))], settings: settings)
        let code = await supervisor.run()
        #expect(code == 1)
        #expect(bed.starts().count == 2)
        #expect(bed.leftovers().isEmpty)
    }

    @Test func restartsAfterACrashWithBackoff() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        let supervisor = try bed.supervisor([try bed.spec("crashy", ["--crash-after-ms", "300", "--exit-code", "3"])])
        let run = Task { await supervisor.run() }
        #expect(await eventually { await supervisor.status()[0].restarts >= 2 })
        let status = await supervisor.status()[0]
        #expect(status.lastExit == .exited(3))
        // Every restart is a new process.
        let pids = bed.starts().map(\.pid)
        #expect(Set(pids).count == pids.count && pids.count >= 2)
        supervisor.requestStop()
        _ = await run.value
        #expect(bed.leftovers().isEmpty)
    }

    @Test func restartsAfterFailedHealthProbes() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        let control = bed.root + "/control"
        try "ok".write(toFile: control, atomically: true, encoding: .utf8)
        let supervisor = try bed.supervisor([try bed.spec("flaky", ["--control-file", control])])
        let run = Task { await supervisor.run() }
        #expect(await eventually { await supervisor.status()[0].state == .ready })
        let firstPID = await supervisor.status()[0].pid
        try "fail-health".write(toFile: control, atomically: true, encoding: .utf8)
        #expect(await eventually { await supervisor.status()[0].state == .unhealthy })
        #expect(await eventually { await supervisor.status()[0].restarts >= 1 })
        try "ok".write(toFile: control, atomically: true, encoding: .utf8)
        #expect(await eventually { await supervisor.status()[0].state == .ready })
        #expect(await supervisor.status()[0].pid != firstPID)
        supervisor.requestStop()
        #expect(await run.value == 0)
        #expect(bed.leftovers().isEmpty)
    }

    @Test func killsAChildThatIgnoresSIGTERM() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        let supervisor = try bed.supervisor([try bed.spec("stubborn", ["--ignore-sigterm"], stopTimeout: .milliseconds(300))])
        let run = Task { await supervisor.run() }
        #expect(await eventually { await supervisor.status()[0].ready })
        supervisor.requestStop()
        // It had to be killed: exit code 1, and it is gone.
        #expect(await run.value == 1)
        #expect(bed.leftovers().isEmpty)
    }

    @Test func stopStartAndRestartOneComponent() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        let supervisor = try bed.supervisor([try bed.spec("one"), try bed.spec("two")])
        let run = Task { await supervisor.run() }
        #expect(await eventually { await supervisor.status().allSatisfy(\.ready) })
        try await supervisor.stop("two")
        #expect(await eventually { await supervisor.status()[1].state == .stopped })
        #expect(await supervisor.status()[1].pid == nil)
        #expect(bed.leftovers().count == 1)
        try await supervisor.start("two")
        #expect(await eventually { await supervisor.status()[1].ready })
        let before = await supervisor.status()[0].pid
        try await supervisor.restart("one")
        #expect(await eventually { let s = await supervisor.status()[0]; return s.ready && s.pid != before })
        #expect(await supervisor.status()[0].restarts == 1)
        await #expect(throws: SupervisionError.self) { try await supervisor.restart("three") }
        supervisor.requestStop()
        #expect(await run.value == 0)
        #expect(bed.leftovers().isEmpty)
    }

    @Test func staleProcessesAreStoppedOnlyWhenTheyAreOurs() async throws {
        let bed = try ProcessTestBed()
        defer { bed.cleanUp() }
        let binary = try #require(TestChildFixture.binary)
        let specs = [try bed.spec("old"), try bed.spec("other")]
        // A component left over from a killed supervisor: right executable, marker set.
        let stale = Process()
        stale.executableURL = URL(fileURLWithPath: binary)
        stale.arguments = specs[0].arguments.map { $0.hasSuffix("old.port") ? bed.root + "/stale.port" : $0 }
        stale.environment = ["SWIFTLET_MANAGED": "1"]
        try stale.run()
        #expect(await eventually { FileManager.default.fileExists(atPath: bed.root + "/stale.port") })
        try "\(stale.processIdentifier)\n".write(toFile: bed.root + "/old.pid", atomically: true, encoding: .utf8)
        // An unrelated process behind a PID file: must not be signalled.
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        sleeper.environment = ["SWIFTLET_MANAGED": "1"]
        try sleeper.run()
        defer { sleeper.terminate() }
        try "\(sleeper.processIdentifier)\n".write(toFile: bed.root + "/other.pid", atomically: true, encoding: .utf8)

        let supervisor = try bed.supervisor(specs)
        let run = Task { await supervisor.run() }
        #expect(await eventually { await supervisor.status().allSatisfy(\.ready) })
        #expect(await eventually { !stale.isRunning })
        #expect(stale.terminationReason == .uncaughtSignal && stale.terminationStatus == SIGTERM)
        #expect(sleeper.isRunning)
        supervisor.requestStop()
        #expect(await run.value == 0)
        #expect(sleeper.isRunning)
        #expect(bed.leftovers().isEmpty)
    }
}
