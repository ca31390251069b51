import Foundation
import Testing
@testable import Supervision
import SwiftletJSON

@Suite struct SupervisorPlanTests {
    static func spec(_ name: String, port: PortSource = .fixed(6443), dependencies: [String] = []) -> ComponentSpec {
        ComponentSpec(name: name, executableName: "swiftlet-\(name)", arguments: ["--config", "/etc/\(name).json"],
                      configFile: "/etc/\(name).json", port: port, portArgument: "--secure-port",
                      dependencies: dependencies, stopTimeout: .milliseconds(1500), readyTimeout: .seconds(60),
                      environment: ["A": "1"])
    }

    static let plan = SupervisorPlan(
        runDirectory: "/run/swiftlet", logLevel: "debug",
        components: [spec("apiserver", port: .portFile("/run/swiftlet/apiserver.port")), spec("scheduler", dependencies: ["apiserver"])],
        executables: ["apiserver": "/usr/lib/swiftlet/swiftlet-apiserver", "scheduler": "/usr/lib/swiftlet/swiftlet-scheduler"],
        probeCAFile: "/tls/ca.crt", probeCertificateFile: "/tls/c.crt", probeKeyFile: "/tls/c.key",
        readyLine: "ready at https://127.0.0.1:@PORT@", portComponent: "apiserver",
        portFiles: [.init(path: "/kc", mode: 0o600, content: "server: https://127.0.0.1:@PORT@")],
        reloadCommand: ["/usr/bin/swiftlet", "server", "--prepare-only"])

    @Test func roundTripsThroughAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = SupervisorPlan.path(runDirectory: directory)
        try Self.plan.write(to: path)
        #expect(try SupervisorPlan.read(from: path) == Self.plan)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test(arguments: [
        (#"[]"#, "plan.runDirectory must be a string"),
        (#"{"runDirectory":"/r","components":[],"executables":{},"probe":{},"readyLine":"x"}"#, "probe.caFile must be a string"),
        (#"{"runDirectory":"/r","components":"no","executables":{},"probe":{"caFile":"a","certFile":"b","keyFile":"c"},"readyLine":"x"}"#, "plan.components must be an array"),
        (#"{"runDirectory":"/r","components":[{"name":"a","executableName":"x","readinessPath":"/readyz","healthPath":"/healthz","port":{"fixed":70000},"stopTimeoutMilliseconds":1,"readyTimeoutMilliseconds":1}],"executables":{"a":"/x"},"probe":{"caFile":"a","certFile":"b","keyFile":"c"},"readyLine":"x"}"#, "components[0].port.fixed 70000 is not a port"),
        (#"{"runDirectory":"/r","components":[{"name":"a","executableName":"x","readinessPath":"/readyz","healthPath":"/healthz","port":{"fixed":1},"stopTimeoutMilliseconds":1,"readyTimeoutMilliseconds":1}],"executables":{},"probe":{"caFile":"a","certFile":"b","keyFile":"c"},"readyLine":"x"}"#, "no executable for component a"),
    ])
    func badPlansAreClearErrors(text: String, message: String) throws {
        #expect(throws: SupervisionError(message)) { try SupervisorPlan(json: try JSON(parsing: text)) }
    }

    @Test func unreadablePlanNamesTheFile() {
        #expect(throws: SupervisionError("cannot read the supervisor plan /nonexistent/plan.json")) {
            try SupervisorPlan.read(from: "/nonexistent/plan.json")
        }
    }

    @Test func reloadRestartsOnlyComponentsWhoseConfigChanged() {
        let same: [String: [UInt8]] = ["apiserver": [1], "scheduler": [2]]
        #expect(SupervisorPlan.reloadChanges(from: Self.plan, to: Self.plan, configBefore: same, configAfter: same).isEmpty)
        let changed = SupervisorPlan.reloadChanges(from: Self.plan, to: Self.plan, configBefore: same,
                                                   configAfter: ["apiserver": [1], "scheduler": [3]])
        #expect(changed == [.restart("scheduler")])
    }

    @Test func reloadReportsWhatNeedsAFullRestart() {
        var fewer = Self.plan
        fewer.components.removeLast()
        var other = Self.plan
        other.components[0].arguments.append("--verbose")
        let same: [String: [UInt8]] = [:]
        #expect(SupervisorPlan.reloadChanges(from: Self.plan, to: fewer, configBefore: same, configAfter: same)
            == [.needsFullRestart("components changed from [apiserver, scheduler] to [apiserver]")])
        #expect(SupervisorPlan.reloadChanges(from: Self.plan, to: other, configBefore: same, configAfter: same)
            == [.needsFullRestart("the command or settings of apiserver changed")])
    }
}
