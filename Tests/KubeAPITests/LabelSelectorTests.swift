import Testing
@testable import KubeAPI

@Suite struct LabelSelectorTests {
    struct MatchCase: Sendable, CustomTestStringConvertible {
        var selector: String
        var labels: [String: String]
        var matches: Bool
        var testDescription: String { "\(selector) vs \(labels) -> \(matches)" }
    }

    static let matchCases: [MatchCase] = [
        // everything
        .init(selector: "", labels: [:], matches: true),
        .init(selector: "  ", labels: ["a": "b"], matches: true),
        // =, ==, !=
        .init(selector: "a=b", labels: ["a": "b"], matches: true),
        .init(selector: "a=b", labels: ["a": "c"], matches: false),
        .init(selector: "a=b", labels: [:], matches: false),
        .init(selector: "a==b", labels: ["a": "b"], matches: true),
        .init(selector: "a!=b", labels: ["a": "b"], matches: false),
        .init(selector: "a!=b", labels: ["a": "c"], matches: true),
        .init(selector: "a!=b", labels: [:], matches: true),
        .init(selector: "a=", labels: ["a": ""], matches: true),
        .init(selector: "a=", labels: ["a": "x"], matches: false),
        // in / notin
        .init(selector: "a in (b,c)", labels: ["a": "c"], matches: true),
        .init(selector: "a in (b,c)", labels: ["a": "d"], matches: false),
        .init(selector: "a in (b,c)", labels: [:], matches: false),
        .init(selector: "a notin (b,c)", labels: ["a": "c"], matches: false),
        .init(selector: "a notin (b,c)", labels: ["a": "d"], matches: true),
        .init(selector: "a notin (b,c)", labels: [:], matches: true),
        .init(selector: "a in ()", labels: ["a": ""], matches: true),
        .init(selector: "a in (,x)", labels: ["a": ""], matches: true),
        // exists / does not exist
        .init(selector: "a", labels: ["a": ""], matches: true),
        .init(selector: "a", labels: ["b": "x"], matches: false),
        .init(selector: "!a", labels: ["b": "x"], matches: true),
        .init(selector: "!a", labels: ["a": "x"], matches: false),
        // gt / lt
        .init(selector: "a>5", labels: ["a": "6"], matches: true),
        .init(selector: "a>5", labels: ["a": "5"], matches: false),
        .init(selector: "a<5", labels: ["a": "4"], matches: true),
        .init(selector: "a<5", labels: ["a": "x"], matches: false),
        .init(selector: "a<5", labels: [:], matches: false),
        // AND semantics
        .init(selector: "a=b,c=d", labels: ["a": "b", "c": "d"], matches: true),
        .init(selector: "a=b,c=d", labels: ["a": "b", "c": "x"], matches: false),
        .init(selector: "a=b,!c", labels: ["a": "b"], matches: true),
        .init(selector: "a=b,!c", labels: ["a": "b", "c": "d"], matches: false),
        .init(selector: "a=b,a=c", labels: ["a": "b"], matches: false),
        // whitespace, prefixed keys, keywords as values
        .init(selector: " a = b , c in ( d , e ) ", labels: ["a": "b", "c": "e"], matches: true),
        .init(selector: "app.kubernetes.io/name=web", labels: ["app.kubernetes.io/name": "web"], matches: true),
        .init(selector: "kubernetes.io/cluster-service=true", labels: ["kubernetes.io/cluster-service": "false"], matches: false),
        .init(selector: "in in (in,notin)", labels: ["in": "notin"], matches: true),
        .init(selector: "x=in", labels: ["x": "in"], matches: true),
    ]

    @Test(arguments: matchCases)
    func parseAndMatch(_ c: MatchCase) throws {
        let selector = try LabelSelector(parsing: c.selector)
        #expect(selector.matches(c.labels) == c.matches)
    }

    @Test(arguments: [
        ("a=b", LabelSelector.Operator.equals, ["b"]),
        ("a==b", .doubleEquals, ["b"]),
        ("a!=b", .notEquals, ["b"]),
        ("a in (c,b,b)", .in, ["b", "c"]),
        ("a notin (b)", .notIn, ["b"]),
        ("a", .exists, []),
        ("!a", .doesNotExist, []),
        ("a>5", .greaterThan, ["5"]),
        ("a<10", .lessThan, ["10"]),
    ] as [(String, LabelSelector.Operator, [String])])
    func parsesOperators(text: String, op: LabelSelector.Operator, values: [String]) throws {
        let selector = try LabelSelector(parsing: text)
        #expect(selector.requirements.count == 1)
        #expect(selector.requirements.first?.key == "a")
        #expect(selector.requirements.first?.op == op)
        #expect(selector.requirements.first?.values == values)
    }

    @Test(arguments: [
        ("", ""),
        ("b=1,a=2", "a=2,b=1"),
        ("x in (c, a,b)", "x in (a,b,c)"),
        ("  !y ,x notin (q)", "x notin (q),!y"),
        ("a==b,c!=d,e>1,f<2,g", "a==b,c!=d,e>1,f<2,g"),
    ])
    func printsCanonically(text: String, expected: String) throws {
        #expect(try LabelSelector(parsing: text).description == expected)
    }

    @Test(arguments: [
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("=b", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in ()x", "found 'x', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (!)", "unable to parse requirement: found '!', expected: ',', ')' or identifier"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a (b)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
        ("a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"),
        ("a=b$", "unable to parse requirement: values[0][a]: Invalid value: \"b$\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        ("a$=b", "unable to parse requirement: <nil>: Invalid value: \"a$\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
    ])
    func rejectsWithUpstreamMessage(text: String, message: String) {
        #expect(throws: StatusError.badRequest(message)) { try LabelSelector(parsing: text) }
    }

    @Test(arguments: [
        "a in (", "a notin", "a in ((b))", "a=b=c", "a=b)", ",a", "a,,b",
        "-a=b", "a-=b", "Example.com/a=b", "/a=b", "a/=b", "a/b/c=d",
        String(repeating: "k", count: 64) + "=v", "k=" + String(repeating: "v", count: 64),
        "a>1.5", "a<", "a>-1", "a=é",
    ])
    func rejectsInvalid(text: String) {
        #expect(throws: StatusError.self) { try LabelSelector(parsing: text) }
        do {
            _ = try LabelSelector(parsing: text)
        } catch {
            #expect(error.code == 400)
            #expect(error.reason == "BadRequest")
        }
    }

    @Test func prefixErrorsNameThePrefix() {
        do {
            _ = try LabelSelector(parsing: "Bad_Prefix/a=b")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("prefix part a lowercase RFC 1123 subdomain"))
        }
    }

    @Test func acceptsLongestValidKeysAndValues() throws {
        let key = String(repeating: "p", count: 253) + "/" + String(repeating: "n", count: 63)
        let value = String(repeating: "v", count: 63)
        let selector = try LabelSelector(parsing: "\(key)=\(value)")
        #expect(selector.matches([key: value]))
    }

    @Test func everythingAndNothing() throws {
        #expect(try LabelSelector(parsing: "").isEverything)
        #expect(try !LabelSelector(parsing: "a").isEverything)
        #expect(!LabelSelector.nothing.isEverything)
        #expect(!LabelSelector.nothing.matches([:]))
        #expect(LabelSelector.everything.matches(["x": "y"]))
    }

    @Test func requiredValue() throws {
        let selector = try LabelSelector(parsing: "a=1,b in (2),c in (3,4),d!=5")
        #expect(selector.requiredValue(for: "a") == "1")
        #expect(selector.requiredValue(for: "b") == "2")
        #expect(selector.requiredValue(for: "c") == nil)
        #expect(selector.requiredValue(for: "d") == nil)
        #expect(selector.requiredValue(for: "z") == nil)
    }

    // MARK: - metav1.LabelSelector

    @Test func convertsMatchLabelsAndExpressions() throws {
        let json = try JSON(parsing: #"""
            {"matchLabels":{"app":"web","tier":"front"},
             "matchExpressions":[{"key":"env","operator":"In","values":["prod","staging"]},
                                 {"key":"canary","operator":"DoesNotExist"},
                                 {"key":"zone","operator":"NotIn","values":["a"]},
                                 {"key":"team","operator":"Exists"}]}
            """#)
        let selector = try LabelSelector(labelSelectorJSON: json)
        #expect(selector.description == "app=web,!canary,env in (prod,staging),team,tier=front,zone notin (a)")
        #expect(selector.matches(["app": "web", "tier": "front", "env": "prod", "team": "x"]))
        #expect(!selector.matches(["app": "web", "tier": "front", "env": "prod", "team": "x", "canary": "1"]))
        #expect(!selector.matches(["app": "web", "tier": "front", "env": "dev", "team": "x"]))
        #expect(!selector.matches(["app": "web", "tier": "front", "env": "prod", "team": "x", "zone": "a"]))
    }

    @Test func nullAndEmptySelectors() throws {
        #expect(try LabelSelector(labelSelectorJSON: .null).isNothing)
        #expect(try !LabelSelector(labelSelectorJSON: .null).matches([:]))
        #expect(try LabelSelector(labelSelectorJSON: .null, nullMatchesNothing: false).isEverything)
        #expect(try LabelSelector(labelSelectorJSON: [:]).isEverything)
        #expect(try LabelSelector(labelSelectorJSON: ["matchLabels": [:], "matchExpressions": []]).matches(["a": "b"]))
    }

    @Test(arguments: [
        (#"{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}"#, #""Gt" is not a valid label selector operator"#),
        (#"{"matchExpressions":[{"key":"a","operator":"In"}]}"#, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
        (#"{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}"#, #"values: Invalid value: ["x"]: values set must be empty for exists and does not exist"#),
        (#"{"matchLabels":{"a b":"c"}}"#, #"key: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#),
    ])
    func rejectsBadObjects(text: String, message: String) throws {
        let json = try JSON(parsing: text)
        #expect(throws: StatusError.badRequest(message)) { try LabelSelector(labelSelectorJSON: json) }
    }

    @Test(arguments: [#""app=web""#, #"{"matchLabels":{"a":1}}"#, #"{"matchLabels":[]}"#,
                      #"{"matchExpressions":{}}"#, #"{"matchExpressions":[1]}"#,
                      #"{"matchExpressions":[{"key":"a","operator":"In","values":[1]}]}"#])
    func rejectsWrongTypes(text: String) throws {
        let json = try JSON(parsing: text)
        #expect(throws: StatusError.self) { try LabelSelector(labelSelectorJSON: json) }
    }

    @Test func roundTripsToObjectForm() throws {
        let selector = try LabelSelector(parsing: "app=web,env in (a,b),!x")
        let json = try #require(selector.labelSelectorJSON)
        #expect(try LabelSelector(labelSelectorJSON: json) == selector.normalizingDoubleEquals())
        #expect(try LabelSelector(parsing: "a!=b").labelSelectorJSON == nil)
    }
}

extension LabelSelector {
    /// Same selector with `==` spelled `=` (the object form has only one equality).
    fileprivate func normalizingDoubleEquals() -> LabelSelector {
        LabelSelector(requirements: requirements.map {
            $0.op == .doubleEquals ? Requirement(unchecked: $0.key, op: .equals, values: $0.values) : $0
        })
    }
}
