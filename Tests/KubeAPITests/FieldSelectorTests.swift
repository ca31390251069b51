import Testing
@testable import KubeAPI

@Suite struct FieldSelectorTests {
    static let pod: [String: String] = [
        "metadata.name": "web", "metadata.namespace": "default", "spec.nodeName": "node-1",
        "status.phase": "Running", "metadata.labels": "a=b,c",
    ]

    @Test(arguments: [
        ("", true),
        ("metadata.name=web", true),
        ("metadata.name==web", true),
        ("metadata.name=other", false),
        ("metadata.name!=other", true),
        ("metadata.name!=web", false),
        ("metadata.name=web,status.phase=Running", true),
        ("metadata.name=web,status.phase!=Running", false),
        ("spec.nodeName=", false),
        ("spec.unsetField=", true),
        ("spec.unsetField!=", false),
        ("spec.unsetField!=x", true),
        ("metadata.name=web,", true),
        (",,metadata.name=web", true),
        (#"metadata.labels=a\=b\,c"#, true),
    ])
    func matches(text: String, expected: Bool) throws {
        let selector = try FieldSelector(parsing: text)
        #expect(selector.matches { Self.pod[$0] } == expected)
    }

    @Test func parsesTermsSortedWithUnescapedValues() throws {
        let selector = try FieldSelector(parsing: #"b!=x\\y,a==p\,q\=r"#)
        #expect(selector.requirements == [
            .init(field: "a", op: .equals, value: "p,q=r"),
            .init(field: "b", op: .notEquals, value: #"x\y"#),
        ])
        #expect(selector.description == #"a=p\,q\=r,b!=x\\y"#)
        #expect(try FieldSelector(parsing: selector.description) == selector)
    }

    @Test(arguments: [
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("abc", "invalid selector: 'abc'; can't understand 'abc'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        (#"a=b\x"#, #"invalid field selector: invalid escape sequence: \x"#),
        (#"a=b\"#, #"invalid field selector: invalid escape sequence: \"#),
    ])
    func rejects(text: String, message: String) {
        #expect(throws: StatusError.badRequest(message)) { try FieldSelector(parsing: text) }
    }

    @Test func operatorPrecedenceAtSamePosition() throws {
        // "a!=b": at index 1 "!=" wins over a later "=".
        let selector = try FieldSelector(parsing: "a!=b")
        #expect(selector.requirements == [.init(field: "a", op: .notEquals, value: "b")])
        // "=b" has an empty field; the allowed-fields check rejects it.
        let empty = try FieldSelector(parsing: "=b")
        #expect(empty.requirements == [.init(field: "", op: .equals, value: "b")])
        #expect(throws: StatusError.badRequest("field label not supported: ")) {
            try empty.validate(allowed: ["metadata.name"], resource: "pods")
        }
    }

    @Test func validatesAllowedFields() throws {
        let allowed: Set = ["metadata.name", "metadata.namespace", "spec.nodeName"]
        try FieldSelector(parsing: "metadata.name=a,spec.nodeName=n").validate(allowed: allowed, resource: "pods")
        #expect(throws: StatusError.badRequest("field label not supported: spec.foo")) {
            try FieldSelector(parsing: "metadata.name=a,spec.foo=n").validate(allowed: allowed, resource: "pods")
        }
        // Whitespace is part of the field, as upstream.
        #expect(throws: StatusError.badRequest("field label not supported: metadata.name ")) {
            try FieldSelector(parsing: "metadata.name = a").validate(allowed: allowed, resource: "pods")
        }
    }

    @Test(arguments: [
        ("metadata.name=web", "web"),
        ("metadata.name==web", "web"),
        ("metadata.name!=web", nil),
        ("metadata.name=web,metadata.namespace=x", nil),
        ("spec.nodeName=web", nil),
        ("", nil),
    ] as [(String, String?)])
    func exactName(text: String, expected: String?) throws {
        #expect(try FieldSelector(parsing: text).exactName() == expected)
    }

    @Test func requiredValue() throws {
        let selector = try FieldSelector(parsing: "spec.nodeName=n1,status.phase!=Failed")
        #expect(selector.requiredValue(for: "spec.nodeName") == "n1")
        #expect(selector.requiredValue(for: "status.phase") == nil)
        #expect(FieldSelector.everything.isEverything)
        #expect(try !FieldSelector(parsing: "a=b").isEverything)
    }
}
