#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open file read piece by piece with POSIX calls, where `WholeFile.read` would hold too much
/// at once (image archives, container logs followed as they grow). Replaces Foundation's
/// `FileHandle` for reading in the components that run without Foundation.
public final class ReadOnlyFile {
    private let fd: Int32
    public let path: String

    /// Opens `path` for reading.
    /// - Throws: `WholeFile.ReadError.system` with open's errno.
    public init(path: String) throws(WholeFile.ReadError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(errno) }
        self.path = path
    }

    deinit { close(fd) }

    /// The file's current size in bytes.
    public func size() throws(WholeFile.ReadError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(errno) }
        return Int(info.st_size)
    }

    /// Moves the position for the next sequential read.
    public func seek(to offset: Int) throws(WholeFile.ReadError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw .system(errno) }
    }

    /// Up to `count` bytes from the current position; empty at end of file.
    public func read(upTo count: Int) throws(WholeFile.ReadError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        while true {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system(errno)
            }
            bytes.removeLast(count - got)
            return bytes
        }
    }

    /// Everything from the current position to end of file.
    /// - Throws: `WholeFile.ReadError.tooLarge` once more than `limit` bytes were read.
    public func readToEnd(limit: Int = .max) throws(WholeFile.ReadError) -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let chunk = try read(upTo: 65_536)
            if chunk.isEmpty { return result }
            result += chunk
            if result.count > limit { throw .tooLarge(limit: limit) }
        }
    }

    /// Exactly `count` bytes at `offset` (the position is not moved), fewer only at end of file.
    public func read(at offset: Int, count: Int) throws(WholeFile.ReadError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset + filled)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system(errno)
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }
}
