import CRI
import ContainerdSupport
import Foundation
import Glibc
import Testing

/// A real containerd (CRI plugin) run as a child process with its own root, state, socket, runc
/// root and CNI config dir under one temp dir, plus a small busybox image imported into its
/// k8s.io namespace. Stopped by PID; mounts left under the temp dir are unmounted and the dir is
/// removed.
final class ContainerdFixture: @unchecked Sendable {
    // @unchecked: `process` is only touched in `start` and `stop`, which the suite trait calls
    // once each, before and after every test.

    /// The test image: busybox (sh, sleep, echo, cat...) with `sleep 100000` as its command, so
    /// it also serves as the sandbox ("pause") image.
    static let image = "docker.io/swiftlet/busybox:test"

    let dir: String
    let socket: String
    private let process: Process

    var pid: pid_t { process.processIdentifier }

    private init(dir: String, socket: String, process: Process) {
        self.dir = dir
        self.socket = socket
        self.process = process
    }

    /// Starts containerd, waits until its CRI reports RuntimeReady, and imports the test image.
    static func start() async throws -> ContainerdFixture {
        for tool in ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/umoci", "/bin/busybox"] {
            guard FileManager.default.isExecutableFile(atPath: tool) else {
                throw FixtureError("\(tool) is missing: apt-get install containerd runc umoci busybox-static")
            }
        }
        // Short path: unix socket paths are limited to 107 bytes.
        let dir = try makeTempDir(prefix: "/tmp/swiftlet-cri-")
        for sub in ["root", "state", "run", "cni", "logs", "image"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        // The config the supervisor writes, with this fixture's directories and sandbox image.
        var config = ContainerdConfig(dataDirectory: dir, runDirectory: "\(dir)/run", sandboxImage: image,
                                      cniConfDirectory: "\(dir)/cni", systemdCgroup: false)
        config.stateDirectory = "\(dir)/state"
        let socket = config.socketPath
        try config.write(to: "\(dir)/config.toml")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/containerd")
        process.arguments = ["--config", "\(dir)/config.toml"]
        _ = FileManager.default.createFile(atPath: "\(dir)/containerd.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/containerd.log"))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let fixture = ContainerdFixture(dir: dir, socket: socket, process: process)
        do {
            try await fixture.waitUntilReady()
            try fixture.importImage()
        } catch {
            await fixture.stop()
            throw error
        }
        return fixture
    }

    /// Polls until the socket accepts a connection and the CRI reports RuntimeReady (60 s max:
    /// containerd starts in half a second alone, but much slower beside a parallel test run).
    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw FixtureError("containerd exited with \(process.terminationStatus): \(logTail())")
            }
            do {
                let client = try await ContainerRuntimeClient.connect(socketPath: socket, defaultTimeout: .seconds(10))
                let status: Runtime_V1_StatusResponse
                do {
                    status = try await client.status()
                } catch {
                    await client.shutdown()
                    throw error
                }
                await client.shutdown()
                if status.isRuntimeReady { return }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureError("containerd not ready after 60 s (\(lastError.map { "\($0)" } ?? "not ready")): \(logTail())")
    }

    /// Builds a busybox OCI image with umoci and imports it with ctr.
    private func importImage() throws {
        let layout = "\(dir)/image/oci"
        let bundle = "\(dir)/image/bundle"
        try run("/usr/bin/umoci", "init", "--layout", layout)
        try run("/usr/bin/umoci", "new", "--image", "\(layout):test")
        try run("/usr/bin/umoci", "unpack", "--image", "\(layout):test", bundle)
        let bin = "\(bundle)/rootfs/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: "\(bin)/busybox")
        for applet in ["sh", "sleep", "echo", "cat", "ls", "true"] {
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(applet)", withDestinationPath: "busybox")
        }
        try run("/usr/bin/umoci", "repack", "--image", "\(layout):test", bundle)
        try run("/usr/bin/umoci", "config", "--image", "\(layout):test",
                "--config.env", "PATH=/bin", "--config.cmd", "sleep", "--config.cmd", "100000")
        try run("/usr/bin/tar", "-C", layout, "-cf", "\(dir)/image/busybox.tar", ".")
        try run("/usr/bin/ctr", "--address", socket, "-n", "k8s.io", "images", "import",
                "--base-name", "docker.io/swiftlet/busybox", "\(dir)/image/busybox.tar")
    }

    /// Removes every sandbox (so the shims exit), stops containerd by PID (SIGTERM, then SIGKILL
    /// after 5 s), unmounts what is left under the temp dir and removes it.
    func stop() async {
        if process.isRunning, let client = try? await ContainerRuntimeClient.connect(socketPath: socket, defaultTimeout: .seconds(10)) {
            for sandbox in (try? await client.listPodSandbox()) ?? [] {
                try? await client.stopPodSandbox(sandbox.id)
                try? await client.removePodSandbox(sandbox.id)
            }
            await client.shutdown()
        }
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(5)
            while process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
        for mountPoint in Self.mounts(under: dir).reversed() {
            umount2(mountPoint, Int32(MNT_DETACH))
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The last lines of containerd's log, for failure messages.
    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: "\(dir)/containerd.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Mount points at or below `dir`, in mount order.
    static func mounts(under dir: String) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point == dir || point.hasPrefix(dir + "/") ? point : nil
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a tool to completion; throws with its output when it fails.
func run(_ tool: String, _ arguments: String...) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw FixtureError("\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                           + String(decoding: output, as: UTF8.self))
    }
}

func makeTempDir(prefix: String) throws -> String {
    var template = Array((prefix + "XXXXXX").utf8CString)
    guard let result = mkdtemp(&template) else { throw FixtureError("mkdtemp failed: errno \(errno)") }
    return String(cString: result)
}

/// Runs the suite it is attached to inside one containerd, started before its first test and
/// stopped after its last; tests reach it through `ContainerdFixture.current`.
struct WithContainerd: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try await ContainerdFixture.start()
        do {
            try await ContainerdFixture.$current.withValue(fixture) { try await function() }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }
}

extension ContainerdFixture {
    @TaskLocal static var current: ContainerdFixture?

    /// The suite's containerd; fails the test when the suite lacks the `WithContainerd` trait.
    static func shared() throws -> ContainerdFixture {
        guard let current else { throw FixtureError("no containerd: the suite needs the .containerd trait") }
        return current
    }
}

extension Trait where Self == WithContainerd {
    /// Runs the suite against one real containerd child process.
    static var containerd: Self { WithContainerd() }
}
