@testable import ContainerdSupport
import Testing

/// CommandRunner (ctr, gzip, zstd) over CapturedCommand: failures give a reason, never a hang.
struct CommandRunnerTests {
    @Test func failingToolGivesItsLastStderrLine() throws {
        let result = try CommandRunner.run("/bin/sh", ["-c", "echo '  first' >&2; echo '\tctr: not found  ' >&2; exit 1"])
        #expect(result.status == 1)
        #expect(result.reason == "ctr: not found")
        // stdout's lines come after stderr's.
        #expect(try CommandRunner.run("/bin/sh", ["-c", "echo warning >&2; echo ' last '; exit 2"]).reason == "last")
        #expect(try CommandRunner.run("/bin/sh", ["-c", "exit 4"]).reason == "exit status 4")
    }

    @Test func stdinIsEmptyWithoutAFile() throws {
        let result = try CommandRunner.run("/bin/cat", [])
        #expect(result.status == 0 && result.stdout.isEmpty)
    }

    @Test func missingBinaryIsAClearError() {
        #expect(throws: TarError("cannot run /usr/bin/no-such-ctr: No such file or directory")) {
            try CommandRunner.run("/usr/bin/no-such-ctr", ["images", "import"])
        }
        #expect(throws: TarError("cannot open /nonexistent.tar.gz: No such file or directory")) {
            try CommandRunner.run("/bin/gzip", ["-dc"], stdinPath: "/nonexistent.tar.gz", stdoutPath: "/tmp/unused")
        }
    }

    @Test func hungToolIsKilledAtItsTimeout() {
        let start = ContinuousClock.now
        #expect(throws: TarError("/bin/sleep did not finish within 0.2 seconds")) {
            try CommandRunner.run("/bin/sleep", ["5"], timeout: .milliseconds(200))
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }
}
