import Foundation
import Testing
import SupervisorControl
import SwiftletCLI

/// `swiftlet kubectl` and `swiftlet logs` hand over to another program with exec, and `logs -f`
/// follows a file: checked on the built binary with fake tools in a temporary directory.
@Suite(.serialized) struct CLIPassthroughTests {
    /// Writes an executable shell script through a close-on-exec descriptor: a process that a
    /// parallel test spawns meanwhile must not keep it open for writing, or executing the script
    /// fails with ETXTBSY ("Text file busy").
    static func script(_ path: String, _ body: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        chmod(path, 0o755)
    }

    @Test func kubectlExitStatusArgumentsAndKubeconfigComeThrough() async throws {
        let dir = try TemporaryDirectory()
        let bin = dir.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
        try Self.script(bin + "/kubectl", #"printf '%s|' "$0" "$KUBECONFIG" "$@"; echo; echo oops >&2; exit 7"#)
        let kubeconfig = dir.path + "/admin.yaml"
        var result = try await CLITests.swiftlet(["kubectl", "get", "pods", "-A", "--output=name"], dir: dir.path,
                                                 extra: ["PATH": bin, "SWIFTLET_WRITE_KUBECONFIG": kubeconfig])
        // A process spawned by a parallel test between our open and its exec holds the script
        // open for a moment; the kernel then refuses to run it. Try again, a few times.
        for _ in 0..<5 where result.status == 127 && result.stderr.contains("Text file busy") {
            try await Task.sleep(for: .milliseconds(100))
            result = try await CLITests.swiftlet(["kubectl", "get", "pods", "-A", "--output=name"], dir: dir.path,
                                                 extra: ["PATH": bin, "SWIFTLET_WRITE_KUBECONFIG": kubeconfig])
        }
        #expect(result.status == 7)
        #expect(result.stdout == "\(bin)/kubectl|\(kubeconfig)|get|pods|-A|--output=name|\n")
        #expect(result.stderr == "oops\n")
    }

    @Test func kubectlDirectoryOnPathIsSkipped() async throws {
        let dir = try TemporaryDirectory()
        // A directory named kubectl is not a program: the next PATH entry is used.
        try FileManager.default.createDirectory(atPath: dir.path + "/first/kubectl", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/second", withIntermediateDirectories: false)
        try Self.script(dir.path + "/second/kubectl", "exit 0")
        #expect(KubectlLauncher.locate(pathVariable: "\(dir.path)/first:relative:\(dir.path)/second")
            == dir.path + "/second/kubectl")
        #expect(KubectlLauncher.locate(pathVariable: nil, isExecutable: { _ in false }) == nil)
    }

    @Test func kubectlThatCannotBeExecutedExits127WithTheReason() async throws {
        let dir = try TemporaryDirectory()
        let bin = dir.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
        // Executable, but its interpreter does not exist: execve fails with ENOENT.
        try "#!/nonexistent/interpreter\n".write(toFile: bin + "/kubectl", atomically: false, encoding: .utf8)
        chmod(bin + "/kubectl", 0o755)
        let result = try await CLITests.swiftlet(["kubectl", "version"], dir: dir.path, extra: ["PATH": bin])
        #expect(result.status == 127)
        #expect(result.stderr == "Error: cannot run \(bin)/kubectl: No such file or directory\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func kubectlMissingIsAClearError() async throws {
        // Only checkable where kubectl is not installed at the fallback path.
        guard !FileManager.default.fileExists(atPath: KubectlLauncher.fallbackPath) else { return }
        let dir = try TemporaryDirectory()
        let result = try await CLITests.swiftlet(["kubectl", "version"], dir: dir.path, extra: ["PATH": dir.path])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: kubectl not found on PATH or at /usr/bin/kubectl; install kubectl\n")
    }

    @Test func logsFollowPrintsAppendedAndRotatedLines() async throws {
        guard !FileManager.default.fileExists(atPath: LogSource.journalSocket) else { return }
        let dir = try TemporaryDirectory()
        let log = dir.path + "/logs/apiserver.log"
        try FileManager.default.createDirectory(atPath: dir.path + "/logs", withIntermediateDirectories: false)
        try "one\ntwo\n".write(toFile: log, atomically: false, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["logs", "apiserver", "--run-dir", dir.path, "-f", "-n", "1"]
        process.environment = CLITests.environment(dir.path)
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let pid = process.processIdentifier
        defer {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        let reader = PipeReader(fd: out.fileHandleForReading.fileDescriptor)
        #expect(try await reader.read(until: "two\n") == "two\n")

        let handle = try #require(FileHandle(forWritingAtPath: log))
        handle.seekToEndOfFile()
        handle.write(Data("three\n".utf8))
        try handle.close()
        #expect(try await reader.read(until: "three\n") == "two\nthree\n")

        // Replaced by a new file (rotation): printed from its start.
        try "new\n".write(toFile: log, atomically: true, encoding: .utf8)
        #expect(try await reader.read(until: "new\n") == "two\nthree\nnew\n")
    }
}

/// Reads a pipe until the text read so far ends with a marker, failing after a deadline.
final class PipeReader: @unchecked Sendable {
    let fd: Int32
    private var text = ""

    init(fd: Int32) { self.fd = fd }

    func read(until suffix: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await offPool { [self] in
            let deadline = ContinuousClock.now + timeout
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !text.hasSuffix(suffix) {
                guard ContinuousClock.now < deadline else { throw ControlError("no \(suffix.debugDescription) after \(text.debugDescription)") }
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 100) > 0 else { continue }
                let count = Glibc.read(fd, &buffer, buffer.count)
                guard count > 0 else { throw ControlError("end of output after \(text.debugDescription)") }
                text += String(decoding: buffer[..<count], as: UTF8.self)
            }
            return text
        }
    }
}
