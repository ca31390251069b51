import KubeAPI
import Testing

@Suite struct YAMLConversionTests {
    @Test func coreSchemaScalars() throws {
        let doc = try JSON.yamlDocument("""
        a: 1
        b: "1"
        c: true
        d: "true"
        e: null
        f: 1.5
        g: yes
        h: [x, 2]
        """)
        #expect(doc == ["a": 1, "b": "1", "c": true, "d": "true", "e": .null, "f": 1.5, "g": "yes", "h": ["x", 2]])
    }

    @Test func streamsSkipEmptyDocuments() throws {
        let docs = try JSON.yamlDocuments("---\nkind: A\n---\n---\nkind: B\n")
        #expect(docs == [["kind": "A"], ["kind": "B"]])
        #expect(try JSON.yamlDocuments("").isEmpty)
        #expect(try JSON.yamlDocument("") == nil)
    }

    /// As sigs.k8s.io/yaml reads them: an alias is the anchored value.
    @Test func aliasesResolveToTheAnchoredValue() throws {
        #expect(try JSON.yamlDocument("base: &x {a: 1}\nuse: *x\n") == ["base": ["a": 1], "use": ["a": 1]])
    }

    @Test(arguments: [("a: [unclosed", "not valid YAML"), ("? [a, b]\n: 1\n", "keys must be strings"),
                      ("a: 1\n---\nb: [", "not valid YAML")])
    func badInput(text: String, message: String) {
        #expect {
            _ = try JSON.yamlDocuments(text)
        } throws: { ($0 as? YAMLConversionError)?.description.contains(message) == true }
    }
}
