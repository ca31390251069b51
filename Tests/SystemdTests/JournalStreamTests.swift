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

/// Writes through a real journald. Runs only when Tests/e2e/test_systemd.py starts this test
/// bundle inside a mount namespace with its own journald and sets SWIFTLET_TEST_JOURNALD to a
/// marker; the Python side then reads the journal and checks identifiers and priorities.
@Suite(.enabled(if: getenv("SWIFTLET_TEST_JOURNALD") != nil, "needs the journald of test_systemd.py"))
struct JournalStreamJournaldTests {
    let marker = getenv("SWIFTLET_TEST_JOURNALD").map { String(cString: $0) } ?? ""

    @Test func streamsLinesWithLevelPrefix() throws {
        #expect(JournalStream.isAvailable)
        let fd = try JournalStream.open(identifier: "swiftlet-journaltest", priority: 6, levelPrefix: true)
        defer { close(fd) }
        try write(fd, "<3>error line \(marker)\ninfo line \(marker)\n")
    }

    @Test func streamsLinesWithoutLevelPrefix() throws {
        let fd = try JournalStream.open(identifier: "swiftlet-journaltest-raw", priority: 4, levelPrefix: false)
        defer { close(fd) }
        try write(fd, "<3>kept literally \(marker)\n")
    }

    @Test func sendsNativeEntry() throws {
        try JournalStream.send(message: "first\nsecond \(marker)", priority: 2, identifier: "swiftlet-journaltest-native")
    }

    private func write(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SystemdError(operation: "write", errno: errno) }
    }
}
