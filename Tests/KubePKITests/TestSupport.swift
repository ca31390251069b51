import Foundation
import Testing
@testable import KubePKI

#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("kubepki-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The permission bits of `path`.
func permissions(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o7777
}

func contents(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}

func writeText(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// The result of running an external tool.
struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs an executable to completion and captures its output.
func run(_ executable: String, _ arguments: [String]) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    // kubectl must not pick up a real cluster config from the environment.
    process.environment = ["PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a large output cannot fill the pipe and deadlock the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

/// Options with fixed node IPs so tests never depend on this machine's interfaces.
func testOptions(
    nodeName: String = "node-a",
    tlsSANs: [String] = ["api.example.com", "192.0.2.10"],
    serviceCIDR: String = "10.43.0.0/16"
) -> PKIOptions {
    PKIOptions(
        nodeName: nodeName, nodeIPs: ["192.168.1.20", "fd00:1::20"], tlsSANs: tlsSANs, serviceCIDR: serviceCIDR)
}

/// Every file `ensure` must create, with its expected mode.
let expectedFiles: [(name: String, mode: mode_t)] = {
    var files: [(String, mode_t)] = []
    for stem in ["server-ca", "client-ca", "request-header-ca", "serving-kube-apiserver", "serving-kubelet"]
        + ClientIdentity.allCases.map(\.fileStem)
    {
        files.append(("\(stem).crt", 0o644))
        files.append(("\(stem).key", 0o600))
    }
    files.append(("service.key", 0o600))
    files.append(("service.pub", 0o644))
    return files
}()

/// Expects `body` to throw a `PKIError` of `kind` whose message mentions `mentioning` (if given).
func expectPKIError<R>(
    _ kind: PKIError.Kind,
    mentioning: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) {
    let error = #expect(throws: PKIError.self, sourceLocation: sourceLocation) { _ = try body() }
    guard let error else { return }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    if let mentioning {
        #expect(error.message.contains(mentioning), "\(error)", sourceLocation: sourceLocation)
    }
}
