import Foundation
import Testing
@testable import SupervisorControl
import SwiftletCLI

@Suite struct ControlProtocolTests {
    @Test(arguments: [
        (#"{"op":"status"}"#, ControlRequest.status),
        (#"{"op":"status","component":null}"#, .status),
        (#"{"op":"restart","component":"apiserver"}"#, .restart("apiserver")),
        (#"{"component":"scheduler","op":"stop"}"#, .stop("scheduler")),
        (#" {"op":"start","component":"kubelet"} "#, .start("kubelet")),
    ])
    func parsesRequests(line: String, expected: ControlRequest) throws {
        #expect(try ControlRequest.parse(Data(line.utf8)) == expected)
    }

    @Test(arguments: [
        ("", "malformed request: not valid JSON"),
        ("{", "malformed request: not valid JSON"),
        ("[1,2]", "malformed request: expected a JSON object"),
        (#"{"component":"x"}"#, "malformed request: missing \"op\""),
        (#"{"op":7}"#, "malformed request: \"op\" must be a string"),
        (#"{"op":"stop","component":3}"#, "malformed request: \"component\" must be a string"),
        (#"{"op":"restart"}"#, "op \"restart\" needs a \"component\""),
        (#"{"op":"start","component":""}"#, "op \"start\" needs a \"component\""),
        (#"{"op":"reboot"}"#, "unknown op \"reboot\"; ops: status, restart, stop, start"),
    ])
    func rejectsBadRequests(line: String, message: String) {
        #expect(throws: ControlError.self) { try ControlRequest.parse(Data(line.utf8)) }
        do {
            _ = try ControlRequest.parse(Data(line.utf8))
        } catch {
            #expect(error.message.hasPrefix(message))
        }
    }

    @Test(arguments: [ControlRequest.status, .restart("apiserver"), .stop("a-b"), .start("x")])
    func requestRoundTrip(request: ControlRequest) throws {
        let line = request.encodedLine()
        #expect(line.last == 0x0A)
        #expect(!line.dropLast().contains(0x0A))
        #expect(try ControlRequest.parse(line.dropLast()) == request)
    }

    @Test func responseRoundTripKeepsDatesAndNulls() throws {
        let started = 1_700_000_000.0
        let response = ControlResponse(ok: true, components: [
            ComponentStatus(name: "apiserver", state: "running", pid: 42, startedAt: started, restarts: 2,
                            lastExit: "exit 1", ready: true, healthy: true),
            ComponentStatus(name: "scheduler", state: "stopped"),
        ])
        let line = response.encodedLine()
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains(#""startedAt":"2023-11-14T22:13:20Z""#))
        #expect(text.contains(#""pid":null"#))
        #expect(text.hasPrefix(#"{"ok":true,"components":["#))
        #expect(try ControlResponse.parse(line.dropLast()) == response)
    }

    @Test func failureResponseHasOnlyOkAndError() {
        let text = String(decoding: ControlResponse.failure("boom").encodedLine(), as: UTF8.self)
        #expect(text == #"{"ok":false,"error":"boom"}"# + "\n")
    }

    @Test func unknownComponentMessage() {
        #expect(ControlError.unknownComponent("x", known: ["apiserver"]).message
            == #"unknown component "x"; components: apiserver"#)
    }

    @Test func dispatcherReportsBeforeAndAfter() async throws {
        let fake = FakeSupervisor()
        let response = await ControlDispatcher.respond(to: Data(#"{"op":"restart","component":"apiserver"}"#.utf8), handler: fake)
        #expect(response.ok)
        #expect(response.previous?.pid == 100)
        #expect(response.component?.pid == 1001)
        #expect(response.component?.restarts == 1)
        let unknown = await ControlDispatcher.respond(to: .stop("nope"), handler: fake)
        #expect(unknown == .failure(#"unknown component "nope"; components: apiserver"#))
    }

    @Test func foreignErrorsAreDescribed() async {
        struct Broken: ControlHandler {
            struct Failure: Error, CustomStringConvertible { var description: String { "disk on fire" } }
            func status() async -> [ComponentStatus] { [] }
            func restart(_ component: String) async throws { throw Failure() }
            func stop(_ component: String) async throws {}
            func start(_ component: String) async throws {}
        }
        let response = await ControlDispatcher.respond(to: .restart("a"), handler: Broken())
        #expect(response == .failure("disk on fire"))
        // An action on a component missing from status still succeeds without statuses.
        let stopped = await ControlDispatcher.respond(to: .stop("a"), handler: Broken())
        #expect(stopped == ControlResponse(ok: true))
    }
}

@Suite struct RFC3339Tests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"), (1_700_000_000, "2023-11-14T22:13:20Z"),
        (951_782_400, "2000-02-29T00:00:00Z"), (-86_400, "1969-12-31T00:00:00Z"), (4_102_444_799, "2099-12-31T23:59:59Z"),
    ])
    func formatsAndParsesBack(seconds: Double, text: String) {
        #expect(RFC3339.format(seconds) == text)
        #expect(RFC3339.parse(text) == seconds)
    }

    @Test func parsesFractionsAndOffsets() {
        #expect(RFC3339.parse("2023-11-14T22:13:20.5Z") == 1_700_000_000.5)
        #expect(RFC3339.parse("2023-11-15T00:13:20+02:00") == 1_700_000_000)
    }

    @Test(arguments: ["", "yesterday", "2023-13-01T00:00:00Z", "2023-11-14 22:13:20", "2023-11-14T22:13:20", "2023-11-14T22:13:20Zjunk"])
    func rejectsMalformedTimes(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func componentWithABadTimeIsAClearError() throws {
        let line = #"{"ok":true,"components":[{"name":"a","state":"running","startedAt":"soon"}]}"#
        #expect(throws: ControlError.self) { try ControlResponse.parse(Array(line.utf8)) }
    }
}
