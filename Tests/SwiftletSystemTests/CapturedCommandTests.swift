import Glibc
import SwiftletSystem
import Testing

/// CapturedCommand against real tools: exit statuses, redirections, deadlines, launch failures.
struct CapturedCommandTests {
    /// A fresh directory under /tmp, removed by the caller.
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/swiftlet-captured-XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    static func remove(_ directory: String) {
        _ = try? CapturedCommand.run(["/bin/rm", "-rf", directory])
    }

    @Test func capturesStatusAndBothStreams() throws {
        let result = try CapturedCommand.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == Array("out\n".utf8))
        #expect(result.stderr == Array("err\n".utf8))
        #expect(!result.timedOut)
    }

    @Test func feedsInputAndReportsSignals() throws {
        let echoed = try CapturedCommand.run(["/bin/cat"], input: Array("hello".utf8))
        #expect(echoed.stdout == Array("hello".utf8) && echoed.status == 0)
        let killed = try CapturedCommand.run(["/bin/sh", "-c", "kill -TERM $$"])
        #expect(killed.status == 128 + SIGTERM)
    }

    /// Megabytes on both streams at once must not deadlock on a full pipe; the limit cuts each.
    @Test func drainsLargeOutputsWithinTheLimit() throws {
        let script = "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2"
        let result = try CapturedCommand.run(["/bin/sh", "-c", script], outputLimit: 100_000)
        #expect(result.status == 0 && result.stdout.count == 100_000 && result.stderr.count == 100_000)
    }

    @Test func missingExecutableIsALaunchError() {
        #expect {
            try CapturedCommand.run(["/nonexistent/tool", "x"])
        } throws: { error in
            "\(error)" == "cannot run /nonexistent/tool: No such file or directory"
        }
        #expect(throws: CapturedCommand.LaunchError.self) { try CapturedCommand.run([]) }
    }

    @Test func redirectsStdinAndStdoutToFiles() throws {
        let directory = Self.temporaryDirectory()
        defer { Self.remove(directory) }
        let input = directory + "/in", output = directory + "/out"
        let content = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let fd = open(input, O_WRONLY | O_CREAT, 0o644)
        _ = content.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        // An existing, longer file is truncated.
        _ = try CapturedCommand.run(["/bin/sh", "-c", "head -c 300000 /dev/zero > \(output)"])

        let result = try CapturedCommand.run(["/bin/cat"], stdinPath: input, stdoutPath: output)
        #expect(result.status == 0 && result.stdout.isEmpty)
        #expect(try WholeFile.read(output) == content)

        var info = stat()
        _ = try CapturedCommand.run(["/bin/true"], stdoutPath: directory + "/new")
        #expect(stat(directory + "/new", &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func unopenableRedirectionsAreLaunchErrors() {
        #expect {
            try CapturedCommand.run(["/bin/cat"], stdinPath: "/nonexistent/input")
        } throws: { error in
            "\(error)" == "cannot open /nonexistent/input: No such file or directory"
        }
        #expect {
            try CapturedCommand.run(["/bin/true"], stdoutPath: "/nonexistent/dir/output")
        } throws: { error in
            "\(error)".hasPrefix("cannot create /nonexistent/dir/output")
        }
    }

    @Test(arguments: [
        // Keeps its outputs open while it sleeps.
        "exec sleep 5",
        // A child of the shell holds the pipes too: the whole process group is killed.
        "sleep 5; true",
        // Closes its outputs first: the deadline still applies after the pipes end.
        "exec >&- 2>&-; sleep 5",
    ])
    func killsAToolPastItsTimeout(script: String) throws {
        let start = ContinuousClock.now
        let result = try CapturedCommand.run(["/bin/sh", "-c", script], timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - start
        #expect(result.timedOut && result.status == 128 + SIGKILL)
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3), "\(elapsed)")
    }

    /// A daemon in its own session escapes the group kill; its open pipe does not hold us.
    @Test func aDetachedHolderOfThePipesDoesNotHang() throws {
        let start = ContinuousClock.now
        let result = try CapturedCommand.run(["/bin/sh", "-c", "setsid sleep 4 & wait"], timeout: .milliseconds(300))
        #expect(result.timedOut)
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func aQuickToolIsNotTimedOut() throws {
        let result = try CapturedCommand.run(["/bin/sh", "-c", "echo done"], timeout: .seconds(10))
        #expect(!result.timedOut && result.status == 0 && result.stdout == Array("done\n".utf8))
    }
}
