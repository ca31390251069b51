#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `text` to stderr unbuffered (the components have no Foundation `FileHandle`).
public func writeStandardError(_ text: String) {
    _ = writeAll(2, Array(text.utf8))
}

/// Writes `text` to stdout unbuffered, so nothing is left in a buffer when the process then
/// execs another program or exits (the CLI has no Foundation `FileHandle`).
public func writeStandardOutput(_ text: String) {
    _ = writeAll(1, Array(text.utf8))
}

/// Writes `bytes` to stdout unbuffered.
public func writeStandardOutput(bytes: [UInt8]) {
    _ = writeAll(1, bytes)
}

/// Writes all of `bytes` to `fd`, retrying after EINTR and short writes; false when a write failed
/// (e.g. EPIPE: the reader went away).
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var remaining = bytes[...]
    while !remaining.isEmpty {
        let count = remaining.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return false }
        remaining = remaining.dropFirst(count)
    }
    return true
}
