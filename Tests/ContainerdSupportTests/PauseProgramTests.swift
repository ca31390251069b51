import Foundation
import SwiftletInfo
import Testing

/// The built `swiftlet-pause`: prints its version, runs until SIGTERM or SIGINT, then exits 0.
@Suite(.enabled(if: pauseBinaryPath != nil, "swiftlet-pause is not built"))
struct PauseProgramTests {
    @Test func printsItsVersion() throws {
        let result = run(try #require(pauseBinaryPath), ["-v"])
        #expect(result.status == 0)
        #expect(result.output == "swiftlet-pause \(SwiftletVersion.current)\n")
    }

    @Test func isStaticallyLinked() throws {
        let result = run("/usr/bin/file", ["-L", try #require(pauseBinaryPath)])
        #expect(result.output.contains("statically linked"), "\(result.output)")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func exitsZeroOnSignal(signal: Int32) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(pauseBinaryPath))
        process.standardError = FileHandle.nullDevice
        try process.run()
        // It keeps running until signalled.
        usleep(200_000)
        #expect(process.isRunning)
        kill(process.processIdentifier, signal)
        // Bounded: a pause that ignores the signal fails the test instead of hanging it.
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("swiftlet-pause ignored signal \(signal)")
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    /// As PID 1 of a PID namespace it reaps the orphans it inherits: a shell starts `sleep` in the
    /// background and execs pause; once the sleep ends, no zombie is left under pause.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
    func reapsOrphansAsPIDOne() throws {
        let pause = try #require(pauseBinaryPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--pid", "--fork", "/bin/sh", "-c", "sleep 0.3 & exec \(pause)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var pausePID: Int32?
        for _ in 0..<50 where pausePID == nil {
            pausePID = children(of: process.processIdentifier).first { command(of: $0) == "swiftlet-pause" }
            if pausePID == nil { usleep(20_000) }
        }
        let pid = try #require(pausePID)
        #expect(children(of: pid).count == 1)  // the sleep, inherited from the shell
        usleep(1_000_000)
        #expect(children(of: pid).isEmpty, "pause left a zombie: \(children(of: pid).map { (try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8)) ?? "" })")
        kill(pid, SIGTERM)
    }

    private func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    private func command(of pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
