import Testing
@testable import KubeAPI

@Suite struct JSONTests {
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":"x\ny","d":1.5}"#,
        #"[]"#, #"{}"#, #""\u00e9\u0001""#, #"-0.25"#, #"9007199254740993"#,
    ])
    func roundTrip(text: String) throws {
        let value = try JSON(parsing: text)
        let again = try JSON(parsing: value.serialized())
        #expect(value == again)
    }

    @Test func keepsKeyOrderAndExactIntegers() throws {
        let value = try JSON(parsing: #"{"kind":"Pod","apiVersion":"v1","n":9007199254740993}"#)
        #expect(value.jsonString == #"{"kind":"Pod","apiVersion":"v1","n":9007199254740993}"#)
    }

    @Test func decodesEscapesAndSurrogates() throws {
        let value = try JSON(parsing: #""a\"b\\c\/d\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d😀"))
    }

    @Test(arguments: [#"{"a":}"#, #"[1,]"#, #"{"a":1"#, "tru", #""abc"#, "01x", "{} x", #"{"a" 1}"#, ""])
    func rejectsMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: text) }
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: JSONParseError.self) { try JSON(parsing: text) }
    }

    @Test func subscriptSetCreatesObjects() {
        var v: JSON = .null
        v["metadata"]["name"] = "x"
        #expect(v.jsonString == #"{"metadata":{"name":"x"}}"#)
    }
}
