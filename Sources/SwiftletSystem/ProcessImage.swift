#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Handing this process over to another program with execve(2): same PID, same open files, the
/// other program's exit status becomes ours. What `swiftlet kubectl`, `swiftlet logs` (journalctl)
/// and `swiftlet server` (swiftlet-supervisor) do, without Foundation's `Process`.
public enum ProcessImage {
    /// Replaces this process with `executable` (an absolute path; no shell, no PATH lookup).
    /// `arguments` include argv[0]. `environment` nil keeps this process's environment.
    /// stdio buffers are flushed first. Returns only when exec failed, with its errno.
    public static func replace(with executable: String, arguments: [String], environment: [String: String]? = nil) -> Int32 {
        fflush(nil)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard let environment else {
            execv(executable, argv)
            return errno
        }
        let envp = environmentEntries(environment).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        execve(executable, argv, envp)
        return errno
    }

    /// `NAME=value` entries for `execve`, sorted for reproducibility; names with `=` or NUL and
    /// values with NUL cannot be passed and are dropped.
    public static func environmentEntries(_ environment: [String: String]) -> [String] {
        environment.filter { name, value in
            !name.isEmpty && !name.contains("=") && !name.utf8.contains(0) && !value.utf8.contains(0)
        }
        .map { "\($0.key)=\($0.value)" }
        .sorted()
    }
}
