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

@Suite struct JSONStringInterningTests {
    private static func address(_ string: String) -> UnsafeRawPointer? {
        var copy = string
        return copy.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func repeatedLongStringsShareStorageAndValuesStayEqual() throws {
        JSONStringInterning.enable()
        let text = #"{"creationTimestamp":"2026-11-28T23:00:26Z","uid":"7c4a1d86-7291-4445-8ac1-34f36f8a54ca","a":"short"}"#
        let first = try JSON(parsing: text)
        let second = try JSON(parsing: text)
        #expect(first == second)
        let a = try #require(first["creationTimestamp"].stringValue)
        let b = try #require(second["creationTimestamp"].stringValue)
        #expect(Self.address(a) == Self.address(b))
        let keyA = try #require(first.objectValue?.keys.first)
        let keyB = try #require(second.objectValue?.keys.first)
        #expect(keyA == "creationTimestamp" && Self.address(keyA) == Self.address(keyB))
    }

    @Test(arguments: [
        // Same first and last eight bytes and length: a slot collision must never return the other string.
        (#"["abcdefgh-XXXXXXXX-12345678"]"#, #"["abcdefgh-YYYYYYYY-12345678"]"#),
        (#"["0123456789abcdef"]"#, #"["0123456789abcdeF"]"#),
        (#"["caf\u00e9-with-escape-xxxxxxxx"]"#, #"["café-with-escape-xxxxxxxx"]"#),
    ])
    func collisionsAndEscapesKeepExactValues(first: String, second: String) throws {
        JSONStringInterning.enable()
        let a = try JSON(parsing: first)
        let b = try JSON(parsing: second)
        let c = try JSON(parsing: first)
        #expect(a == c)
        #expect(a[0].stringValue == (try JSON(parsing: first))[0].stringValue)
        if first.contains("\\u") { #expect(a == b) } else { #expect(a != b) }
    }
}
