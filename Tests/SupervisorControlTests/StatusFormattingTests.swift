import Foundation
import Testing
import SupervisorControl
import SwiftletCLI

@Suite struct StatusFormattingTests {
    static let uptimes: [(Int64, String)] = [
        (0, "0s"), (45, "45s"), (59, "59s"), (60, "1m"), (300, "5m"), (3_599, "59m"), (3_600, "1h"),
        (11_045, "3h4m"), (86_399, "23h59m"), (86_400, "1d"), (183_600, "2d3h"), (-5, "0s"),
    ]

    @Test(arguments: uptimes)
    func uptime(seconds: Int64, expected: String) {
        #expect(StatusFormatting.uptime(.seconds(seconds)) == expected)
    }

    @Test func table() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let components = [
            ComponentStatus(name: "apiserver", state: "running", pid: 4242, startedAt: now.timeIntervalSince1970 - 302,
                            restarts: 1, lastExit: "signal 9", ready: true, healthy: true),
            ComponentStatus(name: "scheduler", state: "stopped", restarts: 0, lastExit: "exit 0"),
        ]
        let expected = """
            COMPONENT   STATE     PID    UPTIME   RESTARTS   LAST-EXIT   READY   HEALTHY
            apiserver   running   4242   5m       1          signal 9    true    true
            scheduler   stopped   -      -        0          exit 0      false   false

            """
        #expect(StatusFormatting.table(components, now: now) == expected)
    }

    @Test func jsonListsEveryField() throws {
        let json = try StatusFormatting.json([
            ComponentStatus(name: "apiserver", state: "running", pid: 7, startedAt: 0,
                            restarts: 0, ready: true, healthy: false),
        ])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let first = (object?["components"] as? [[String: Any]])?.first
        #expect(first?["name"] as? String == "apiserver")
        #expect(first?["pid"] as? Int == 7)
        #expect(first?["startedAt"] as? String == "1970-01-01T00:00:00Z")
        #expect(first?["lastExit"] is NSNull)
        #expect(first?["ready"] as? Bool == true)
        #expect(first?.count == 8)
    }

    @Test(arguments: [
        (ControlRequest.restart("apiserver"), Int32?(123), Int32?(456), "restarted apiserver (pid 123 -> 456)"),
        (.restart("apiserver"), nil, 456, "restarted apiserver (pid 456)"),
        (.stop("apiserver"), 123, nil, "stopped apiserver (pid 123)"),
        (.start("apiserver"), nil, 456, "started apiserver (pid 456)"),
        (.start("apiserver"), nil, nil, "started apiserver (state backoff)"),
    ])
    func actionSummary(request: ControlRequest, before: Int32?, after: Int32?, expected: String) {
        let response = ControlResponse(
            ok: true,
            previous: ComponentStatus(name: "apiserver", state: "running", pid: before),
            component: ComponentStatus(name: "apiserver", state: after == nil ? "backoff" : "running", pid: after))
        #expect(StatusFormatting.actionSummary(request, response: response) == expected)
    }
}

@Suite struct LogSourceTests {
    @Test func journalWhenJournaldRuns() throws {
        let source = try LogSource.plan(
            component: "apiserver", follow: true, since: "10 min ago", lines: 50, runDir: "/run/swiftlet",
            exists: { $0 == LogSource.journalSocket }, isExecutable: { $0 == "/bin/journalctl" })
        #expect(source == .journal(executable: "/bin/journalctl", arguments: [
            "journalctl", "-t", "swiftlet-apiserver", "--no-pager", "--follow", "--since", "10 min ago", "--lines", "50",
        ]))
    }

    @Test func fallbackFileWithoutJournald() throws {
        let source = try LogSource.plan(
            component: "scheduler", follow: false, since: nil, lines: nil, runDir: "/tmp/r/",
            exists: { $0 == "/tmp/r/logs/scheduler.log" }, isExecutable: { _ in true })
        #expect(source == .file(path: "/tmp/r/logs/scheduler.log"))
    }

    @Test func nothingToRead() throws {
        let source = try LogSource.plan(component: "proxy", follow: false, since: nil, lines: nil, runDir: "/x",
                                        exists: { _ in false }, isExecutable: { _ in false })
        guard case .unavailable(let message) = source else { Issue.record("expected unavailable"); return }
        #expect(message.contains("/x/logs/proxy.log"))
    }

    @Test(arguments: ["", "../etc", "-f", "Api", "a b", "a/b"])
    func badComponentNames(name: String) {
        #expect(throws: ControlError.self) {
            try LogSource.plan(component: name, follow: false, since: nil, lines: nil, runDir: "/x")
        }
    }

    @Test(arguments: [
        ("a\nb\nc\n", 2, "b\nc\n"), ("a\nb\nc", 2, "b\nc"), ("a\nb\n", 5, "a\nb\n"), ("a\nb\n", 0, ""),
        ("", 3, ""),
    ])
    func tail(text: String, count: Int, expected: String) {
        #expect(String(lastLines(of: text[...], count: count)) == expected)
    }
}

@Suite struct KubectlLauncherTests {
    @Test func findsKubectlOnPathThenFallback() {
        #expect(KubectlLauncher.locate(pathVariable: "relative:/opt/bin:/usr/bin", isExecutable: { $0 == "/opt/bin/kubectl" })
            == "/opt/bin/kubectl")
        #expect(KubectlLauncher.locate(pathVariable: "bin", isExecutable: { $0 == "/usr/bin/kubectl" }) == "/usr/bin/kubectl")
        #expect(KubectlLauncher.locate(pathVariable: nil, isExecutable: { _ in false }) == nil)
    }

    @Test func existingKubeconfigWins() {
        #expect(KubectlLauncher.environment(["KUBECONFIG": "/mine"], adminKubeconfig: "/admin")["KUBECONFIG"] == "/mine")
        #expect(KubectlLauncher.environment(["KUBECONFIG": ""], adminKubeconfig: "/admin")["KUBECONFIG"] == "/admin")
        #expect(KubectlLauncher.environment([:], adminKubeconfig: "/admin")["KUBECONFIG"] == "/admin")
    }

    @Test func leadingSwiftletOptionsAreSplitOff() throws {
        let split = try KubectlLauncher.splitLeadingOptions(["--data-dir", "/d", "--run-dir=/r", "get", "pods", "--data-dir", "x"])
        #expect(split.options == ["data-dir": "/d", "run-dir": "/r"])
        #expect(split.rest == ["get", "pods", "--data-dir", "x"])
        let verbatim = try KubectlLauncher.splitLeadingOptions(["-n", "kube-system", "get", "pods"])
        #expect(verbatim.options.isEmpty)
        #expect(verbatim.rest == ["-n", "kube-system", "get", "pods"])
        #expect(throws: ControlError.self) { try KubectlLauncher.splitLeadingOptions(["--data-dir"]) }
    }
}
