import Foundation
import Testing
@testable import Supervision

@Suite struct UnixSocketProbeTests {
    /// A listening unix socket at `path`; returns its descriptor. Close-on-exec: other tests in the
    /// parallel run spawn processes, and a child that inherited the listener would keep it alive
    /// after `close`.
    static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else { throw SupervisionError("cannot listen on \(path)") }
        return fd
    }

    @Test func readyOnlyWhileSomethingListens() async throws {
        let directory = "/tmp/usp-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/c.sock"
        #expect(await UnixSocketProbe.accepts(path, timeout: .seconds(1)) == false)  // no file
        let fd = try Self.listen(at: path)
        #expect(await UnixSocketProbe.accepts(path, timeout: .seconds(1)))
        close(fd)
        // The socket file stays behind a dead listener (as after a crash): refused, not ready.
        // A process being spawned by a parallel test can hold the descriptor between its fork and
        // exec, so the listener may outlive `close` by a moment: wait for the refusal, bounded.
        #expect(FileManager.default.fileExists(atPath: path))
        var refused = false
        for _ in 0..<40 where !refused {
            refused = await UnixSocketProbe.accepts(path, timeout: .seconds(1)) == false
            if !refused { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(refused)
        // A regular file is not a socket.
        try Data().write(to: URL(fileURLWithPath: directory + "/file"))
        #expect(await UnixSocketProbe.accepts(directory + "/file", timeout: .seconds(1)) == false)
        // Too long for sockaddr_un, or empty: not ready rather than a crash.
        #expect(await UnixSocketProbe.accepts("/" + String(repeating: "x", count: 200), timeout: .seconds(1)) == false)
        #expect(await UnixSocketProbe.accepts("", timeout: .seconds(1)) == false)
    }

    @Test func planRoundTripsTheSocketSource() throws {
        let spec = ComponentSpec(name: "containerd", executableName: "containerd", arguments: ["--config", "/c.toml"],
                                 configFile: "/c.toml", port: .unixSocket("/run/swiftlet/containerd/containerd.sock"))
        let plan = SupervisorPlan(runDirectory: "/run", components: [spec], executables: ["containerd": "/usr/bin/containerd"],
                                  probeCAFile: "", probeCertificateFile: "", probeKeyFile: "", readyLine: "ready")
        #expect(try SupervisorPlan(json: plan.json) == plan)
    }
}
