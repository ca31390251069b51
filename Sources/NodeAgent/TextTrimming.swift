extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (line breaks kept), as Foundation's
    /// `trimmingCharacters(in: .whitespaces)` gave it; the kubelet runs without Foundation.
    var trimmedSpaces: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace && !$0.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
