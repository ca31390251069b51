import FoundationEssentials
import Glibc
import SwiftletSystem
import Logging

/// Imports the image tarballs of a directory into containerd, as K3s does with
/// `<data-dir>/agent/images/` on an air-gapped node.
///
/// Accepted: `.tar` (OCI layout or `docker save`), and the same compressed as `.tar.gz`/`.tgz` or
/// `.tar.zst`/`.tzst`. containerd 1.6's importer reads plain tar only, so compressed files are
/// decompressed first (gzip, zstd) into a temporary file beside the state file. Each file is
/// imported with `ctr --address <socket> --namespace k8s.io images import` (host platform,
/// unpacked into the CRI snapshotter), which names images as listed in `ImageArchiveNames`.
/// A file imported before and unchanged (size, modification time and SHA-256 as recorded in the
/// state file) is skipped. A broken file is reported and skipped; the others still import.
public struct ImageImporter: Sendable {
    public var socketPath: String
    /// JSON record of what was imported, by file path.
    public var statePath: String
    public var namespace = "k8s.io"
    public var snapshotter = "overlayfs"
    public var ctrPath = "/usr/bin/ctr"
    public var gzipPath = "/bin/gzip"
    public var zstdPath = "/usr/bin/zstd"
    public var logger: Logger

    public init(socketPath: String, statePath: String, logger: Logger = Logger(label: "swiftlet.images")) {
        self.socketPath = socketPath
        self.statePath = statePath
        self.logger = logger
    }

    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// Imported files and the image names each gave, in file name order.
        public var imported: [(path: String, names: [String])] = []
        /// Files skipped because they were imported before and did not change.
        public var skipped: [String] = []
        /// Files that could not be imported, with the reason.
        public var failures: [(path: String, reason: String)] = []

        public var importedNames: [String] { imported.flatMap(\.names) }

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.imported.map(\.path) == rhs.imported.map(\.path) && lhs.importedNames == rhs.importedNames
                && lhs.skipped == rhs.skipped && lhs.failures.map(\.path) == rhs.failures.map(\.path)
        }
    }

    enum Compression: Equatable { case none, gzip, zstd }

    /// The compression implied by a file name, nil for files that are not image tarballs.
    static func compression(ofFileNamed name: String) -> Compression? {
        if name.hasPrefix(".") { return nil }
        if name.hasSuffix(".tar") { return Compression.none }
        if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") { return .gzip }
        if name.hasSuffix(".tar.zst") || name.hasSuffix(".tzst") { return .zstd }
        return nil
    }

    /// Imports every image tarball in `directory` (not recursive). A missing directory is empty.
    public func importDirectory(_ directory: String) -> Report {
        var report = Report()
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: directory) else { return report }
        var state = ImportState.load(statePath)
        for name in entries.sorted() {
            let path = directory + "/" + name
            var info = stat()
            guard let compression = Self.compression(ofFileNamed: name),
                  stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
                if !name.hasPrefix(".") { logger.debug("not an image tarball; ignored", metadata: ["file": "\(path)"]) }
                continue
            }
            do {
                let stamp = try FileStamp(path: path, previous: state.files[path])
                if let previous = state.files[path], previous.size == stamp.size, previous.sha256 == stamp.sha256 {
                    // Touched but not changed: remember the new time so the next run need not hash it.
                    if previous != stamp {
                        state.files[path] = stamp
                        try? state.save(statePath)
                    }
                    report.skipped.append(path)
                    continue
                }
                let names = try importFile(path, compression: compression)
                state.files[path] = stamp
                try state.save(statePath)
                report.imported.append((path, names))
                logger.info("imported images", metadata: ["file": "\(path)", "images": "\(names.joined(separator: ", "))"])
            } catch {
                report.failures.append((path, "\(error)"))
                logger.error("cannot import image tarball; skipped", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
        return report
    }

    /// Imports one file; returns the image names.
    func importFile(_ path: String, compression: Compression) throws -> [String] {
        var tarPath = path
        var temporary: String?
        defer { if let temporary { unlink(temporary) } }
        if compression != .none {
            let directory = PathName.directory(of: statePath)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let output = directory + "/.import-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tar"
            temporary = output
            let tool = compression == .gzip ? gzipPath : zstdPath
            let result = try CommandRunner.run(tool, compression == .gzip ? ["-dc"] : ["-dcq"], stdinPath: path, stdoutPath: output)
            guard result.status == 0 else {
                throw TarError("cannot decompress (\(PathName.lastComponent(of: tool))): \(result.reason)")
            }
            tarPath = output
        }
        let expected = try ImageArchiveNames.names(ofArchiveAt: tarPath)
        let result = try CommandRunner.run(ctrPath, [
            "--address", socketPath, "--namespace", namespace, "images", "import",
            "--snapshotter", snapshotter, tarPath,
        ])
        guard result.status == 0 else { throw TarError("ctr images import failed: \(result.reason)") }
        // ctr prints "unpacking <name> (<digest>)...done" per image it created.
        let printed = result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("unpacking "), let open = line.firstRange(of: " (sha256:") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 10)..<open.lowerBound])
        }
        return printed.isEmpty ? expected : printed
    }
}
