#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Systemd

// The happy path needs a journald; Tests/e2e/test_systemd.py runs one in a private mount
// namespace. Here: argument checks, which must fail before any socket is touched.
struct JournalStreamTests {
    @Test(arguments: [
        ("swiftlet-x", Int32(-1), "priority -1 is outside 0...7"),
        ("swiftlet-x", Int32(8), "priority 8 is outside 0...7"),
        ("", Int32(6), "identifier is empty"),
        ("bad\nname", Int32(6), "identifier contains a newline or NUL"),
    ])
    func openRejectsBadArguments(identifier: String, priority: Int32, reason: String) {
        #expect(throws: SystemdError(operation: "sd_journal_stream_fd", reason: reason)) {
            try JournalStream.open(identifier: identifier, priority: priority, levelPrefix: true)
        }
        #expect(throws: SystemdError(operation: "sd_journal_send", reason: reason)) {
            try JournalStream.send(message: "x", priority: priority, identifier: identifier)
        }
    }

    @Test func availabilityMatchesSocketPresence() {
        var info = stat()
        let present = stat(JournalStream.stdoutSocketPath, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
        #expect(JournalStream.isAvailable == present)
    }

    @Test func openWithoutJournaldGivesErrnoText() throws {
        // Only meaningful where no journald listens (the CI container); with one, open succeeds.
        guard !JournalStream.isAvailable else { return }
        do {
            let fd = try JournalStream.open(identifier: "swiftlet-test", priority: 6, levelPrefix: true)
            close(fd)
            Issue.record("open succeeded without a journald socket")
        } catch let error as SystemdError {
            #expect(error.errno == ENOENT || error.errno == ECONNREFUSED)
            #expect(error.description.contains("sd_journal_stream_fd(swiftlet-test) failed: "))
            #expect(error.description.contains("(errno \(error.errno))"))
        }
    }

    @Test func errnoTextComesFromStrerror() {
        let error = SystemdError(operation: "op", errno: ENOENT)
        #expect(error.description == "op failed: No such file or directory (errno \(ENOENT))")
        #expect(SystemdError.fromReturn(-ECONNREFUSED, operation: "op").errno == ECONNREFUSED)
    }
}
