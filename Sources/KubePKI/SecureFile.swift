#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers with exact permission control.
///
/// Foundation's writers create the file first and change its mode afterwards, which leaves a private key
/// readable for a moment; these helpers create the temporary file with its final mode and rename it into
/// place, so a reader sees either the old file or the complete new one, never a partial or open one.
enum SecureFile {
    /// Reads a whole file, or returns nil when it does not exist. Other failures (permissions, a
    /// directory in the way) are errors because "present but unreadable" must not look like "absent".
    static func readIfPresent(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw PKIError.io("open", path: path, errno: code)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PKIError.io("read", path: path, errno: errno)
            }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }

    /// Reads a UTF-8 text file, or nil when it does not exist.
    static func readTextIfPresent(_ path: String) throws -> String? {
        guard let bytes = try readIfPresent(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether something exists at `path` (any file type).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Atomically replaces `path` with `contents`, the new file having exactly `mode`.
    static func write(_ contents: [UInt8], to path: String, mode: mode_t) throws {
        let directory = parentDirectory(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = "\(directory)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // O_EXCL: never follow or reuse something an attacker placed at the temporary name.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd < 0 { throw PKIError.io("create", path: temporary, errno: errno) }
        var closed = false
        do {
            defer { if !closed { close(fd) } }
            // The umask may have removed bits from `mode`; fchmod sets it exactly (it only ever
            // widens what the umask narrowed, and the file is still private to us under its temp name).
            if fchmod(fd, mode) != 0 { throw PKIError.io("chmod", path: temporary, errno: errno) }
            var offset = 0
            while offset < contents.count {
                let written = contents.withUnsafeBytes { raw in
                    posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PKIError.io("write", path: temporary, errno: errno)
                }
                offset += written
            }
            if fsync(fd) != 0 { throw PKIError.io("fsync", path: temporary, errno: errno) }
            closed = true
            if close(fd) != 0 { throw PKIError.io("close", path: temporary, errno: errno) }
            if rename(temporary, path) != 0 { throw PKIError.io("rename to \(path)", path: temporary, errno: errno) }
            syncDirectory(directory)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Atomically replaces `path` with UTF-8 `text`.
    static func write(_ text: String, to path: String, mode: mode_t) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Flushes a directory so a completed rename survives a power cut; best effort, since some file
    /// systems refuse fsync on directories and the data itself is already on disk.
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Creates `path` and missing parents. New directories get `mode`; existing ones are left alone.
    static func makeDirectories(_ path: String, mode: mode_t) throws {
        if path.isEmpty || exists(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent, mode: 0o755) }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw PKIError.io("mkdir", path: path, errno: errno)
        }
    }

    /// The directory part of `path` ("." for a bare name, "/" for a file in the root).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}

/// `write(2)`, named so it does not clash with the static `write` helpers above.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

extension SecureFile {
    /// Removes permission bits beyond `mode` from an existing file (e.g. a key copied in with 0644).
    /// Never widens; does nothing when the mode is already within `mode`.
    static func restrictMode(_ path: String, to mode: mode_t) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PKIError.io("stat", path: path, errno: errno) }
        let current = info.st_mode & 0o7777
        let restricted = current & mode
        if restricted != current, chmod(path, restricted) != 0 {
            throw PKIError.io("chmod", path: path, errno: errno)
        }
    }
}
