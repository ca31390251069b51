import Supervision
import SupervisorControl

/// Where `swiftlet logs <component>` reads from.
///
/// With journald (its socket `/run/systemd/journal/socket` exists) each component logs under the
/// identifier `swiftlet-<component>` and `journalctl -t` reads it. Without journald the supervisor
/// is expected to append each child's output to `<run-dir>/logs/<component>.log` (fallback mode);
/// that file is read when present.
public enum LogSource: Sendable, Equatable {
    /// Run `executable` (an absolute journalctl path) with `arguments` (argv[0] included).
    case journal(executable: String, arguments: [String])
    /// Print (and with `follow`, keep printing) this file.
    case file(path: String)
    /// Nothing to read; the message says why and what to do.
    case unavailable(String)

    /// journald's native socket; its presence means journald runs on this host.
    public static let journalSocket = "/run/systemd/journal/socket"
    /// Absolute journalctl locations, tried in order (never a PATH lookup through a shell).
    public static let journalctlPaths = ["/usr/bin/journalctl", "/bin/journalctl"]

    /// The fallback log file of a component.
    public static func fallbackFile(runDir: String, component: String) -> String {
        (runDir.hasSuffix("/") ? runDir : runDir + "/") + "logs/\(component).log"
    }

    /// The journald identifier of a component's output.
    public static func identifier(component: String) -> String { "swiftlet-\(component)" }

    /// Chooses the source. `exists` and `isExecutable` are injected for tests.
    public static func plan(
        component: String, follow: Bool, since: String?, lines: Int?, runDir: String,
        exists: (String) -> Bool = { POSIXFile.exists($0) },
        isExecutable: (String) -> Bool = { POSIXFile.isExecutableFile($0) }
    ) throws(ControlError) -> LogSource {
        // The name becomes a file name and a journal field: keep it to what component names look like.
        guard !component.isEmpty, component.utf8.allSatisfy({ isNameByte($0) }), !component.hasPrefix("-") else {
            throw ControlError("invalid component name \"\(component)\": use lower-case letters, digits and '-'")
        }
        if let lines, lines < 0 { throw ControlError("-n must not be negative") }
        if exists(journalSocket), let journalctl = journalctlPaths.first(where: isExecutable) {
            var arguments = ["journalctl", "-t", identifier(component: component), "--no-pager"]
            if follow { arguments.append("--follow") }
            if let since { arguments += ["--since", since] }
            if let lines { arguments += ["--lines", String(lines)] }
            return .journal(executable: journalctl, arguments: arguments)
        }
        let file = fallbackFile(runDir: runDir, component: component)
        if exists(file) { return .file(path: file) }
        if exists(journalSocket) {
            return .unavailable("journald runs but journalctl is not installed (looked in \(journalctlPaths.joined(separator: ", "))), and there is no log file at \(file)")
        }
        return .unavailable("no logs for \(component): journald is not running and there is no log file at \(file)")
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-")
    }
}

/// The last `count` lines of `text` (all of it when `count` is nil).
public func lastLines(of text: Substring, count: Int?) -> Substring {
    guard let count else { return text }
    if count == 0 { return text[text.endIndex...] }
    var index = text.endIndex
    // A final newline ends the last line rather than starting an empty one.
    if index > text.startIndex, text[text.index(before: index)] == "\n" { index = text.index(before: index) }
    var seen = 0
    while index > text.startIndex {
        let previous = text.index(before: index)
        if text[previous] == "\n" {
            seen += 1
            if seen == count { return text[index...] }
        }
        index = previous
    }
    return text
}
