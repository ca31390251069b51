import FoundationEssentials
import Glibc
import KubeAPI
import SwiftletSystem

/// One file of a volume's payload: its bytes and permission bits.
public struct VolumeFile: Sendable, Equatable {
    public var data: [UInt8]
    public var mode: UInt16

    public init(data: [UInt8], mode: UInt16 = 0o644) {
        self.data = data
        self.mode = mode
    }

    public init(_ text: String, mode: UInt16 = 0o644) {
        self.init(data: Array(text.utf8), mode: mode)
    }
}

/// A payload that cannot be written (a path escaping the volume, a file system error).
public struct AtomicWriterError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Writes a set of files into a directory so that a reader never sees a half-updated set, with the
/// layout of upstream's `pkg/volume/util/atomic_writer.go`:
///
/// ```
/// <dir>/..2026_11_29_02_00_00.123456789   the payload (one directory per version)
/// <dir>/..data -> ..2026_11_29_02_00_00.123456789   swapped with one rename(2)
/// <dir>/<key>  -> ..data/<key>             what users see; stable across versions
/// ```
///
/// An update writes a new version directory, renames a fresh `..data_tmp` symlink over `..data`
/// (atomic), adds links for new top-level names, removes links of names that left the payload and
/// then the old version directory. A payload equal to what `..data` shows writes nothing.
public struct AtomicWriter: Sendable {
    public static let dataDirName = "..data"
    static let newDataDirName = "..data_tmp"

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Validates a payload path as upstream does: relative, no `..` element, not starting with `..`.
    public static func validate(path: String) throws(AtomicWriterError) {
        if path.isEmpty { throw AtomicWriterError("invalid path: must not be empty") }
        if path.hasPrefix("/") { throw AtomicWriterError("invalid path: must be relative path: \(path)") }
        if path.hasPrefix("..") { throw AtomicWriterError("invalid path: must not start with '..': \(path)") }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            throw AtomicWriterError("invalid path: must not contain '..': \(path)")
        }
    }

    /// Makes the directory show exactly `payload` (relative path -> file). Returns whether
    /// anything changed.
    @discardableResult
    public func write(_ payload: [String: VolumeFile], now: Date = Date()) throws(AtomicWriterError) -> Bool {
        for path in payload.keys { try Self.validate(path: path) }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw AtomicWriterError("cannot create \(directory): \(error)")
        }
        let dataLink = directory + "/" + Self.dataDirName
        let oldVersion = try? fm.destinationOfSymbolicLink(atPath: dataLink)
        if let oldVersion, current(version: oldVersion) == payload {
            try linkUserVisible(payload)
            return false
        }
        // A version directory named after the time, made unique like MkdirTemp does.
        // `2006-01-02T15:04:05Z` -> `..2006_01_02_15_04_05.` (UTC), upstream's name.
        let stamp = String(Timestamp.format(now).dropLast().map { $0.isNumber ? $0 : "_" })
        var template = Array((directory + "/.." + stamp + ".XXXXXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw AtomicWriterError("cannot create a version directory in \(directory): errno \(errno)")
        }
        let versionPath = String(cString: made)
        let version = PathName.lastComponent(of: versionPath)
        chmod(versionPath, 0o755)
        do {
            for (path, file) in payload.sorted(by: { $0.key < $1.key }) {
                let full = versionPath + "/" + path
                try fm.createDirectory(atPath: PathName.directory(of: full), withIntermediateDirectories: true)
                guard fm.createFile(atPath: full, contents: Data(file.data)) else {
                    throw AtomicWriterError("cannot write \(full)")
                }
                // Explicit chmod: the file was created under the process umask.
                guard chmod(full, mode_t(file.mode)) == 0 else { throw AtomicWriterError("cannot chmod \(full): errno \(errno)") }
            }
        } catch {
            try? fm.removeItem(atPath: versionPath)
            throw error as? AtomicWriterError ?? AtomicWriterError("cannot write payload into \(versionPath): \(error)")
        }
        let tmpLink = directory + "/" + Self.newDataDirName
        unlink(tmpLink)
        guard symlink(version, tmpLink) == 0 else {
            try? fm.removeItem(atPath: versionPath)
            throw AtomicWriterError("cannot create \(tmpLink): errno \(errno)")
        }
        guard rename(tmpLink, dataLink) == 0 else {
            unlink(tmpLink)
            try? fm.removeItem(atPath: versionPath)
            throw AtomicWriterError("cannot swap \(dataLink): errno \(errno)")
        }
        try linkUserVisible(payload)
        removeStaleUserVisible(keeping: Set(payload.keys.map(Self.topLevel)))
        if let oldVersion, oldVersion != version, oldVersion.hasPrefix(".."), !oldVersion.contains("/") {
            try? fm.removeItem(atPath: directory + "/" + oldVersion)
        }
        return true
    }

    static func topLevel(_ path: String) -> String {
        String(path.split(separator: "/", maxSplits: 1).first ?? Substring(path))
    }

    /// The payload a version directory holds (regular files only), nil when unreadable.
    func current(version: String) -> [String: VolumeFile]? {
        let root = directory + "/" + version
        guard let subpaths = try? FileManager.default.subpathsOfDirectory(atPath: root) else { return nil }
        var found: [String: VolumeFile] = [:]
        for relative in subpaths {
            var info = stat()
            guard lstat(root + "/" + relative, &info) == 0 else { return nil }
            guard info.st_mode & S_IFMT == S_IFREG else { continue }
            guard let data = FileManager.default.contents(atPath: root + "/" + relative) else { return nil }
            found[relative] = VolumeFile(data: Array(data), mode: UInt16(info.st_mode & 0o7777))
        }
        return found
    }

    /// `<dir>/<top>` -> `..data/<top>` for every top-level name of the payload.
    func linkUserVisible(_ payload: [String: VolumeFile]) throws(AtomicWriterError) {
        for name in Set(payload.keys.map(Self.topLevel)) {
            let link = directory + "/" + name
            let target = Self.dataDirName + "/" + name
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target { continue }
            unlink(link)
            guard symlink(target, link) == 0 else { throw AtomicWriterError("cannot link \(link): errno \(errno)") }
        }
    }

    /// Removes user-visible links of names no longer in the payload (never anything else: the
    /// directory may hold files a previous writer did not make).
    func removeStaleUserVisible(keeping names: Set<String>) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where !entry.hasPrefix("..") && !names.contains(entry) {
            let path = directory + "/" + entry
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
               target.hasPrefix(Self.dataDirName + "/") {
                unlink(path)
            }
        }
    }
}
