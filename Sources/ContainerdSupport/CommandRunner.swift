import Foundation

/// The outcome of one external command.
public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// stderr's last non-empty line (tools put the reason there), else stdout's.
    public var reason: String {
        let lines = (stderr + "\n" + stdout).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.last { !$0.isEmpty } ?? "exit status \(status)"
    }
}

/// Runs external tools (`ctr`, `zstd`, `gzip`) without a shell: arguments are passed as is.
enum CommandRunner {
    /// Runs `executable` with `arguments`, stdin from `stdinPath` (or /dev/null) and stdout to
    /// `stdoutPath` when given (else captured); kills it after `timeout`.
    static func run(_ executable: String, _ arguments: [String], stdinPath: String? = nil, stdoutPath: String? = nil,
                    timeout: Duration = .seconds(300)) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = try stdinPath.map { path in
            guard let handle = FileHandle(forReadingAtPath: path) else { throw TarError("cannot open \(path)") }
            return handle
        } ?? FileHandle.nullDevice
        let outPipe = Pipe(), errPipe = Pipe()
        var outFile: FileHandle?
        if let stdoutPath {
            _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil, attributes: [.posixPermissions: 0o600])
            guard let handle = FileHandle(forWritingAtPath: stdoutPath) else { throw TarError("cannot create \(stdoutPath)") }
            outFile = handle
            process.standardOutput = handle
        } else {
            process.standardOutput = outPipe
        }
        process.standardError = errPipe
        do {
            try process.run()
        } catch {
            throw TarError("cannot run \(executable): \(error.localizedDescription)")
        }
        // Read both pipes on their own threads so a chatty tool never blocks on a full pipe.
        let outBox = DataBox(), errBox = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(outPipe, outBox), (errPipe, errBox)] where !(pipe === outPipe && outFile != nil) {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        let (seconds, attoseconds) = timeout.components
        let deadline = DispatchTime.now() + .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            process.waitUntilExit()
            finished.signal()
        }
        var timedOut = false
        if finished.wait(timeout: deadline) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        group.wait()
        try? outFile?.close()
        let result = CommandResult(status: process.terminationStatus,
                                   stdout: String(decoding: outBox.data, as: UTF8.self),
                                   stderr: String(decoding: errBox.data, as: UTF8.self))
        if timedOut { throw TarError("\(executable) did not finish within \(timeout)") }
        return result
    }
}

/// Written by one reader thread, read after `DispatchGroup.wait()`.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
