import Foundation

/// Container log rotation as upstream's kubelet does it (containerLogMaxSize, containerLogMaxFiles):
/// when a running container's log file grows past the size, it is renamed to
/// `<log>.<YYYYMMDD-hhmmss>` and the runtime reopens the original path; the oldest rotated files go
/// so that the current file and the rotated ones are at most `maxFiles`. `kubectl logs` reads the
/// current file, as upstream. Rotated files are not compressed (upstream gzips all but the newest).
/// The planning is pure; `NodeAgent+LogRotation` does the file work.
public enum LogRotation {
    /// The name a log gets when rotated at `date` (UTC, upstream's `20060102-150405`).
    public static func rotatedPath(of logPath: String, at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(logPath).\(c.year ?? 0)\(two(c.month))\(two(c.day))-\(two(c.hour))\(two(c.minute))\(two(c.second))"
    }

    /// The rotated files of `logPath` among `names` (file names in its directory), oldest first.
    public static func rotatedFiles(of logPath: String, in names: [String]) -> [String] {
        let base = (logPath as NSString).lastPathComponent + "."
        let directory = (logPath as NSString).deletingLastPathComponent
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
