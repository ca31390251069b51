import FoundationEssentials
import Glibc
import KubeAPI
import SwiftletSystem

/// Container log rotation as upstream's kubelet does it (containerLogMaxSize, containerLogMaxFiles):
/// when a running container's log file grows past the size, it is renamed to
/// `<log>.<YYYYMMDD-hhmmss>` and the runtime reopens the original path; the oldest rotated files go
/// so that the current file and the rotated ones are at most `maxFiles`. `kubectl logs` reads the
/// current file, as upstream. Rotated files are not compressed (upstream gzips all but the newest).
/// The planning is pure; `NodeAgent+LogRotation` does the file work.
public enum LogRotation {
    /// The name a log gets when rotated at `date` (UTC, upstream's `20060102-150405`).
    public static func rotatedPath(of logPath: String, at date: Date) -> String {
        // `2006-01-02T15:04:05Z` -> `20060102-150405`.
        let digits = Timestamp.format(date).filter(\.isNumber)
        return "\(logPath).\(digits.prefix(8))-\(digits.dropFirst(8))"
    }

    /// The rotated files of `logPath` among `names` (file names in its directory), oldest first.
    public static func rotatedFiles(of logPath: String, in names: [String]) -> [String] {
        let base = PathName.lastComponent(of: logPath) + "."
        let directory = PathName.directory(of: logPath)
        return names.filter { name in
            guard name.hasPrefix(base) else { return false }
            let stamp = name.dropFirst(base.count).prefix { $0 != "." }
            return stamp.count == 15 && stamp.allSatisfy { $0.isNumber || $0 == "-" }
        }.sorted().map { directory + "/" + $0 }
    }

    /// The rotated files to delete before rotating once more, so that afterwards at most
    /// `maxFiles` remain counting the new current file (upstream's minimum is 2).
    public static func excess(rotated: [String], maxFiles: Int) -> [String] {
        let keep = max(0, maxFiles - 2)
        return Array(rotated.dropLast(keep))
    }
}
