import Testing
@testable import KubeAPI

/// A patch case: a document, a patch and the expected result, all as JSON text.
struct PatchCase: Sendable, CustomTestStringConvertible {
    var name: String
    var document: String
    var patch: String
    var expected: String
    var testDescription: String { name }
}

/// A patch that must fail with the given kind of error.
struct FailingPatchCase: Sendable, CustomTestStringConvertible {
    var name: String
    var document: String
    var patch: String
    var kind: PatchError.Kind
    var testDescription: String { name }
}

@Suite struct JSONPatchTests {
    static let cases: [PatchCase] = [
        PatchCase(name: "add member", document: #"{"a":1}"#,
                  patch: #"[{"op":"add","path":"/b","value":{"c":[1]}}]"#, expected: #"{"a":1,"b":{"c":[1]}}"#),
        PatchCase(name: "add replaces an existing member", document: #"{"a":1}"#,
                  patch: #"[{"op":"add","path":"/a","value":2}]"#, expected: #"{"a":2}"#),
        PatchCase(name: "add inserts into array", document: #"{"a":[1,3]}"#,
                  patch: #"[{"op":"add","path":"/a/1","value":2}]"#, expected: #"{"a":[1,2,3]}"#),
        PatchCase(name: "add at array end index", document: #"{"a":[1]}"#,
                  patch: #"[{"op":"add","path":"/a/1","value":2}]"#, expected: #"{"a":[1,2]}"#),
        PatchCase(name: "add with dash appends", document: #"{"a":[1]}"#,
                  patch: #"[{"op":"add","path":"/a/-","value":2}]"#, expected: #"{"a":[1,2]}"#),
        PatchCase(name: "add null value", document: #"{}"#,
                  patch: #"[{"op":"add","path":"/a","value":null}]"#, expected: #"{"a":null}"#),
        PatchCase(name: "remove member", document: #"{"a":1,"b":2}"#,
                  patch: #"[{"op":"remove","path":"/a"}]"#, expected: #"{"b":2}"#),
        PatchCase(name: "remove array element", document: #"{"a":[1,2,3]}"#,
                  patch: #"[{"op":"remove","path":"/a/0"}]"#, expected: #"{"a":[2,3]}"#),
        PatchCase(name: "replace nested", document: #"{"spec":{"replicas":1}}"#,
                  patch: #"[{"op":"replace","path":"/spec/replicas","value":3}]"#, expected: #"{"spec":{"replicas":3}}"#),
        PatchCase(name: "replace whole document", document: #"{"a":1}"#,
                  patch: #"[{"op":"replace","path":"","value":[1]}]"#, expected: #"[1]"#),
        PatchCase(name: "move", document: #"{"a":{"b":1},"c":{}}"#,
                  patch: #"[{"op":"move","from":"/a/b","path":"/c/d"}]"#, expected: #"{"a":{},"c":{"d":1}}"#),
        PatchCase(name: "move to itself is a no-op", document: #"{"a":1}"#,
                  patch: #"[{"op":"move","from":"/a","path":"/a"}]"#, expected: #"{"a":1}"#),
        PatchCase(name: "move within an array", document: #"{"a":[1,2,3]}"#,
                  patch: #"[{"op":"move","from":"/a/0","path":"/a/-"}]"#, expected: #"{"a":[2,3,1]}"#),
        PatchCase(name: "copy", document: #"{"a":{"x":[1]}}"#,
                  patch: #"[{"op":"copy","from":"/a","path":"/b"}]"#, expected: #"{"a":{"x":[1]},"b":{"x":[1]}}"#),
        PatchCase(name: "test then add", document: #"{"a":"x"}"#,
                  patch: #"[{"op":"test","path":"/a","value":"x"},{"op":"add","path":"/b","value":1}]"#,
                  expected: #"{"a":"x","b":1}"#),
        PatchCase(name: "test compares numbers by value", document: #"{"a":1}"#,
                  patch: #"[{"op":"test","path":"/a","value":1.0}]"#, expected: #"{"a":1}"#),
        PatchCase(name: "escaped pointer tokens", document: #"{"a/b":1,"m~n":2}"#,
                  patch: #"[{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}]"#,
                  expected: #"{"a/b":3}"#),
        PatchCase(name: "annotation key with slash",
                  document: #"{"metadata":{"annotations":{"example.com/x":"1"}}}"#,
                  patch: #"[{"op":"add","path":"/metadata/annotations/example.com~1y","value":"2"}]"#,
                  expected: #"{"metadata":{"annotations":{"example.com/x":"1","example.com/y":"2"}}}"#),
        PatchCase(name: "empty patch", document: #"{"a":1}"#, patch: "[]", expected: #"{"a":1}"#),
    ]

    @Test(arguments: cases)
    func applies(_ c: PatchCase) throws {
        let result = try JSONPatch.apply(JSON(parsing: c.patch), to: JSON(parsing: c.document))
        #expect(result == (try JSON(parsing: c.expected)), "\(result.jsonString)")
    }

    static let failures: [FailingPatchCase] = [
        FailingPatchCase(name: "patch is an object", document: "{}",
                         patch: #"{"op":"add","path":"/a","value":1}"#, kind: .badRequest),
        FailingPatchCase(name: "operation is not an object", document: "{}", patch: "[1]", kind: .badRequest),
        FailingPatchCase(name: "unknown op", document: "{}", patch: #"[{"op":"frobnicate","path":"/a"}]"#, kind: .invalid),
        FailingPatchCase(name: "missing op", document: "{}", patch: #"[{"path":"/a","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "missing path", document: "{}", patch: #"[{"op":"add","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "missing value", document: "{}", patch: #"[{"op":"add","path":"/a"}]"#, kind: .invalid),
        FailingPatchCase(name: "pointer without leading slash", document: #"{"a":1}"#,
                         patch: #"[{"op":"remove","path":"a"}]"#, kind: .invalid),
        FailingPatchCase(name: "bad escape", document: #"{"a":1}"#, patch: #"[{"op":"remove","path":"/a~2"}]"#, kind: .invalid),
        FailingPatchCase(name: "remove missing member", document: #"{"a":1}"#,
                         patch: #"[{"op":"remove","path":"/b"}]"#, kind: .invalid),
        FailingPatchCase(name: "replace missing member", document: #"{"a":1}"#,
                         patch: #"[{"op":"replace","path":"/b","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "add under missing parent", document: "{}",
                         patch: #"[{"op":"add","path":"/x/y","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "add into a scalar", document: #"{"a":1}"#,
                         patch: #"[{"op":"add","path":"/a/b","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "index out of bounds", document: #"{"a":[1]}"#,
                         patch: #"[{"op":"add","path":"/a/5","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "index with leading zero", document: #"{"a":[1,2]}"#,
                         patch: #"[{"op":"replace","path":"/a/01","value":1}]"#, kind: .invalid),
        FailingPatchCase(name: "remove dash", document: #"{"a":[1]}"#, patch: #"[{"op":"remove","path":"/a/-"}]"#, kind: .invalid),
        FailingPatchCase(name: "remove whole document", document: #"{"a":1}"#, patch: #"[{"op":"remove","path":""}]"#, kind: .invalid),
        FailingPatchCase(name: "move into itself", document: #"{"a":{"b":{}}}"#,
                         patch: #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#, kind: .invalid),
        FailingPatchCase(name: "move from missing", document: "{}",
                         patch: #"[{"op":"move","from":"/a","path":"/b"}]"#, kind: .invalid),
        FailingPatchCase(name: "copy from missing", document: "{}",
                         patch: #"[{"op":"copy","from":"/a","path":"/b"}]"#, kind: .invalid),
        FailingPatchCase(name: "test mismatch", document: #"{"a":1}"#,
                         patch: #"[{"op":"test","path":"/a","value":2}]"#, kind: .testFailed),
        FailingPatchCase(name: "test missing path", document: #"{"a":1}"#,
                         patch: #"[{"op":"test","path":"/b","value":1}]"#, kind: .testFailed),
        FailingPatchCase(name: "failure after a good operation", document: #"{"a":1}"#,
                         patch: #"[{"op":"add","path":"/b","value":1},{"op":"remove","path":"/c"}]"#, kind: .invalid),
    ]

    @Test(arguments: failures)
    func rejects(_ c: FailingPatchCase) throws {
        let patch = try JSON(parsing: c.patch)
        let document = try JSON(parsing: c.document)
        let error = #expect(throws: PatchError.self) { try JSONPatch.apply(patch, to: document) }
        #expect(error?.kind == c.kind, "\(error?.message ?? "")")
        #expect(error?.message.isEmpty == false)
    }

    @Test func errorsMapToUpstreamStatusCodes() {
        #expect(PatchError.badRequest("x").statusError.code == 400)
        #expect(PatchError.badRequest("x").statusError.message == "x")
        let invalid = PatchError.invalid("doc is missing path").statusError
        #expect(invalid.code == 422)
        #expect(invalid.reason == "Invalid")
        #expect(invalid.message == "the server rejected our request due to an error in our request")
        #expect(invalid.details?.causes.first?.message == "doc is missing path")
        #expect(PatchError.testFailed("t").statusError.code == 422)
    }
}

@Suite struct MergePatchTests {
    /// The examples of RFC 7386 appendix A, plus Kubernetes-shaped ones.
    static let cases: [PatchCase] = [
        PatchCase(name: "replace member", document: #"{"a":"b"}"#, patch: #"{"a":"c"}"#, expected: #"{"a":"c"}"#),
        PatchCase(name: "add member", document: #"{"a":"b"}"#, patch: #"{"b":"c"}"#, expected: #"{"a":"b","b":"c"}"#),
        PatchCase(name: "null deletes", document: #"{"a":"b"}"#, patch: #"{"a":null}"#, expected: "{}"),
        PatchCase(name: "null deletes one of two", document: #"{"a":"b","b":"c"}"#, patch: #"{"a":null}"#, expected: #"{"b":"c"}"#),
        PatchCase(name: "array replaced", document: #"{"a":["b"]}"#, patch: #"{"a":"c"}"#, expected: #"{"a":"c"}"#),
        PatchCase(name: "scalar replaced by array", document: #"{"a":"c"}"#, patch: #"{"a":["b"]}"#, expected: #"{"a":["b"]}"#),
        PatchCase(name: "nested merge with delete", document: #"{"a":{"b":"c"}}"#,
                  patch: #"{"a":{"b":"d","c":null}}"#, expected: #"{"a":{"b":"d"}}"#),
        PatchCase(name: "array of objects replaced", document: #"{"a":[{"b":"c"}]}"#,
                  patch: #"{"a":[1]}"#, expected: #"{"a":[1]}"#),
        PatchCase(name: "non-object patch replaces", document: #"{"a":"foo"}"#, patch: #""bar""#, expected: #""bar""#),
        PatchCase(name: "null patch replaces", document: #"{"a":"foo"}"#, patch: "null", expected: "null"),
        PatchCase(name: "object patch on scalar", document: #"["a"]"#, patch: #"{"a":"b"}"#, expected: #"{"a":"b"}"#),
        PatchCase(name: "nulls in added objects dropped", document: "{}",
                  patch: #"{"a":{"bb":{"ccc":null}}}"#, expected: #"{"a":{"bb":{}}}"#),
        PatchCase(name: "labels", document: #"{"metadata":{"name":"x","labels":{"a":"1","b":"2"}}}"#,
                  patch: #"{"metadata":{"labels":{"a":null,"c":"3"}}}"#,
                  expected: #"{"metadata":{"name":"x","labels":{"b":"2","c":"3"}}}"#),
    ]

    @Test(arguments: cases)
    func applies(_ c: PatchCase) throws {
        let result = MergePatch.apply(try JSON(parsing: c.patch), to: try JSON(parsing: c.document))
        #expect(result == (try JSON(parsing: c.expected)), "\(result.jsonString)")
    }

    @Test func keepsKeyOrderOfTheDocument() throws {
        let result = MergePatch.apply(try JSON(parsing: #"{"kind":"X","apiVersion":"v2"}"#),
                                      to: try JSON(parsing: #"{"apiVersion":"v1","kind":"Y","metadata":{}}"#))
        #expect(result.jsonString == #"{"apiVersion":"v2","kind":"X","metadata":{}}"#)
    }
}
