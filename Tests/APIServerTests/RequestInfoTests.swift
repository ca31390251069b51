import Testing
@testable import APIServer

@Suite struct RequestInfoTests {
    struct Case: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var query: [(String, String)] = []
        var verb: String
        var group = ""
        var version = ""
        var resource = ""
        var namespace: String?
        var name: String?
        var subresource = ""
        var description: String { "\(method) \(path)" }
    }

    static let cases: [Case] = [
        Case(method: "GET", path: "/api/v1/pods", verb: "list", version: "v1", resource: "pods"),
        Case(method: "GET", path: "/api/v1/namespaces/default/pods", query: [("watch", "true")], verb: "watch", version: "v1", resource: "pods", namespace: "default"),
        Case(method: "GET", path: "/api/v1/namespaces/default/pods/web", verb: "get", version: "v1", resource: "pods", namespace: "default", name: "web"),
        Case(method: "PATCH", path: "/apis/apps/v1/namespaces/ns/deployments/d/scale", verb: "patch", group: "apps", version: "v1", resource: "deployments", namespace: "ns", name: "d", subresource: "scale"),
        Case(method: "GET", path: "/api/v1/namespaces/kube-system", verb: "get", version: "v1", resource: "namespaces", name: "kube-system"),
        Case(method: "DELETE", path: "/api/v1/namespaces/a/configmaps", verb: "deletecollection", version: "v1", resource: "configmaps", namespace: "a"),
        Case(method: "POST", path: "/api/v1/namespaces", verb: "create", version: "v1", resource: "namespaces"),
        Case(method: "PUT", path: "/api/v1/namespaces/ns1/status", verb: "update", version: "v1", resource: "namespaces", name: "ns1", subresource: "status"),
        Case(method: "PUT", path: "/api/v1/nodes/n1/status", verb: "update", version: "v1", resource: "nodes", name: "n1", subresource: "status"),
    ]

    @Test(arguments: cases)
    func parses(_ c: Case) {
        let info = RequestInfo.parse(method: c.method, path: c.path, query: Query(items: c.query.map { (name: $0.0, value: $0.1) }))
        #expect(info.kind == .resource)
        #expect(info.verb == c.verb)
        #expect(info.group == c.group)
        #expect(info.version == c.version)
        #expect(info.resource == c.resource)
        #expect(info.namespace == c.namespace)
        #expect(info.name == c.name)
        #expect(info.subresource == c.subresource)
    }

    @Test(arguments: ["/version", "/api", "/apis", "/apis/apps", "/healthz", "/openapi/v3", "/api/v1"])
    func nonResourcePaths(_ path: String) {
        #expect(RequestInfo.parse(method: "GET", path: path, query: Query(items: [])).kind == .nonResource)
    }

    @Test func queryBoolFollowsGoParseBool() {
        let q = Query(items: [("a", "true"), ("b", "1"), ("c", "false"), ("d", "")])
        #expect(q.bool("a") && q.bool("b") && q.bool("d"))
        #expect(!q.bool("c") && !q.bool("missing"))
    }

    @Test func queryIntRejectsGarbage() throws {
        #expect(throws: (any Error).self) { try Query(items: [("limit", "ten")]).int("limit") }
        #expect(try Query(items: [("limit", "10")]).int("limit") == 10)
    }
}
