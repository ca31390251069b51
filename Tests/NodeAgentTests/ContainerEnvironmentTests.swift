import CRI
import Foundation
import KubeAPI
import NodeAgent
import Testing

@Suite struct ContainerEnvironmentTests {
    static let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1"],
        "spec": ["containers": [["name": "main", "image": "x"]]],
    ]
    static let objects = PodObjects(
        configMaps: ["cfg": ["metadata": ["name": "cfg"], "data": ["color": "blue", "size": "L", "1bad": "x", "ok.key": "y"]]],
        secrets: ["sec": ["metadata": ["name": "sec"], "data": ["password": "czNjcjN0", "user": "YWRtaW4="]]])
    static let context = PodRuntimeContext(nodeName: "n1", hostIP: "192.0.2.1", podIP: "10.42.0.7", objects: objects,
                                           nodeAllocatable: ["cpu": try! Quantity(parsing: "4"), "memory": try! Quantity(parsing: "8Gi")])

    static func env(_ entries: [JSON], envFrom: [JSON] = [], resources: JSON = .null) throws -> [String: String] {
        var container: JSON = ["name": "main", "image": "x", "env": .array(entries), "envFrom": .array(envFrom)]
        if !resources.isNull { container["resources"] = resources }
        let list = try ContainerEnvironment.resolve(pod: pod, container: container, context: context)
        return Dictionary(list.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
    }

    static func ref(_ kind: String, _ name: String, _ key: String, optional: Bool = false) -> JSON {
        var from: JSON = [:]
        from[kind] = ["name": .string(name), "key": .string(key), "optional": .bool(optional)]
        return ["name": "V", "valueFrom": from]
    }

    static let good: [(JSON, String?)] = [
        (ref("configMapKeyRef", "cfg", "color"), "blue"),
        (ref("secretKeyRef", "sec", "password"), "s3cr3t"),
        (ref("configMapKeyRef", "nope", "color", optional: true), nil),
        (ref("configMapKeyRef", "cfg", "nokey", optional: true), nil),
        (ref("secretKeyRef", "nope", "k", optional: true), nil),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.memory", "divisor": "1Mi"]]], "64"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.cpu"]]], "1"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.cpu", "divisor": "1m"]]], "500"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "requests.cpu", "divisor": "1m"]]], "250"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "requests.memory"]]], "67108864"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.ephemeral-storage"]]], "0"),
    ]

    @Test(arguments: good)
    func valueFromSources(entry: JSON, expected: String?) throws {
        let values = try Self.env([entry], resources: ["limits": ["cpu": "500m", "memory": "64Mi"], "requests": ["cpu": "250m"]])
        #expect(values["V"] == expected)
    }

    @Test func noLimitMeansNodeAllocatable() throws {
        let values = try Self.env([
            ["name": "C", "valueFrom": ["resourceFieldRef": ["resource": "limits.cpu"]]],
            ["name": "M", "valueFrom": ["resourceFieldRef": ["resource": "limits.memory", "divisor": "1Gi"]]],
            ["name": "R", "valueFrom": ["resourceFieldRef": ["resource": "requests.cpu"]]],
        ])
        #expect(values == ["C": "4", "M": "8", "R": "0"])
    }

    static let bad: [(JSON, String)] = [
        (ref("configMapKeyRef", "nope", "color"), "configmap \"nope\" not found"),
        (ref("configMapKeyRef", "cfg", "nokey"), "couldn't find key nokey in ConfigMap shop/cfg"),
        (ref("secretKeyRef", "nope", "k"), "secret \"nope\" not found"),
        (ref("secretKeyRef", "sec", "k"), "couldn't find key k in Secret shop/sec"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.gpu"]]], "unsupported container resource : limits.gpu"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.cpu", "divisor": "lots"]]], "invalid divisor"),
        (["name": "V", "valueFrom": ["resourceFieldRef": ["resource": "limits.cpu", "divisor": "0"]]], "divisor must be positive"),
        (["name": "V", "valueFrom": ["bogusRef": ["name": "x"]]], "unsupported valueFrom"),
        (["value": "x"], "an env entry has no name"),
    ]

    @Test(arguments: bad)
    func badReferencesAreClearErrors(entry: JSON, message: String) {
        do {
            let values = try Self.env([entry])
            Issue.record("no error, got \(values)")
        } catch {
            #expect("\(error)".contains(message))
        }
    }

    @Test func envFromWithPrefixThenEnvOverridesAndExpands() throws {
        let values = try Self.env(
            [["name": "CFG_color", "value": "red+$(CFG_size)"], ["name": "WHO", "value": "$(S_user)"]],
            envFrom: [["configMapRef": ["name": "cfg"], "prefix": "CFG_"], ["secretRef": ["name": "sec"], "prefix": "S_"],
                      ["configMapRef": ["name": "missing", "optional": true]]])
        #expect(values["CFG_color"] == "red+L")
        #expect(values["CFG_ok.key"] == "y")
        #expect(values["S_password"] == "s3cr3t")
        #expect(values["WHO"] == "admin")
        // With the prefix "1bad" becomes a valid name.
        #expect(values["CFG_1bad"] == "x")
    }

    @Test func envFromSkipsInvalidNamesWithAWarning() throws {
        let envFrom: [JSON] = [["configMapRef": ["name": "cfg"]]]
        let values = try Self.env([], envFrom: envFrom)
        #expect(values["1bad"] == nil)
        #expect(values["color"] == "blue")
        let container: JSON = ["name": "main", "image": "x", "envFrom": .array(envFrom)]
        #expect(ContainerEnvironment.invalidEnvFromMessages(pod: Self.pod, container: container, objects: Self.objects) == [
            "Keys [1bad] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.",
        ])
    }

    @Test func envFromMissingObjectIsAnError() {
        #expect(throws: ContainerSpecError("configmap \"gone\" not found")) {
            try Self.env([], envFrom: [["configMapRef": ["name": "gone"]]])
        }
        #expect(throws: ContainerSpecError("secret \"gone\" not found")) {
            try Self.env([], envFrom: [["secretRef": ["name": "gone"]]])
        }
    }

    @Test(arguments: [("A", true), ("_a.b-c9", true), ("1a", false), ("a=b", false), ("", false), ("a b", false)])
    func envVarNames(name: String, valid: Bool) {
        #expect(ContainerEnvironment.isEnvVarName(name) == valid)
    }
}
