extension StringProtocol {
    /// The text without leading and trailing whitespace (spaces, tabs, line breaks and the other
    /// Unicode white space), as Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// gives it; here because Swiftlet's components run without Foundation.
    public var trimmedWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (white space other than line
    /// breaks), as Foundation's `trimmingCharacters(in: .whitespaces)` gives it.
    public var trimmedSpaces: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace && !$0.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
