import SwiftletJSON
import SwiftletSystem

/// The outcome of one external command.
public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// stderr's last non-empty line (tools put the reason there), else stdout's.
    public var reason: String {
        let lines = (stderr + "\n" + stdout).split(separator: "\n").map(\.trimmedSpaces)
        return lines.last { !$0.isEmpty } ?? "exit status \(status)"
    }
}

/// Runs external tools (`ctr`, `zstd`, `gzip`) without a shell: arguments are passed as is.
enum CommandRunner {
    /// Runs `executable` with `arguments`, stdin from `stdinPath` (or /dev/null) and stdout to
    /// `stdoutPath` when given (else captured); kills it after `timeout`.
    static func run(_ executable: String, _ arguments: [String], stdinPath: String? = nil, stdoutPath: String? = nil,
                    timeout: Duration = .seconds(300)) throws -> CommandResult {
        let result: CapturedCommand.Result
        do {
            result = try CapturedCommand.run([executable] + arguments, stdinPath: stdinPath ?? "/dev/null",
                                             stdoutPath: stdoutPath, timeout: timeout, outputLimit: 16 << 20)
        } catch {
            throw TarError(error.description)
        }
        if result.timedOut { throw TarError("\(executable) did not finish within \(timeout)") }
        return CommandResult(status: result.status,
                             stdout: String(decoding: result.stdout, as: UTF8.self),
                             stderr: String(decoding: result.stderr, as: UTF8.self))
    }
}
