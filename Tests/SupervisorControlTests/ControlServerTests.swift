import Foundation
import Testing
@testable import SupervisorControl
import SwiftletCLI

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ControlServerTests {
    @Test func statusAndActionsOverARealSocket() async throws {
        let dir = try TemporaryDirectory()
        let path = ControlServer.socketPath(runDir: dir.path + "/run")
        let fake = FakeSupervisor(names: ["apiserver", "scheduler"])
        let server = try await ControlServer.start(path: path, handler: fake)
        defer { Task { await server.stop() } }

        let client = try ControlClient.connect(path: path, timeout: .seconds(10))
        let status = try await client.request(.status)
        #expect(status.ok)
        #expect(status.components?.map(\.name) == ["apiserver", "scheduler"])
        #expect(status.components?.first?.pid == 100)

        let restarted = try await client.request(.restart("apiserver"))
        #expect(restarted.ok)
        #expect(restarted.previous?.pid == 100)
        #expect(restarted.component?.pid == 1001)

        let unknown = try await client.request(.stop("etcd"))
        #expect(unknown == .failure(#"unknown component "etcd"; components: apiserver, scheduler"#))
        #expect(await fake.calls == ["restart apiserver", "stop etcd"])
        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func socketAndDirectoryModes() async throws {
        let dir = try TemporaryDirectory()
        let runDir = dir.path + "/run"
        let path = ControlServer.socketPath(runDir: runDir)
        let server = try await ControlServer.start(path: path, handler: FakeSupervisor())
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(runDir, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        await server.stop()
    }

    @Test func malformedAndUnknownOpsKeepTheConnection() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let server = try await ControlServer.start(path: path, handler: FakeSupervisor())
        let client = try ControlClient.connect(path: path, timeout: .seconds(10))
        let cases: [(String, String)] = [
            ("this is not json\n", "malformed request: not valid JSON"),
            ("{\"op\":\"reboot\"}\n", "unknown op \"reboot\""),
            ("\n{\"op\":42}\r\n", "malformed request: \"op\" must be a string"),
        ]
        for (raw, prefix) in cases {
            let line = try await client.requestRaw(Data(raw.utf8))
            let response = try ControlResponse.parse(line)
            #expect(!response.ok)
            #expect(response.error?.hasPrefix(prefix) == true, "\(response.error ?? "nil")")
        }
        #expect(try await client.request(.status).ok)
        await server.stop()
    }

    @Test func oversizeRequestGetsAnErrorAndTheServerLives() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let server = try await ControlServer.start(path: path, handler: FakeSupervisor(), maxRequestBytes: 1024)
        let client = try ControlClient.connect(path: path, timeout: .seconds(10))
        let huge = Data(repeating: UInt8(ascii: "a"), count: 200_000)
        let response = try ControlResponse.parse(try await client.requestRaw(huge))
        #expect(response == .failure("request too large: more than 1024 bytes without a newline"))
        // The connection is closed after that; a new one is served.
        await #expect(throws: ControlClientError.self) { try await client.request(.status) }
        #expect(try await ControlClient.connect(path: path).request(.status).ok)
        await server.stop()
    }

    @Test func clientsAreServedConcurrently() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let fake = FakeSupervisor()
        await fake.holdNextRestarts()
        let server = try await ControlServer.start(path: path, handler: fake)
        let restart = Task.detached { try await ControlClient.connect(path: path).request(.restart("apiserver")) }
        while !(await fake.isRestartWaiting) { try await Task.sleep(for: .milliseconds(5)) }
        // The first client's restart is still held, yet a second client is answered.
        #expect(try await ControlClient.connect(path: path).request(.status).components?.first?.pid == 100)
        await fake.releaseRestart()
        #expect(try await restart.value.component?.pid == 1001)
        await server.stop()
    }

    @Test func stopEndsConnectedClientsPromptly() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let fake = FakeSupervisor()
        await fake.holdNextRestarts()
        let server = try await ControlServer.start(path: path, handler: fake)
        // One idle client, and one whose restart the handler holds (as a slow restart would).
        let idle = try ControlClient.connect(path: path, timeout: .seconds(10))
        #expect(try await idle.request(.status).ok)
        let busy = Task.detached { try await ControlClient.connect(path: path, timeout: .seconds(10)).request(.restart("apiserver")) }
        while !(await fake.isRestartWaiting) { try await Task.sleep(for: .milliseconds(5)) }

        let clock = ContinuousClock()
        let started = clock.now
        await server.stop()
        #expect(clock.now - started < .seconds(2))
        #expect(!FileManager.default.fileExists(atPath: path))
        // Both clients see their connection end rather than wait for their timeout.
        await #expect(throws: ControlClientError.self) { try await idle.request(.status) }
        await #expect(throws: ControlClientError.self) { try await busy.value }
        #expect(clock.now - started < .seconds(5))
        #expect(throws: ControlClientError.notRunning(path: path)) { try ControlClient.connect(path: path) }
        await fake.releaseRestart()
        // A second stop only waits (nothing left to close).
        await server.stop()
    }

    @Test func aLastRequestWithoutNewlineIsAnswered() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let server = try await ControlServer.start(path: path, handler: FakeSupervisor())
        defer { Task { await server.stop() } }
        let fd = try #require(Optional(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)))
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(connected == 0)
        let request = Array(#"{"op":"status"}"#.utf8)
        #expect(send(fd, request, request.count, 0) == request.count)
        // Half-close: the request ends without a newline.
        shutdown(fd, Int32(SHUT_WR))
        let answer = try await offPool { () -> [UInt8] in
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &chunk, chunk.count, 0)
                if count <= 0 { return received }
                received.append(contentsOf: chunk[0..<count])
            }
        }
        let response = try ControlResponse.parse(answer.prefix { $0 != 0x0A })
        #expect(response.ok)
        #expect(response.components?.map(\.name) == ["apiserver"])
    }

    @Test func peerCredentialsOfTheSameUserAreAccepted() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let server = try await ControlServer.start(path: path, handler: FakeSupervisor())
        // The server read our uid with SO_PEERCRED and served us (it refuses connections it cannot vouch for).
        #expect(try await ControlClient.connect(path: path).request(.status).ok)
        await server.stop()
    }

    @Test(arguments: [
        (UInt32(0), UInt32(0), true), (1000, 1000, true), (0, 1000, true),
        (1000, 0, false), (1001, 1000, false),
    ])
    func peerPolicy(peer: UInt32, server: UInt32, allowed: Bool) {
        #expect(ControlServer.isAllowed(peerUID: peer, serverUID: server) == allowed)
    }

    @Test func staleSocketIsReplaced() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        try makeStaleSocket(at: path)
        #expect(await eventuallyRefused(path))
        let server = try await ControlServer.start(path: path, handler: FakeSupervisor())
        #expect(try await ControlClient.connect(path: path).request(.status).ok)
        await server.stop()
    }

    @Test func secondServerIsRefusedAndTheFirstKeepsServing() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        let first = try await ControlServer.start(path: path, handler: FakeSupervisor())
        await #expect(throws: ControlServerError.alreadyRunning(path)) {
            _ = try await ControlServer.start(path: path, handler: FakeSupervisor())
        }
        #expect(ControlServerError.alreadyRunning(path).message.contains("already running"))
        #expect(try await ControlClient.connect(path: path).request(.status).ok)
        await first.stop()
    }

    @Test func aRegularFileAtTheSocketPathIsNotRemoved() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        await #expect(throws: ControlServerError.self) {
            _ = try await ControlServer.start(path: path, handler: FakeSupervisor())
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func clientReportsMissingSocketAndStaleSocketAsNotRunning() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/swiftlet.sock"
        #expect(throws: ControlClientError.notRunning(path: path)) { try ControlClient.connect(path: path) }
        try makeStaleSocket(at: path)
        #expect(await eventuallyRefused(path))
        #expect(throws: ControlClientError.notRunning(path: path)) { try ControlClient.connect(path: path) }
        #expect(ControlClientError.notRunning(path: path).description == "swiftlet is not running (no control socket at \(path))")
    }

    @Test func clientTimesOutOnASilentServer() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/silent.sock"
        let fd = try listeningSocket(at: path)
        defer { close(fd) }
        let client = try ControlClient.connect(path: path, timeout: .milliseconds(200))
        await #expect(throws: ControlClientError.timedOut(path: path, after: .milliseconds(200))) { try await client.request(.status) }
    }
}

/// A bound, listening unix socket that never accepts (the caller closes it).
func listeningSocket(at path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(fd, 4) == 0 else { close(fd); throw ControlError("cannot bind \(path)") }
    return fd
}

/// A socket file with no listener, as a crashed server leaves behind.
func makeStaleSocket(at path: String) throws {
    close(try listeningSocket(at: path))
}

/// Whether the socket at `path` refuses connections within 2 s. A process that another test
/// spawns at the moment of a close holds a copy of the listener until its exec, so a closed
/// listener can still answer for a moment.
func eventuallyRefused(_ path: String) async -> Bool {
    for _ in 0..<100 {
        if ControlSocketProbe.probe(path) == .refused { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return false
}
