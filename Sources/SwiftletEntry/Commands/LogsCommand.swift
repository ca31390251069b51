#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import SupervisorControl
import SwiftletCLI
import Supervision
import SwiftletSystem

/// `swiftlet logs <component>`: a component's output from journald (`journalctl -t
/// swiftlet-<component>`), or from `<run-dir>/logs/<component>.log`, which the supervisor writes
/// when journald is absent.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a component's log (journald, or <run-dir>/logs/<component>.log without it).")

    @OptionGroup var options: ControlOptions

    @Argument(help: "The component, e.g. apiserver.")
    var component: String

    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Keep printing new lines.")
    var follow = false

    @Option(name: .customLong("since"), help: "journalctl --since value, e.g. \"10 min ago\" or 2024-05-01 (journald only).")
    var since: String?

    @Option(name: [.customShort("n"), .customLong("lines")], help: "Show only the last N lines.")
    var lines: Int?

    func run() throws {
        let config = try options.resolve()
        let source: LogSource
        do {
            source = try LogSource.plan(component: component, follow: follow, since: since, lines: lines, runDir: config.runDir)
        } catch {
            throw ValidationError(error.message)
        }
        switch source {
        case .journal(let executable, let arguments):
            execute(executable, arguments: arguments, environment: currentEnvironment())
        case .file(let path):
            if since != nil { printLine("note: --since applies to journald only; showing the log file", to: .standardError) }
            try FileTail(path: path).run(lines: lines, follow: follow)
        case .unavailable(let message):
            printError(message)
            throw ExitCode.failure
        }
    }
}

/// Prints a file's last lines and, when following, what is appended later (starting over when the
/// file is truncated or replaced).
struct FileTail {
    let path: String
    static let pollInterval: Duration = .milliseconds(250)

    func run(lines: Int?, follow: Bool) throws {
        guard let data = try? WholeFile.read(path) else {
            printError("cannot open \(path)")
            throw ExitCode.failure
        }
        var offset = UInt64(data.count)
        let text = String(decoding: data, as: UTF8.self)
        writeStandardOutput(String(lastLines(of: text[...], count: lines)))
        guard follow else { return }
        var identity = Self.identity(of: path)
        while true {
            Self.sleep(Self.pollInterval)
            let current = Self.identity(of: path)
            if current.inode != identity.inode || current.size < offset {
                // Rotated or truncated: read the new file from its start.
                identity = current
                offset = 0
            }
            guard current.size > offset, let appended = try? WholeFile.read(path, from: offset) else { continue }
            offset += UInt64(appended.count)
            writeStandardOutput(bytes: appended)
        }
    }

    /// The inode and size of `path`, zeros when it cannot be read (e.g. between rotation steps).
    private static func identity(of path: String) -> (inode: UInt64, size: UInt64) {
        var info = stat()
        guard stat(path, &info) == 0 else { return (0, 0) }
        return (UInt64(info.st_ino), UInt64(info.st_size))
    }

    /// Blocks this (non-async) command's thread for `duration`.
    private static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
