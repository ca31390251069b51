import Testing
@testable import KubeAPI

private func parse(_ text: String) throws -> JSON { try JSON(parsing: text) }

private let deploymentGVK = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
private let podGVK = GroupVersionKind(group: "", version: "v1", kind: "Pod")

private let validDeployment = """
{"apiVersion":"apps/v1","kind":"Deployment",
 "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"annotations":{"a":"b"},
   "finalizers":["x/y"],"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"c","uid":"u","controller":true}]},
 "spec":{"replicas":3,"revisionHistoryLimit":5,"minReadySeconds":1,"progressDeadlineSeconds":600,"paused":false,
   "selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a"]}]},
   "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
   "template":{"metadata":{"labels":{"app":"web"}},
     "spec":{"serviceAccountName":"default","terminationGracePeriodSeconds":30,"nodeSelector":{"k":"v"},
       "initContainers":[{"name":"init","image":"busybox","command":["true"]}],
       "containers":[{"name":"nginx","image":"nginx:1.27","imagePullPolicy":"IfNotPresent",
         "ports":[{"containerPort":80,"name":"http","protocol":"TCP"}],
         "env":[{"name":"A","value":"1"},{"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
                {"name":"S","valueFrom":{"secretKeyRef":{"name":"s","key":"k","optional":true}}}],
         "envFrom":[{"configMapRef":{"name":"cm"},"prefix":"X_"}],
         "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":0.1}},
         "volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true}],
         "livenessProbe":{"httpGet":{"path":"/","port":"http"},"initialDelaySeconds":3,"periodSeconds":10},
         "readinessProbe":{"exec":{"command":["cat","/tmp/ok"]}},
         "startupProbe":{"tcpSocket":{"port":80},"failureThreshold":30},
         "lifecycle":{"preStop":{"exec":{"command":["sleep","5"]}}},
         "securityContext":{"runAsNonRoot":true,"capabilities":{"drop":["ALL"]},"allowPrivilegeEscalation":false}}],
       "volumes":[{"name":"data","emptyDir":{"sizeLimit":"1Gi"}},{"name":"cfg","configMap":{"name":"cm","items":[{"key":"a","path":"a"}]}},
                  {"name":"sec","secret":{"secretName":"s","defaultMode":420}},{"name":"pvc","persistentVolumeClaim":{"claimName":"c"}},
                  {"name":"host","hostPath":{"path":"/tmp","type":"Directory"}},
                  {"name":"proj","projected":{"sources":[{"serviceAccountToken":{"path":"token","expirationSeconds":3600}}]}}],
       "affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,
         "podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}}]},
         "nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"Exists"}]}]}}},
       "tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":5}],
       "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}}],
       "hostAliases":[{"ip":"127.0.0.1","hostnames":["a"]}],"dnsConfig":{"nameservers":["1.1.1.1"],"options":[{"name":"ndots","value":"2"}]},
       "securityContext":{"runAsUser":1000,"fsGroup":2000,"seccompProfile":{"type":"RuntimeDefault"}},
       "readinessGates":[{"conditionType":"x"}],"imagePullSecrets":[{"name":"reg"}]}}},
 "status":{"replicas":3,"conditions":[{"type":"Available","status":"True"}]}}
"""

@Test func validDeploymentHasNoUnknownFields() throws {
    let object = try parse(validDeployment)
    #expect(FieldValidation.unknownFields(in: object, gvk: deploymentGVK) == [])
}

@Test(arguments: [
    // (JSON patch applied to the valid Deployment as a path and a key, expected unknown paths)
    (["spec", "template", "spec", "containers", "0"], "imagePullPolicyy", ["spec.template.spec.containers[0].imagePullPolicyy"]),
    (["spec"], "foo", ["spec.foo"]),
    (["spec", "template", "spec", "volumes", "1"], "emptyDirr", ["spec.template.spec.volumes[1].emptyDirr"]),
    (["spec", "template", "spec", "containers", "0", "env", "1", "valueFrom"], "bogus",
     ["spec.template.spec.containers[0].env[1].valueFrom.bogus"]),
    (["metadata"], "labelz", ["metadata.labelz"]),
    ([], "extra", ["extra"]),
    (["spec", "strategy", "rollingUpdate"], "maxSurgee", ["spec.strategy.rollingUpdate.maxSurgee"]),
] as [([String], String, [String])])
func unknownFieldIsReportedWithUpstreamPath(path: [String], key: String, expected: [String]) throws {
    var object = try parse(validDeployment)
    object = inserting(key, value: "x", at: path[...], into: object)
    #expect(FieldValidation.unknownFields(in: object, gvk: deploymentGVK) == expected)
}

/// Sets `key` inside the object reached by `path` (numeric components index arrays).
private func inserting(_ key: String, value: JSON, at path: ArraySlice<String>, into json: JSON) -> JSON {
    guard let first = path.first else {
        var copy = json
        copy[key] = value
        return copy
    }
    switch json {
    case .object(var object):
        object[first] = inserting(key, value: value, at: path.dropFirst(), into: object[first] ?? .null)
        return .object(object)
    case .array(var array):
        let index = Int(first)!
        array[index] = inserting(key, value: value, at: path.dropFirst(), into: array[index])
        return .array(array)
    default:
        return json
    }
}

@Test func severalUnknownFieldsKeepDocumentOrderAndFormatLikeUpstream() throws {
    let pod = try parse("""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
     "spec":{"foo":1,"containers":[{"name":"a","image":"i"},{"name":"b","imagePullPolicyy":"Always","ports":[{"containerPort":1,"hostPortt":2}]}]}}
    """)
    let paths = FieldValidation.unknownFields(in: pod, gvk: podGVK)
    #expect(paths == ["spec.foo", "spec.containers[1].imagePullPolicyy", "spec.containers[1].ports[0].hostPortt"])
    #expect(FieldValidation.message(for: Array(paths.prefix(2))) ==
            #"strict decoding error: unknown field "spec.foo", unknown field "spec.containers[1].imagePullPolicyy""#)
    #expect(FieldValidation.message(unknown: ["spec.x"], duplicate: ["metadata.name"]) ==
            #"strict decoding error: duplicate field "metadata.name", unknown field "spec.x""#)
}

@Test func topLevelBookkeepingFieldsAreAlwaysKnown() throws {
    // ConfigMap has no status field upstream, but status is accepted (and ignored) at the top level.
    let cm = try parse(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"binaryData":{"x":"AA=="},"immutable":true,"status":{}}"#)
    #expect(FieldValidation.unknownFields(in: cm, gvk: GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")) == [])
    let bad = try parse(#"{"apiVersion":"v1","kind":"ConfigMap","dat":{"a":"b"}}"#)
    #expect(FieldValidation.unknownFields(in: bad, gvk: GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")) == ["dat"])
}

@Test(arguments: [
    GroupVersionKind(group: "example.com", version: "v1", kind: "Widget"),
    GroupVersionKind(group: "apps", version: "v2", kind: "Deployment"),
])
func kindsWithoutSchemaPreserveUnknownFields(gvk: GroupVersionKind) throws {
    let object = try parse(#"{"apiVersion":"x","kind":"Widget","spec":{"anything":{"goes":[1,2]}},"whatever":true}"#)
    #expect(SchemaCatalog.schemaName(for: gvk) == nil)
    #expect(FieldValidation.unknownFields(in: object, gvk: gvk) == [])
}

@Test func valuesOfTheWrongTypeAndOddShapesDoNotCrash() throws {
    for text in [#"[]"#, #""pod""#, #"{"spec":null}"#, #"{"spec":[1,2]}"#, #"{"spec":{"containers":{"a":1}}}"#,
                 #"{"spec":{"containers":[null,7,"x",{"name":"a","foo":[]}]}}"#] {
        let object = try parse(text)
        let paths = FieldValidation.unknownFields(in: object, gvk: podGVK)
        #expect(paths == (text.contains("foo") ? ["spec.containers[3].foo"] : []), "\(text)")
    }
}

@Test func preserveUnknownMembersAcceptAnything() throws {
    let pod = try parse(#"{"metadata":{"managedFields":[{"manager":"m","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:x":{}}}}]}}"#)
    #expect(FieldValidation.unknownFields(in: pod, gvk: podGVK) == [])
}

@Test func unknownFieldsAreCappedLikeUpstream() throws {
    var spec: JSONObject = [:]
    for i in 0..<150 { spec["f\(i)"] = .int(Int64(i)) }
    let pod: JSON = ["spec": .object(spec)]
    #expect(FieldValidation.unknownFields(in: pod, gvk: podGVK).count == FieldValidation.maximumErrors)
}

@Test func mergeKeysMatchUpstreamTags() throws {
    func member(_ type: String, _ field: String) -> Property? {
        guard case .object(let o)? = SchemaCatalog.definition(type) else { return nil }
        return o.property(field)
    }
    func mergeKey(_ type: String, _ field: String) -> String? {
        guard case .array(let a)? = member(type, field)?.schema else { return nil }
        return a.patchMergeKey
    }
    let core = "io.k8s.api.core.v1."
    #expect(mergeKey(core + "PodSpec", "containers") == "name")
    #expect(mergeKey(core + "PodSpec", "volumes") == "name")
    #expect(mergeKey(core + "Container", "ports") == "containerPort")
    #expect(mergeKey(core + "Container", "volumeMounts") == "mountPath")
    #expect(mergeKey(core + "ServiceSpec", "ports") == "port")
    #expect(mergeKey(core + "PodStatus", "conditions") == "type")
    #expect(mergeKey(core + "PodSpec", "tolerations") == nil)
    if case .array(let volumes)? = member(core + "PodSpec", "volumes")?.schema {
        #expect(volumes.patchStrategy == "merge,retainKeys")
    } else {
        Issue.record("PodSpec.volumes is not a list")
    }
    #expect(member("io.k8s.api.apps.v1.DeploymentSpec", "strategy")?.patchStrategy == "retainKeys")
}

@Test func everyReferenceResolves() {
    var dangling: [String] = []
    for (name, schema) in SchemaCatalog.definitions {
        for child in SchemaCatalog.referencedNames(in: schema) where SchemaCatalog.definition(child) == nil {
            dangling.append("\(name) -> \(child)")
        }
    }
    #expect(dangling == [])
    for (gvk, name) in SchemaCatalog.kindSchemaNames {
        #expect(SchemaCatalog.definition(name) != nil, "\(gvk)")
    }
}

@Suite struct PruneUnknownFieldsTests {
    @Test func dropsUnknownFieldsAndKeepsKnownOnes() throws {
        let pod = try JSON(parsing: #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a.b/c":"d"}},"bogus":1,"spec":{"containers":[{"name":"c","image":"x","imagePullPolicyy":"Always","env":[{"name":"A","value":"1","extra":true}]}],"nodeSelector":{"k.io/x":"y"}}}"#)
        let pruned = FieldValidation.pruneUnknownFields(pod, gvk: GroupVersionKind(group: "", version: "v1", kind: "Pod"))
        #expect(pruned["bogus"].isNull)
        #expect(pruned["spec"]["containers"][0]["imagePullPolicyy"].isNull)
        #expect(pruned["spec"]["containers"][0]["env"][0] == ["name": "A", "value": "1"])
        #expect(pruned["spec"]["nodeSelector"] == ["k.io/x": "y"])
        #expect(pruned["metadata"]["labels"] == ["a.b/c": "d"])
        #expect(FieldValidation.unknownFields(in: pruned, gvk: GroupVersionKind(group: "", version: "v1", kind: "Pod")).isEmpty)
    }

    @Test func leavesKindsWithoutSchemaAlone() {
        let object: JSON = ["apiVersion": "example.com/v1", "kind": "Widget", "spec": ["anything": 1]]
        #expect(FieldValidation.pruneUnknownFields(object, gvk: GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")) == object)
    }
}
