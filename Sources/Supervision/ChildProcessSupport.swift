#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SwiftletSystem

/// Finds component executables without a shell or `PATH`: next to the running `swiftlet` binary
/// (a build directory or an unpacked tarball), else in the package's library directory.
public enum ExecutableLocator {
    /// Where the Debian package installs component executables.
    public static let systemDirectory = "/usr/lib/swiftlet"

    /// The absolute path of `name`.
    ///
    /// - Parameters:
    ///   - selfExecutable: the resolved path of the running binary (`/proc/self/exe`), nil if unknown.
    ///   - fallbackDirectories: searched in order after the binary's own directory.
    ///   - isExecutable: injected for tests; defaults to an `access(X_OK)` check on a regular file.
    public static func locate(
        _ name: String,
        selfExecutable: String?,
        fallbackDirectories: [String] = [systemDirectory],
        isExecutable: (String) -> Bool = ExecutableLocator.isExecutableFile
    ) throws -> String {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw SupervisionError("invalid executable name \"\(name)\"")
        }
        var directories: [String] = []
        if let selfExecutable, let slash = selfExecutable.lastIndex(of: "/") {
            directories.append(slash == selfExecutable.startIndex ? "/" : String(selfExecutable[..<slash]))
        }
        directories += fallbackDirectories
        for directory in directories {
            let candidate = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if isExecutable(candidate) { return candidate }
        }
        throw SupervisionError("cannot find the executable \(name) (looked in \(directories.joined(separator: ", ")))")
    }

    /// The running binary's path from `/proc/self/exe` (symbolic links resolved), nil elsewhere.
    public static func currentExecutable() -> String? {
        POSIXFile.linkTarget("/proc/self/exe")
    }

    /// True for an existing regular file the current user may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        POSIXFile.isExecutableFile(path)
    }
}

/// The environment a supervised component starts with.
public enum ChildEnvironment {
    /// Marks a process as started by the supervisor (also how a stale PID file is verified).
    public static let managedMarker = "SWIFTLET_MANAGED"

    /// Variables that belong to the supervisor alone: systemd's notification socket and watchdog
    /// (a child sending READY=1 or WATCHDOG=1 would speak for the whole service) and socket
    /// activation (the inherited descriptors are not the child's).
    public static let removedNames: Set<String> = [
        "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
    ]

    /// `environment` without the supervisor-only variables (also every `WATCHDOG_*`), plus the marker.
    public static func sanitized(_ environment: [String: String]) -> [String: String] {
        var result = environment.filter { name, _ in
            !removedNames.contains(name) && !name.hasPrefix("WATCHDOG_")
        }
        result[managedMarker] = "1"
        return result
    }

    /// `NAME=value` entries for `execve`, sorted for reproducibility; names with `=` or NUL are dropped.
    public static func envp(_ environment: [String: String]) -> [String] {
        ProcessImage.environmentEntries(environment)
    }
}
