import ArgumentParser
import Foundation
import SupervisorControl
import SwiftletCLI
import Supervision

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
            execute(executable, arguments: arguments, environment: ProcessInfo.processInfo.environment)
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
        guard let handle = FileHandle(forReadingAtPath: path) else {
            printError("cannot open \(path)")
            throw ExitCode.failure
        }
        let data = handle.readDataToEndOfFile()
        var offset = UInt64(data.count)
        let text = String(decoding: data, as: UTF8.self)
        FileHandle.standardOutput.write(Data(lastLines(of: text[...], count: lines).utf8))
        guard follow else { return }
        var identity = Self.identity(of: path)
        while true {
            Thread.sleep(forTimeInterval: 0.25)
            let current = Self.identity(of: path)
            if current.inode != identity.inode || current.size < offset {
                // Rotated or truncated: read the new file from its start.
                identity = current
                offset = 0
            }
            guard current.size > offset, let reader = FileHandle(forReadingAtPath: path) else { continue }
            try reader.seek(toOffset: offset)
            let appended = reader.readDataToEndOfFile()
            try? reader.close()
            offset += UInt64(appended.count)
            FileHandle.standardOutput.write(appended)
        }
    }

    private static func identity(of path: String) -> (inode: UInt64, size: UInt64) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return ((attributes?[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
                (attributes?[.size] as? NSNumber)?.uint64Value ?? 0)
    }
}
