#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Parsers for setting values. Each returns the parsed value or throws a message (the caller adds
/// the key and source), so bad input always gives a clear error and never a crash.
public enum SettingParsers {
    public struct Failure: Error, Equatable, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    /// A TCP port, 0 (pick a free one) to 65535.
    public static func port(_ text: String) throws -> Int {
        guard let value = Int(text.trimmed), (0...65535).contains(value) else {
            throw Failure("\"\(text)\" is not a port number (0-65535)")
        }
        return value
    }

    /// An IPv4 or IPv6 address in textual form.
    public static func ipAddress(_ text: String) throws -> String {
        let value = text.trimmed
        guard addressBytes(value) != nil else { throw Failure("\"\(text)\" is not an IP address") }
        return value
    }

    /// One CIDR (`10.42.0.0/16`) or a comma-separated dual-stack pair.
    public static func cidrList(_ text: String) throws -> String {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
        guard !parts.isEmpty, parts.count <= 2 else { throw Failure("\"\(text)\" must be one CIDR or two (dual-stack)") }
        for part in parts {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count == 2, let bytes = addressBytes(String(pieces[0])),
                  let prefix = Int(pieces[1]), (0...(bytes * 8)).contains(prefix)
            else { throw Failure("\"\(part)\" is not a CIDR (address/prefix-length)") }
        }
        return parts.joined(separator: ",")
    }

    /// `first-last` with 1 <= first <= last <= 65535.
    public static func portRange(_ text: String) throws -> String {
        let pieces = text.trimmed.split(separator: "-", omittingEmptySubsequences: false)
        guard pieces.count == 2, let first = Int(pieces[0]), let last = Int(pieces[1]),
              1 <= first, first <= last, last <= 65535
        else { throw Failure("\"\(text)\" is not a port range like 30000-32767") }
        return "\(first)-\(last)"
    }

    /// An octal file mode such as `0600`, `644` or `0o640`; permission bits only.
    public static func fileMode(_ text: String) throws -> UInt32 {
        var digits = Substring(text.trimmed)
        if digits.hasPrefix("0o") || digits.hasPrefix("0O") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ ("0"..."7").contains($0) }),
              let value = UInt32(digits, radix: 8), value <= 0o777
        else { throw Failure("\"\(text)\" is not an octal file mode like 0600") }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, as YAML 1.1 files and shells spell them).
    /// 0-1000 simulated nodes.
    public static func simulatedNodeCount(_ text: String) throws -> Int {
        guard let count = Int(text), (0...1000).contains(count) else {
            throw Failure("\"\(text)\" is not a node count (0-1000)")
        }
        return count
    }

    public static func bool(_ text: String) throws -> Bool {
        switch text.trimmed.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw Failure("\"\(text)\" is not a boolean (true or false)")
        }
    }

    /// A DNS-1123 subdomain: lower case letters, digits, `-` and `.`, at most 253 characters.
    public static func dnsSubdomain(_ text: String) throws -> String {
        let value = text.trimmed
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !value.isEmpty && value.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        }
        guard valid else {
            throw Failure("\"\(text)\" is not a valid DNS name (lower case letters, digits, '-' and '.')")
        }
        return value
    }

    /// `error`, `warning` (or `warn`), `notice`, `info`, `debug`, `trace`.
    public static func logLevel(_ text: String) throws -> Logger.Level {
        switch text.trimmed.lowercased() {
        case "warn": return .warning
        case let name:
            guard let level = Logger.Level(rawValue: name), level != .critical else {
                throw Failure("\"\(text)\" is not a log level (error, warning, notice, info, debug, trace)")
            }
            return level
        }
    }

    /// A non-empty path, made absolute against `workingDirectory`.
    public static func path(_ text: String, workingDirectory: String) throws -> String {
        let value = text.trimmed
        guard !value.isEmpty else { throw Failure("the path is empty") }
        guard !value.utf8.contains(0) else { throw Failure("the path contains a NUL byte") }
        let absolute = value.hasPrefix("/") ? value : workingDirectory + "/" + value
        return absolute.count > 1 && absolute.hasSuffix("/") ? String(absolute.dropLast()) : absolute
    }

    /// Splits list values on commas (as K3s does for string-slice flags), dropping empty items.
    /// The kubelet settings `--kubelet-arg` may give, as K3s passes them to its kubelet.
    public static let kubeletArgKeys = [
        "eviction-hard", "eviction-pressure-transition-period", "container-log-max-size", "container-log-max-files",
    ]

    /// `key=value` items (a leading `--` is allowed); the key must be one Swiftlet's kubelet
    /// understands, a later item wins. Durations are Go durations (`30s`, `5m`, `1m30s`).
    public static func kubeletArgs(_ items: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            let text = item.hasPrefix("--") ? String(item.dropFirst(2)) : item
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw Failure("\"\(item)\" is not key=value")
            }
            let key = String(text[..<eq])
            let value = String(text[text.index(after: eq)...])
            guard kubeletArgKeys.contains(key) else {
                throw Failure("\"\(key)\" is not a kubelet setting Swiftlet supports (\(kubeletArgKeys.joined(separator: ", ")))")
            }
            if key == "eviction-pressure-transition-period", goDurationSeconds(value) == nil {
                throw Failure("\"\(value)\" is not a duration such as 30s, 5m or 1m30s")
            }
            if key == "container-log-max-size", (byteSize(value) ?? 0) <= 0 {
                throw Failure("\"\(value)\" is not a size such as 10Mi, 512Ki or 1G")
            }
            if key == "container-log-max-files", (Int(value) ?? 0) < 2 {
                throw Failure("container-log-max-files must be a whole number of at least 2, not \"\(value)\"")
            }
            result[key] = value
        }
        return result
    }

    /// Bytes of a quantity such as `10Mi`, `512Ki`, `1G` or `4096` (binary and decimal suffixes
    /// up to Ti/T); nil for anything else.
    public static func byteSize(_ text: String) -> Int64? {
        let suffixes: [(String, Int64)] = [
            ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
            ("K", 1_000), ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return number.multipliedReportingOverflow(by: factor).overflow ? nil : number * factor
        }
        return Int64(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Seconds of a Go duration made of whole `h`, `m` and `s` parts (`1m30s`, `0s`); nil otherwise.
    public static func goDurationSeconds(_ text: String) -> Int? {
        guard !text.isEmpty else { return nil }
        var total = 0
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let value = Int(digits) else { return nil }
            switch character {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            digits = ""
        }
        return digits.isEmpty ? total : nil
    }

    public static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { String($0).trimmed }.filter { !$0.isEmpty }
    }

    /// The number of bytes of an IPv4 (4) or IPv6 (16) address, nil for anything else.
    static func addressBytes(_ text: String) -> Int? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return 4 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return 16 }
        return nil
    }
}

extension String {
    var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
