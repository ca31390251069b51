#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The service manager the supervisor reports to (systemd's sd_notify). The default does nothing.
public protocol ServiceNotifier: Sendable {
    /// `READY=1`: every critical component is ready.
    func ready()
    /// `STATUS=<text>`.
    func status(_ text: String)
    /// `WATCHDOG=1`.
    func watchdog()
    /// `STOPPING=1`.
    func stopping()
    /// `RELOADING=1`: a configuration reload began (`ready()` ends it).
    func reloading()
    /// How often to call `watchdog()` (systemd: WatchdogSec/2); nil disables it.
    var watchdogInterval: Duration? { get }
}

/// A notifier for running without a service manager.
public struct NoServiceNotifier: ServiceNotifier {
    public init() {}
    public func ready() {}
    public func status(_ text: String) {}
    public func watchdog() {}
    public func stopping() {}
    public func reloading() {}
    public var watchdogInterval: Duration? { nil }
}

/// Descriptors a child's stdout and stderr are connected to.
public struct ChildOutputDescriptors: Sendable {
    public var stdout: Int32
    public var stderr: Int32
    /// Descriptors the supervisor closes after the spawn (the child holds its own copies).
    public var closeAfterSpawn: [Int32]

    public init(stdout: Int32, stderr: Int32, closeAfterSpawn: [Int32]) {
        self.stdout = stdout
        self.stderr = stderr
        self.closeAfterSpawn = closeAfterSpawn
    }
}

/// Where a component's output goes (journald streams, or prefixed lines on stderr).
public protocol ChildOutput: Sendable {
    /// Called before each spawn of `component`.
    func descriptors(for component: String) throws -> ChildOutputDescriptors
}

/// The default output: one pipe per child whose lines the supervisor copies to its own stderr
/// prefixed with `[component] `, so the logs of several children stay readable.
public struct PrefixedStderrOutput: ChildOutput {
    /// When set, each component's lines are also appended to `<logDirectory>/<component>.log`
    /// (what `swiftlet logs` reads without journald); the file is rotated to `.log.1` past `maxLogBytes`.
    public var logDirectory: String?
    public var maxLogBytes: Int

    public init(logDirectory: String? = nil, maxLogBytes: Int = 10 * 1024 * 1024) {
        self.logDirectory = logDirectory
        self.maxLogBytes = maxLogBytes
    }

    public func descriptors(for component: String) throws -> ChildOutputDescriptors {
        var fds: [Int32] = [0, 0]
        // Close-on-exec on both ends so no other child inherits them (dup2 into 1 and 2 clears it
        // for this child only); otherwise EOF would never come.
        guard pipe(&fds) == 0 else {
            throw SupervisionError("cannot create an output pipe for \(component): \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let readEnd = fds[0]
        let prefix = Array("[\(component)] ".utf8)
        let logFile = logDirectory.map { LogFile(path: "\($0)/\(component).log", maxBytes: maxLogBytes) }
        logFile?.append([])  // create it now: `swiftlet logs` then shows an empty log, not an error
        detachThread { Self.pump(readEnd, prefix: prefix, logFile: logFile) }
        return ChildOutputDescriptors(stdout: fds[1], stderr: fds[1], closeAfterSpawn: [fds[1]])
    }

    /// Copies lines from `fd` to stderr until EOF (every writer gone), then closes it.
    private static func pump(_ fd: Int32, prefix: [UInt8], logFile: LogFile?) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: 0x0A) {
                write(prefix + pending[...newline])
                logFile?.append(Array(pending[...newline]))
                pending.removeSubrange(...newline)
            }
            if pending.count > 64 * 1024 {
                write(prefix + pending + [0x0A])
                pending.removeAll()
            }
        }
        if !pending.isEmpty {
            write(prefix + pending + [0x0A])
            logFile?.append(pending + [0x0A])
        }
        logFile?.close()
        close(fd)
    }

    private static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}

/// An append-only component log with one rotation (`.log` -> `.log.1`), written by one pump thread.
final class LogFile: @unchecked Sendable {
    let path: String
    let maxBytes: Int
    private var fd: Int32 = -1
    private var size = 0

    init(path: String, maxBytes: Int) {
        self.path = path
        self.maxBytes = maxBytes
    }

    func append(_ bytes: [UInt8]) {
        if fd < 0 { open() }
        guard fd >= 0 else { return }
        if size + bytes.count > maxBytes {
            Glibc.close(fd)
            _ = rename(path, path + ".1")
            open()
            guard fd >= 0 else { return }
        }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written > 0 { size += written }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private func open() {
        try? POSIXFile.makeDirectories(POSIXFile.directory(of: path), mode: 0o700)
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        var info = stat()
        size = fd >= 0 && fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }
}
