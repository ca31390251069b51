import SwiftletYAML
import Testing

@Suite("YAML composer (libyaml)")
struct YAMLComposerTests {
    @Test func composesMappingsSequencesAndScalarStyles() throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: local
              cluster: {server: "https://127.0.0.1:6443", insecure: true}
            mode: 0644
            quoted: 'it''s'
            block: |
              line one
              line two
            folded: >
              a
              b
            tagged: !!str 12
            empty:
            """
        let root = try #require(try YAML.compose(text))
        #expect(root["kind"]?.string == "Config")
        #expect(root["mode"]?.scalar == YAMLScalar("0644"))
        #expect(root["quoted"]?.scalar == YAMLScalar("it's", style: .singleQuoted))
        #expect(root["block"]?.scalar == YAMLScalar("line one\nline two\n", style: .literal))
        #expect(root["folded"]?.scalar == YAMLScalar("a b\n", style: .folded))
        #expect(root["tagged"]?.scalar == YAMLScalar("12", tag: YAMLScalar.stringTag))
        #expect(root["empty"]?.isNull == true)
        let cluster = try #require(root["clusters"]?.sequence?.first)
        #expect(cluster["name"]?.string == "local")
        #expect(cluster["cluster"]?["server"]?.scalar == YAMLScalar("https://127.0.0.1:6443", style: .doubleQuoted))
        #expect(root.mapping?.map { $0.key.string ?? "" } ==
                ["apiVersion", "kind", "clusters", "mode", "quoted", "block", "folded", "tagged", "empty"])
    }

    @Test func documentsOfAStream() throws {
        let documents = try YAML.composeAll("a: 1\n---\n---\n- x\n- y\n...\n")
        #expect(documents.count == 3)
        #expect(documents[0]["a"]?.string == "1")
        #expect(documents[1].isNull)
        #expect(documents[2].sequence?.compactMap(\.string) == ["x", "y"])
        #expect(try YAML.composeAll("").isEmpty)
        #expect(try YAML.compose("# only a comment\n") == nil)
        #expect(throws: YAMLError.self) { try YAML.compose("a: 1\n---\nb: 2\n") }
    }

    @Test func aliasesAreResolved() throws {
        let root = try #require(try YAML.compose("base: &b {x: 1, y: [2, 3]}\ncopy: *b\nname: &n web\nother: *n\n"))
        #expect(root["copy"]?["y"]?.sequence?.compactMap(\.string) == ["2", "3"])
        #expect(root["other"]?.string == "web")
    }

    @Test func duplicateKeysKeepOrderAndTheLastWinsOnLookup() throws {
        let root = try #require(try YAML.compose("a: 1\na: 2\n"))
        #expect(root.mapping?.count == 2)
        #expect(root["a"]?.string == "2")
    }

    /// Nine levels of nine aliases each would expand to 9^9 nodes: refused, quickly.
    @Test func aliasBombIsRefused() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        #expect {
            try YAML.compose(text)
        } throws: { error in
            "\(error)".contains("aliases expanded")
        }
    }

    @Test(arguments: [
        ("a: [unclosed", "line 2, column 1: did not find expected ',' or ']'"),
        ("a: 1\n b: 2\n", "mapping values are not allowed"),
        ("key: \"open", "found unexpected end of stream"),
        ("a: *missing\n", "unknown alias *missing"),
        ("\t- tab", "found character that cannot start any token"),
        ("a: \u{1}b", "control characters are not allowed"),
    ])
    func invalidYAMLNamesTheProblemAndPosition(text: String, expected: String) {
        #expect {
            try YAML.composeAll(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    /// Text reaches the parser as valid UTF-8 (a Swift String); replacement characters are text.
    @Test func repairedUTF8IsText() throws {
        let text = String(decoding: [0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a] as [UInt8], as: UTF8.self)
        #expect(try YAML.compose(text)?["a"]?.string == "\u{FFFD}\u{FFFD}")
    }
}
