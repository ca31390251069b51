#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Systemd

// setenv is process-wide and other tests run in parallel in this process: these tests run one at a
// time and put the environment back when they finish.
@Suite(.serialized)
struct SystemdNotifierTests {
    @Test func initIsNilWithoutNotifySocket() {
        withEnvironment(["NOTIFY_SOCKET": nil]) {
            #expect(SystemdNotifier() == nil)
        }
        withEnvironment(["NOTIFY_SOCKET": ""]) {
            #expect(SystemdNotifier() == nil)
        }
    }

    @Test func sendsExactDatagramsInOrder() throws {
        let listener = try NotifyListener()
        try withEnvironment(["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
            let notifier = try #require(SystemdNotifier())
            #expect(notifier.socketPath == listener.path)
            #expect(notifier.ready() == nil)
            #expect(notifier.status("apiserver ready, 2/5 components") == nil)
            #expect(notifier.ready(status: "all components ready") == nil)
            #expect(notifier.watchdog() == nil)
            #expect(notifier.stopping() == nil)
            let before = SystemdNotifier.monotonicMicroseconds()
            #expect(notifier.reloading() == nil)
            let after = SystemdNotifier.monotonicMicroseconds()

            #expect(listener.receive() == "READY=1")
            #expect(listener.receive() == "STATUS=apiserver ready, 2/5 components")
            #expect(listener.receive() == "READY=1\nSTATUS=all components ready")
            #expect(listener.receive() == "WATCHDOG=1")
            #expect(listener.receive() == "STOPPING=1")
            let reload = try #require(listener.receive())
            let lines = reload.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "RELOADING=1")
            let stamp = try #require(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
            #expect(stamp >= before && stamp <= after)
            #expect(listener.isEmpty())
        }
    }

    @Test func statusNewlinesCannotInjectAssignments() throws {
        let listener = try NotifyListener()
        try withEnvironment(["NOTIFY_SOCKET": listener.path]) {
            let notifier = try #require(SystemdNotifier())
            notifier.status("broken\nREADY=1")
            #expect(listener.receive() == "STATUS=broken READY=1")
        }
    }

    @Test func reportsErrorWhenSocketIsGone() throws {
        let path: String
        do {
            let listener = try NotifyListener()
            path = listener.path
        }  // listener closed and unlinked here
        withEnvironment(["NOTIFY_SOCKET": path]) {
            guard let notifier = SystemdNotifier() else {
                Issue.record("notifier should exist while NOTIFY_SOCKET is set")
                return
            }
            let error = notifier.ready()
            #expect(error?.errno == ENOENT || error?.errno == ECONNREFUSED)
            #expect(error?.description.hasPrefix("sd_notify(READY=1) failed: ") == true)
        }
    }

    @Test func reportsErrorWhenSocketUnsetAfterInit() throws {
        let listener = try NotifyListener()
        let notifier = try withEnvironment(["NOTIFY_SOCKET": listener.path]) { try #require(SystemdNotifier()) }
        withEnvironment(["NOTIFY_SOCKET": nil]) {
            #expect(notifier.watchdog()?.reason == "NOTIFY_SOCKET is no longer set")
        }
    }

    @Test(arguments: [
        // (WATCHDOG_USEC, WATCHDOG_PID: "self", "other", nil) -> expected interval
        ("2000000", nil, Duration.seconds(1)),
        ("2000000", "self", Duration.seconds(1)),
        ("30000000", "self", Duration.seconds(15)),
        ("2000000", "other", nil),
        (nil, nil, nil),
        ("not-a-number", nil, nil),
        ("0", nil, nil),
    ] as [(String?, String?, Duration?)])
    func watchdogInterval(usec: String?, pid: String?, expected: Duration?) throws {
        let listener = try NotifyListener()
        let pidValue: String? = switch pid {
        case "self": String(getpid())
        case "other": String(getpid() == 1 ? 2 : 1)
        default: nil
        }
        try withEnvironment(["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": usec, "WATCHDOG_PID": pidValue]) {
            let notifier = try #require(SystemdNotifier())
            #expect(notifier.watchdogInterval == expected)
        }
    }
}
