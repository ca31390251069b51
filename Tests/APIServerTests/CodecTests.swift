import KubeAPI
import Testing
@testable import APIServer

@Suite struct CodecTests {
    @Test func yamlScalarsFollowTheCoreSchema() throws {
        let yaml = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x
          labels: {a: "1"}
        data:
          quoted: "true"
          number: "8080"
        spec:
          replicas: 3
          enabled: true
          ratio: 0.5
          nothing: null
          list: [a, 2]
        """
        let json = try Codec.decodeBody(Array(yaml.utf8), contentType: "application/yaml")
        #expect(json["metadata"]["labels"]["a"] == "1")
        #expect(json["data"]["quoted"] == "true")
        #expect(json["data"]["number"] == "8080")
        #expect(json["spec"]["replicas"] == 3)
        #expect(json["spec"]["enabled"] == true)
        #expect(json["spec"]["ratio"] == 0.5)
        #expect(json["spec"]["nothing"] == .null)
        #expect(json["spec"]["list"] == ["a", 2])
        // Key order is kept.
        #expect(json.objectValue?.keys.first == "apiVersion")
    }

    @Test(arguments: [
        ("{bad", "application/json", 400),
        ("a: [", "application/yaml", 400),
        ("x", "text/plain", 415),
        ("\u{0}\u{1}", "application/vnd.kubernetes.protobuf", 400),
    ])
    func badBodies(_ body: String, _ type: String, _ code: Int) {
        #expect {
            _ = try Codec.decodeBody(Array(body.utf8), contentType: type)
        } throws: { error in
            (error as? StatusError)?.code == code
        }
    }

    @Test func missingContentTypeMeansJSON() throws {
        #expect(try Codec.decodeBody(Array(#"{"a":1}"#.utf8), contentType: nil) == ["a": 1])
    }

    @Test(arguments: [
        ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", true),
        ("application/json", false),
        ("application/json, application/json;as=Table;v=v1;g=meta.k8s.io", false),
        ("application/vnd.kubernetes.protobuf,application/json", false),
        ("", false),
    ])
    func tableNegotiation(_ accept: String, _ table: Bool) {
        #expect(ResponseFormat(accept: accept).table == table)
    }

    @Test func continueTokenRoundTripsAndRejectsGarbage() throws {
        let token = ContinueToken(revision: 42, startAfter: "/registry/core/pods/default/web").encoded(prefix: "/registry/core/pods/")
        let decoded = try ContinueToken.decode(token, prefix: "/registry/core/pods/")
        #expect(decoded.revision == 42)
        #expect(decoded.startAfter == "/registry/core/pods/default/web")
        for bad in ["", "!!!", "eyJ2IjoieCJ9", token + "x"] {
            #expect(throws: StatusError.self) { try ContinueToken.decode(bad, prefix: "/registry/core/pods/") }
        }
    }
}
