import CRI
import Foundation
import Glibc
import Testing

/// The client's failures when there is no runtime to talk to: each is a clear
/// `CRIError.unavailable` naming the socket, or a deadline, and never a hang.
@Suite struct CRIClientErrorTests {
    enum BadSocket: String, CaseIterable, Sendable {
        case missing, regularFile, nobodyListening
    }

    @Test(arguments: BadSocket.allCases)
    func connectingToABadSocketFailsAtOnce(_ kind: BadSocket) async throws {
        let dir = try makeTempDir(prefix: "/tmp/swiftlet-cri-err-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/runtime.sock"
        let expectedReason: String
        switch kind {
        case .missing:
            expectedReason = "no such socket"
        case .regularFile:
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
            expectedReason = "not a unix socket"
        case .nobodyListening:
            // A socket file left behind by a runtime that is gone: bound, then closed.
            let fd = try unixSocket(boundTo: path)
            close(fd)
            expectedReason = "Connection refused"
        }
        let started = ContinuousClock.now
        let error = await #expect(throws: CRIError.self) {
            _ = try await ContainerRuntimeClient.connect(socketPath: path)
        }
        // Generous bounds: `swift test --parallel` on two busy cores delays everything.
        #expect(ContinuousClock.now - started < .seconds(5))
        guard case .unavailable(let socket, let reason)? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        #expect(socket == path)
        #expect(reason.contains(expectedReason), "\(reason)")
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains(path) == true)
    }

    @Test func aPeerThatNeverSpeaksHTTP2IsBoundedByTheDeadline() async throws {
        let dir = try makeTempDir(prefix: "/tmp/swiftlet-cri-err-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/silent.sock"
        // Listens (the kernel completes connections) but never reads or writes.
        let fd = try unixSocket(boundTo: path)
        defer { close(fd) }
        #expect(listen(fd, 8) == 0)

        let runtime = try await ContainerRuntimeClient.connect(socketPath: path)
        let started = ContinuousClock.now
        let error = await #expect(throws: CRIError.self) {
            _ = try await runtime.version(timeout: .seconds(1))
        }
        // "No hang": bounded by the deadline plus scheduling delays under a loaded test run.
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(error?.code == .deadlineExceeded || error?.code == .unavailable, "\(String(describing: error))")
        // The half-open connection cannot close gracefully; shutdown still ends after its grace.
        let stopping = ContinuousClock.now
        await runtime.shutdown(gracePeriod: .milliseconds(300))
        #expect(ContinuousClock.now - stopping < .seconds(15))
    }

    @Test func callsAfterShutdownFail() async throws {
        let dir = try makeTempDir(prefix: "/tmp/swiftlet-cri-err-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/silent.sock"
        let fd = try unixSocket(boundTo: path)
        defer { close(fd) }
        #expect(listen(fd, 8) == 0)
        let runtime = try await ContainerRuntimeClient.connect(socketPath: path)
        await runtime.shutdown()
        let error = await #expect(throws: CRIError.self) {
            _ = try await runtime.status(timeout: .seconds(1))
        }
        #expect(error == .shutDown(method: "RuntimeService/Status"), "\(String(describing: error))")
    }
}

/// CRI log lines as containerd writes them.
@Suite struct CRILogLineTests {
    @Test(arguments: [
        ("2026-11-28T16:56:28.779489969Z stdout F hello", CRILogLine(
            timestamp: "2026-11-28T16:56:28.779489969Z", stream: .stdout, isPartial: false, content: "hello")),
        ("2026-11-28T16:56:28.779489969Z stderr P part of a line ", CRILogLine(
            timestamp: "2026-11-28T16:56:28.779489969Z", stream: .stderr, isPartial: true, content: "part of a line ")),
        ("2026-11-28T16:56:28Z stdout F ", CRILogLine(
            timestamp: "2026-11-28T16:56:28Z", stream: .stdout, isPartial: false, content: "")),
        ("2026-11-28T16:56:28Z stdout F", CRILogLine(
            timestamp: "2026-11-28T16:56:28Z", stream: .stdout, isPartial: false, content: "")),
    ])
    func parses(_ text: String, _ expected: CRILogLine) {
        #expect(CRILogLine(parsing: text) == expected)
    }

    @Test(arguments: ["", "hello", "2026-11-28T16:56:28Z stdin F x", "2026-11-28T16:56:28Z stdout X x", " stdout F x"])
    func rejects(_ text: String) {
        #expect(CRILogLine(parsing: text) == nil)
    }
}

/// A unix stream socket bound to `path` (not yet listening).
func unixSocket(boundTo path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket: errno \(errno)") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: path.utf8)
        raw[path.utf8.count] = 0
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard result == 0 else {
        close(fd)
        throw FixtureError("bind \(path): errno \(errno)")
    }
    return fd
}
