import Foundation

/// Runs `nft` to apply, check or remove the proxy's table.
///
/// `launcher` prefixes the command: tests and the benchmark pass `["unshare", "--net"]` so nft
/// works on a private network namespace and never on the host's ruleset.
public struct NFTables: Sendable {
    /// Absolute path of `nft`.
    public var nftPath: String
    /// Absolute path and arguments run before `nft` (empty: nft itself).
    public var launcher: [String]

    public init(nftPath: String? = nil, launcher: [String] = []) {
        self.nftPath = nftPath ?? NFTables.find("nft") ?? "/usr/sbin/nft"
        self.launcher = launcher
    }

    /// Applies `text` as one transaction (`nft -f -`).
    /// - Throws: `ProxyError` with nft's stderr when nft refuses the text, or when nft is missing.
    public func apply(_ text: String) throws(ProxyError) {
        try run(["-f", "-"], input: text)
    }

    /// Checks `text` without applying it (`nft -c -f -`).
    public func check(_ text: String) throws(ProxyError) {
        try run(["-c", "-f", "-"], input: text)
    }

    /// Deletes the table generated with `options` (nothing happens when it does not exist).
    public func cleanup(options: RulesetOptions) throws(ProxyError) {
        try apply(RulesetGenerator(options: options).cleanupText())
    }

    /// `nft -f -` with `input` on stdin; stderr is captured for the error.
    func run(_ arguments: [String], input: String) throws(ProxyError) {
        guard FileManager.default.isExecutableFile(atPath: nftPath) else { throw .nftMissing(nftPath) }
        let process = Process()
        let command = launcher + [nftPath] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let stdin = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ProxyError("cannot start \(command[0]): \(error)")
        }
        // Read stderr while writing: a large ruleset with many errors could fill both pipes.
        let collected = ErrorCollector(handle: stderr.fileHandleForReading)
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let message = collected.wait()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .nftFailed(command.joined(separator: " "), status: process.terminationStatus, stderr: message)
        }
    }

    /// The first executable `name` on PATH (or the sbin directories, which a non-login PATH may lack).
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Drains a pipe on a thread of its own and hands back what it read.
private final class ErrorCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> String {
        done.wait()
        // Cap the message: nft repeats the offending line for every error.
        return String(decoding: data.prefix(4_096), as: UTF8.self)
    }
}
