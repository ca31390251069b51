#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whole-file reads on POSIX calls, for the modules that run without Foundation (and for files
/// Foundation reads badly: `/proc` files report size 0, and inside a systemd-nspawn container
/// `String(contentsOfFile:)` returned nothing for /proc/self/mountinfo).
public enum WholeFile {
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        /// open or read failed with this errno.
        case system(Int32)
        /// The file holds more than the caller's limit.
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .system(let code): String(cString: strerror(code))
            case .tooLarge(let limit): "larger than \(limit) bytes"
            }
        }
    }

    /// The bytes of the file at `path` from byte `offset` on (all of it by default), read until
    /// end of file.
    /// - Throws: `ReadError.system` when it cannot be opened, positioned or read (a directory
    ///   too), `ReadError.tooLarge` past `limit` bytes.
    public static func read(_ path: String, from offset: UInt64 = 0, limit: Int = .max) throws(ReadError) -> [UInt8] {
        let file = try ReadOnlyFile(path: path)
        if offset > 0 { try file.seek(to: Int(offset)) }
        return try file.readToEnd(limit: limit)
    }
}

extension WholeFile {
    /// The file's text, or nil when it cannot be read or is not valid UTF-8 (what
    /// `try? String(contentsOfFile:encoding: .utf8)` gave, on POSIX calls).
    public static func text(_ path: String, limit: Int = .max) -> String? {
        guard let bytes = try? read(path, limit: limit) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
