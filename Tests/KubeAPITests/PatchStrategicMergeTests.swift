import Testing
@testable import KubeAPI

/// Whether any strategic merge directive is left anywhere in `value`.
func containsPatchDirective(_ value: JSON) -> Bool {
    switch value {
    case .object(let object):
        for (key, member) in object {
            if key == "$patch" || key == "$retainKeys" || key.hasPrefix("$setElementOrder/")
                || key.hasPrefix("$deleteFromPrimitiveList/") || containsPatchDirective(member) {
                return true
            }
        }
        return false
    case .array(let list): return list.contains(where: containsPatchDirective)
    default: return false
    }
}

let patchTestPodSchema = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "", version: "v1", kind: "Pod"))
let patchTestDeploymentSchema = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))

@Suite struct StrategicMergePatchTests {
    func apply(_ patch: String, to original: String, schema: (any StrategicMergeSchema)? = patchTestPodSchema) throws -> JSON {
        let result = try StrategicMergePatch.apply(JSON(parsing: patch), to: JSON(parsing: original), schema: schema)
        #expect(!containsPatchDirective(result), "directive left in \(result.jsonString)")
        return result
    }

    static let podCases: [PatchCase] = [
        PatchCase(name: "maps merge, null deletes",
                  document: #"{"metadata":{"name":"p","labels":{"a":"1","b":"2"}}}"#,
                  patch: #"{"metadata":{"labels":{"a":null,"c":"3"}}}"#,
                  expected: #"{"metadata":{"name":"p","labels":{"b":"2","c":"3"}}}"#),
        PatchCase(name: "containers merge by name",
                  document: #"{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"b","image":"b:2"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"}]}}"#),
        // Without $setElementOrder upstream puts elements that are new to the live list first.
        PatchCase(name: "new container goes first, as upstream orders it",
                  document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"c","image":"c:1"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"c","image":"c:1"},{"name":"a"}]}}"#),
        PatchCase(name: "directives stripped from a new element",
                  document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"c","$setElementOrder/env":[{"name":"Y"},{"name":"X"}],"env":[{"name":"Y","value":"2"},{"name":"X","value":"1"},{"$patch":"delete","name":"Z"}],"resources":{"$patch":"replace","limits":{"cpu":"1"}},"securityContext":{"$patch":"delete"},"args":null}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"c","env":[{"name":"Y","value":"2"},{"name":"X","value":"1"}],"resources":{"limits":{"cpu":"1"}}},{"name":"a"}]}}"#),
        PatchCase(name: "directives stripped from a new map and list",
                  document: #"{"metadata":{"name":"p"}}"#,
                  patch: #"{"spec":{"$retainKeys":["containers"],"containers":[{"name":"a","ports":[{"containerPort":80},{"$patch":"delete","containerPort":81}]}]}}"#,
                  expected: #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}"#),
        PatchCase(name: "delete element by key",
                  document: #"{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}"#,
                  patch: #"{"spec":{"containers":[{"$patch":"delete","name":"b"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a"},{"name":"c"}]}}"#),
        PatchCase(name: "delete of a missing element is a no-op",
                  document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"$patch":"delete","name":"zz"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a"}]}}"#),
        PatchCase(name: "replace directive replaces a merging list",
                  document: #"{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}]}}"#,
                  patch: #"{"spec":{"containers":[{"$patch":"replace"},{"name":"c"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"c"}]}}"#),
        PatchCase(name: "replace directive alone empties a list",
                  document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                  patch: #"{"spec":{"containers":[{"$patch":"replace"}]}}"#,
                  expected: #"{"spec":{"containers":[]}}"#),
        PatchCase(name: "replace directive replaces a map",
                  document: #"{"spec":{"nodeSelector":{"a":"1","b":"2"}}}"#,
                  patch: #"{"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}}"#,
                  expected: #"{"spec":{"nodeSelector":{"c":"3"}}}"#),
        PatchCase(name: "delete directive empties a map (as upstream)",
                  document: #"{"spec":{"nodeSelector":{"a":"1"},"x":1}}"#,
                  patch: #"{"spec":{"nodeSelector":{"$patch":"delete"}}}"#,
                  expected: #"{"spec":{"nodeSelector":{},"x":1}}"#),
        PatchCase(name: "delete directive on an absent map adds nothing",
                  document: #"{"spec":{}}"#,
                  patch: #"{"spec":{"nodeSelector":{"$patch":"delete"}}}"#,
                  expected: #"{"spec":{}}"#),
        PatchCase(name: "setElementOrder reorders existing elements",
                  document: #"{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}],"containers":[{"name":"a","image":"x"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"c"},{"name":"a","image":"x"},{"name":"b"}]}}"#),
        PatchCase(name: "setElementOrder places a new element",
                  document: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"n"},{"name":"b"}],"containers":[{"name":"n"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a"},{"name":"n"},{"name":"b"}]}}"#),
        PatchCase(name: "setElementOrder without the list in the patch",
                  document: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}"#),
        PatchCase(name: "setElementOrder of primitives",
                  document: #"{"metadata":{"finalizers":["a","b"]}}"#,
                  patch: #"{"metadata":{"$setElementOrder/finalizers":["c","b","a"],"finalizers":["c"]}}"#,
                  expected: #"{"metadata":{"finalizers":["c","b","a"]}}"#),
        PatchCase(name: "setElementOrder keeps live-only elements where they were",
                  document: #"{"spec":{"containers":[{"name":"a"},{"name":"x"},{"name":"b"}]}}"#,
                  patch: #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","image":"i"}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"x"},{"name":"b"},{"name":"a","image":"i"}]}}"#),
        PatchCase(name: "a list replaced by a scalar",
                  document: #"{"spec":{"containers":[{"name":"a"}]}}"#, patch: #"{"spec":{"containers":"x"}}"#,
                  expected: #"{"spec":{"containers":"x"}}"#),
        PatchCase(name: "delete directive replacing a scalar removes it",
                  document: #"{"spec":{"hostname":"h","x":1}}"#, patch: #"{"spec":{"hostname":{"$patch":"delete"}}}"#,
                  expected: #"{"spec":{"x":1}}"#),
        PatchCase(name: "retainKeys on a volume",
                  document: #"{"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","secret":{"secretName":"s"}}]}}"#,
                  patch: #"{"spec":{"volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/tmp"},"name":"v"}]}}"#,
                  expected: #"{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/tmp"}},{"name":"w","secret":{"secretName":"s"}}]}}"#),
        PatchCase(name: "retainKeys drops unlisted members even without nulls",
                  document: #"{"spec":{"volumes":[{"name":"v","emptyDir":{},"configMap":{"name":"c"}}]}}"#,
                  patch: #"{"spec":{"volumes":[{"$retainKeys":["name","configMap"],"name":"v"}]}}"#,
                  expected: #"{"spec":{"volumes":[{"name":"v","configMap":{"name":"c"}}]}}"#),
        PatchCase(name: "finalizers merge as a set",
                  document: #"{"metadata":{"finalizers":["a","b"]}}"#,
                  patch: #"{"metadata":{"finalizers":["b","c"]}}"#,
                  expected: #"{"metadata":{"finalizers":["a","b","c"]}}"#),
        PatchCase(name: "deleteFromPrimitiveList",
                  document: #"{"metadata":{"finalizers":["a","b","c"]}}"#,
                  patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b","zz"]}}"#,
                  expected: #"{"metadata":{"finalizers":["a","c"]}}"#),
        PatchCase(name: "atomic lists are replaced",
                  document: #"{"spec":{"tolerations":[{"key":"a"},{"key":"b"}],"containers":[{"name":"a","args":["x","y"]}]}}"#,
                  patch: #"{"spec":{"tolerations":[{"key":"c"}],"containers":[{"name":"a","args":["z"]}]}}"#,
                  expected: #"{"spec":{"tolerations":[{"key":"c"}],"containers":[{"name":"a","args":["z"]}]}}"#),
        PatchCase(name: "container ports merge by containerPort",
                  document: #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"},{"containerPort":443}]}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"web"},{"containerPort":8080}]}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"web"},{"containerPort":8080},{"containerPort":443}]}]}}"#),
        PatchCase(name: "env merges by name",
                  document: #"{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"3"}]}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"3"}]}]}}"#),
        PatchCase(name: "owner references merge by uid",
                  document: #"{"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}}"#,
                  patch: #"{"metadata":{"ownerReferences":[{"uid":"2","name":"b"}]}}"#,
                  expected: #"{"metadata":{"ownerReferences":[{"uid":"2","name":"b"},{"uid":"1","name":"a"}]}}"#),
        PatchCase(name: "status conditions merge by type",
                  document: #"{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}}"#,
                  patch: #"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#,
                  expected: #"{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}]}}"#),
        PatchCase(name: "type change: the patch wins",
                  document: #"{"spec":{"x":"s","y":{"a":1}}}"#,
                  patch: #"{"spec":{"x":{"a":null,"b":1},"y":[1]}}"#,
                  expected: #"{"spec":{"x":{"b":1},"y":[1]}}"#),
        PatchCase(name: "nulls inside added maps are dropped",
                  document: #"{"spec":{}}"#,
                  patch: #"{"spec":{"securityContext":{"runAsUser":1,"runAsGroup":null}}}"#,
                  expected: #"{"spec":{"securityContext":{"runAsUser":1}}}"#),
        PatchCase(name: "merge keys compare numbers by value",
                  document: #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}"#,
                  patch: #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80.0,"protocol":"TCP"}]}]}}"#,
                  expected: #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80.0,"protocol":"TCP"}]}]}}"#),
        PatchCase(name: "replace directive on the whole object",
                  document: #"{"a":1,"b":2}"#, patch: #"{"$patch":"replace","c":3}"#, expected: #"{"c":3}"#),
    ]

    @Test(arguments: podCases)
    func appliesToPods(_ c: PatchCase) throws {
        let result = try apply(c.patch, to: c.document)
        #expect(result == (try JSON(parsing: c.expected)), "\(result.jsonString)")
    }

    static let unknownSchemaCases: [PatchCase] = [
        PatchCase(name: "maps merge like a merge patch",
                  document: #"{"spec":{"a":{"x":1,"y":2}}}"#, patch: #"{"spec":{"a":{"x":null,"z":3}}}"#,
                  expected: #"{"spec":{"a":{"y":2,"z":3}}}"#),
        PatchCase(name: "lists are replaced and directive elements dropped",
                  document: #"{"spec":{"items":[{"name":"x"},{"name":"y"}]}}"#,
                  patch: #"{"spec":{"items":[{"$patch":"delete","name":"x"},{"name":"z","$retainKeys":["name"]}]}}"#,
                  expected: #"{"spec":{"items":[{"name":"z"}]}}"#),
        PatchCase(name: "primitive lists are replaced",
                  document: #"{"metadata":{"finalizers":["a"]}}"#, patch: #"{"metadata":{"finalizers":["b"]}}"#,
                  expected: #"{"metadata":{"finalizers":["b"]}}"#),
    ]

    @Test(arguments: unknownSchemaCases)
    func appliesWithoutSchema(_ c: PatchCase) throws {
        let result = try apply(c.patch, to: c.document, schema: nil)
        #expect(result == (try JSON(parsing: c.expected)), "\(result.jsonString)")
    }

    @Test func deploymentStrategyRetainKeys() throws {
        let result = try apply(
            #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#,
            to: #"{"spec":{"replicas":2,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#,
            schema: patchTestDeploymentSchema)
        #expect(result == (try JSON(parsing: #"{"spec":{"replicas":2,"strategy":{"type":"Recreate"}}}"#)))
    }

    static let failures: [FailingPatchCase] = [
        FailingPatchCase(name: "patch is not an object", document: "{}", patch: "[1]", kind: .badRequest),
        FailingPatchCase(name: "original is not an object", document: "[]", patch: "{}", kind: .badRequest),
        FailingPatchCase(name: "unknown patch type on a map", document: #"{"spec":{}}"#,
                         patch: #"{"spec":{"$patch":"explode"}}"#, kind: .badRequest),
        FailingPatchCase(name: "unknown patch type in a list", document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                         patch: #"{"spec":{"containers":[{"$patch":"explode","name":"a"}]}}"#, kind: .badRequest),
        FailingPatchCase(name: "merge directive in a list", document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                         patch: #"{"spec":{"containers":[{"$patch":"merge"}]}}"#, kind: .badRequest),
        FailingPatchCase(name: "delete element without merge key", document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                         patch: #"{"spec":{"containers":[{"$patch":"delete"}]}}"#, kind: .badRequest),
        FailingPatchCase(name: "element without merge key", document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                         patch: #"{"spec":{"containers":[{"image":"x"}]}}"#, kind: .badRequest),
        FailingPatchCase(name: "retainKeys is not a list", document: #"{"spec":{}}"#,
                         patch: #"{"spec":{"strategy":{"$retainKeys":"type"}}}"#, kind: .badRequest),
        FailingPatchCase(name: "patch sets a key retainKeys does not list", document: #"{"spec":{"strategy":{}}}"#,
                         patch: #"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}"#, kind: .badRequest),
        FailingPatchCase(name: "setElementOrder is not a list", document: #"{"spec":{"containers":[]}}"#,
                         patch: #"{"spec":{"$setElementOrder/containers":{"name":"a"}}}"#, kind: .badRequest),
        FailingPatchCase(name: "setElementOrder without a list name", document: #"{"spec":{}}"#,
                         patch: #"{"spec":{"$setElementOrder/":[]}}"#, kind: .badRequest),
        FailingPatchCase(name: "setElementOrder contradicts the patch list",
                         document: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                         patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b"},{"name":"a"}]}}"#,
                         kind: .badRequest),
        FailingPatchCase(name: "deleteFromPrimitiveList is not a list", document: #"{"metadata":{"finalizers":["a"]}}"#,
                         patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}"#, kind: .badRequest),
        FailingPatchCase(name: "scalars patched into a list of maps", document: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                         patch: #"{"spec":{"containers":[1,2]}}"#, kind: .invalid),
        FailingPatchCase(name: "setElementOrder for a value that is not a list", document: #"{"spec":{"containers":"x"}}"#,
                         patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"}]}}"#, kind: .invalid),
        FailingPatchCase(name: "list of lists", document: #"{"metadata":{"finalizers":[["a"]]}}"#,
                         patch: #"{"metadata":{"finalizers":[["b"]]}}"#, kind: .invalid),
        FailingPatchCase(name: "mixed element types", document: #"{"metadata":{"finalizers":["a"]}}"#,
                         patch: #"{"metadata":{"finalizers":[{"name":"b"}]}}"#, kind: .invalid),
    ]

    @Test(arguments: failures)
    func rejects(_ c: FailingPatchCase) throws {
        let patch = try JSON(parsing: c.patch)
        let document = try JSON(parsing: c.document)
        let error = #expect(throws: PatchError.self) {
            try StrategicMergePatch.apply(patch, to: document, schema: patchTestPodSchema)
        }
        #expect(error?.kind == c.kind, "\(error?.message ?? "")")
    }
}
