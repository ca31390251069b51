@testable import APIServer
import KubeAPI
import Testing

/// The helpers that replaced full Foundation in the apiserver keep Foundation's answers.
struct APIServerMainTests {
    /// NSString's `deletingLastPathComponent`, which the database directory used to come from.
    @Test(arguments: [
        ("/var/lib/swiftlet/db/state.db", "/var/lib/swiftlet/db"),
        ("/var/lib/swiftlet/db/", "/var/lib/swiftlet"),
        ("/var//lib//state.db", "/var/lib"),
        ("a//b", "a"),
        ("//x", "/"),
        ("/state.db", "/"),
        ("/", "/"),
        ("state.db", ""),
        ("relative/state.db", "relative"),
    ])
    func parentDirectory(path: String, expected: String) {
        #expect(APIServerMain.parentDirectory(of: path) == expected)
    }

    /// `trimmingCharacters(in: .whitespaces)`: spaces and tabs go, line breaks stay.
    @Test(arguments: [
        ("  application/json\t", "application/json"),
        ("\u{00A0}text/plain ", "text/plain"),
        ("\nkeep\n", "\nkeep\n"),
        ("   ", ""),
        ("", ""),
    ])
    func trimmedSpaces(text: String, expected: String) {
        #expect(text.trimmedSpaces == expected)
    }
}
