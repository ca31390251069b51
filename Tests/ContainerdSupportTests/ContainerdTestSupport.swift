import ContainerdSupport
import Foundation
import Testing

/// A real containerd (Debian's) started by a test in a temporary directory with a rendered
/// `ContainerdConfig`, stopped by its PID; `cleanUp()` unmounts what it left and removes the dir.
final class ContainerdUnderTest: @unchecked Sendable {
    let root: String
    let config: ContainerdConfig
    let process: Process
    let logPath: String

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd") && FileManager.default.isExecutableFile(atPath: "/usr/bin/ctr")
            && geteuid() == 0
    }

    init(sandboxImage: String = PauseImage.reference) throws {
        root = try makeTemporaryDirectory("ctrd")
        config = ContainerdConfig(dataDirectory: root + "/data/containerd", runDirectory: root + "/run",
                                  sandboxImage: sandboxImage, cniConfDirectory: root + "/data/cni/net.d",
                                  registryConfigPath: root + "/data/certs.d")
        let configPath = root + "/data/etc/config.toml"
        try config.write(to: configPath)
        logPath = root + "/containerd.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/containerd")
        process.arguments = ["--config", configPath]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits until the gRPC socket accepts connections (throws with the log after `timeout`).
    func waitUntilReady(timeout: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if process.isRunning, ctr(["version"]).status == 0 { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw TestFailure("containerd did not become ready:\n\(log.suffix(3000))")
    }

    /// `ctr --address <socket> [--namespace k8s.io] <arguments>`.
    func ctr(_ arguments: [String], namespace: String? = "k8s.io") -> (status: Int32, output: String) {
        run("/usr/bin/ctr", ["--address", config.socketPath] + (namespace.map { ["--namespace", $0] } ?? []) + arguments)
    }

    /// Image names in the k8s.io namespace, without the `sha256:<id>` references the CRI plugin
    /// adds for every image it sees.
    func imageNames() -> [String] {
        ctr(["images", "ls", "-q"]).output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("sha256:") }.sorted()
    }

    /// SIGTERM to containerd's PID, SIGKILL after 10 s; then unmounts anything left under the
    /// temporary directory and removes it.
    func cleanUp() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        unmountAll(under: root)
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Unmounts (lazily, deepest first) every mount point under `root`.
func unmountAll(under root: String) {
    guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return }
    let points = table.split(separator: "\n").compactMap { line -> String? in
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { return nil }
        let point = fields[4].replacingOccurrences(of: "\\040", with: " ")
        return point.hasPrefix(root + "/") ? point : nil
    }
    for point in points.sorted(by: { $0.count > $1.count }) { umount2(point, Int32(MNT_DETACH)) }
}

func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = "/tmp/swiftlet-\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a tool and returns its status and combined output.
@discardableResult
func run(_ executable: String, _ arguments: [String], cwd: String? = nil) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `.build/<triple>/debug`, where SwiftPM puts the products next to the test runner.
let buildDirectory: String? = {
    guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    return URL(fileURLWithPath: exe).deletingLastPathComponent().path
}()

/// The built `swiftlet-pause`, or nil when it was not built.
var pauseBinaryPath: String? {
    guard let path = buildDirectory.map({ $0 + "/swiftlet-pause" }), FileManager.default.isExecutableFile(atPath: path) else {
        return nil
    }
    return path
}
