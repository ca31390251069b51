/// NSString's path-name operations on plain strings, for the modules without Foundation.
/// Purely textual, like NSString's: nothing is looked up on disk.
public enum PathName {
    /// The path without its last component, as `NSString.deletingLastPathComponent`:
    /// `/a/b` → `/a`, `/a` → `/`, `a` → ``, `/` → `/`; trailing slashes are ignored.
    public static func directory(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let parent = withoutTrailingSlashes(String(trimmed[..<slash]))
        return parent.isEmpty ? "/" : parent
    }

    /// The last component, as `NSString.lastPathComponent`: `/a/b/` → `b`, `/` → `/`, `` → ``.
    public static func lastComponent(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// `path` without trailing slashes, except that a path of only slashes stays `/`.
    private static func withoutTrailingSlashes(_ path: String) -> String {
        var result = Substring(path)
        while result.count > 1, result.last == "/" { result = result.dropLast() }
        return String(result)
    }
}

/// Lower-case hex digits of `bytes`, two a byte (what `String(format: "%02x")` gave per byte).
public func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}
