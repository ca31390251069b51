import FoundationEssentials
import SwiftletSystem

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
        let command = launcher + [nftPath] + arguments
        let result: CapturedCommand.Result
        do {
            // Cap the message: nft repeats the offending line for every error.
            result = try CapturedCommand.run(command, input: Array(input.utf8), outputLimit: 4_096)
        } catch {
            throw ProxyError("cannot start \(command[0]): \(error)")
        }
        guard result.status == 0 else {
            throw .nftFailed(command.joined(separator: " "), status: result.status,
                             stderr: String(decoding: result.stderr, as: UTF8.self))
        }
    }

    /// The first executable `name` on PATH (or the sbin directories, which a non-login PATH may lack).
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
