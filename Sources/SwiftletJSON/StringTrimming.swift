extension StringProtocol {
    /// The text without leading and trailing whitespace (spaces, tabs, line breaks and the other
    /// Unicode white space), as Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// gives it; here because Swiftlet's components run without Foundation.
    public var trimmedWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
