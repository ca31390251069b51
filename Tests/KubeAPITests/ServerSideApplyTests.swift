import Testing
@testable import KubeAPI

@Suite struct ServerSideApplyTests {
    static let schema = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
    static let t1 = "2024-05-01T10:00:00Z", t2 = "2024-05-01T11:00:00Z", t3 = "2024-05-01T12:00:00Z"

    /// A Deployment configuration; `spec` is merged over the defaults given here.
    static func config(replicas: Int64? = 2, labels: JSON? = ["app": "web"], containers: JSON? = [["name": "c", "image": "nginx"]],
                       extra: JSONObject = [:]) -> JSON {
        var spec = JSONObject()
        if let replicas { spec["replicas"] = .int(replicas) }
        if let containers { spec["template"] = ["spec": ["containers": containers]] }
        for (key, value) in extra { spec[key] = value }
        var metadata: JSONObject = ["name": "web", "namespace": "default"]
        if let labels { metadata["labels"] = labels }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(metadata), "spec": .object(spec)]
    }

    static func apply(_ live: JSON?, _ applied: JSON, manager: String = "kubectl", force: Bool = false,
                      at time: String = t2) throws(StatusError) -> JSON {
        try ServerSideApply.apply(live: live, applied: applied, manager: manager, force: force, apiVersion: "apps/v1",
                                  time: time, schema: schema, ignoredTopLevelFields: ["status"])
    }

    /// The object as the apiserver stores it after a create by an `Update` manager.
    static func created(by manager: String, _ object: JSON) -> JSON {
        var object = object
        object["metadata"]["uid"] = "u1"
        return ManagedFields.update(old: nil, new: object, manager: manager, apiVersion: "apps/v1", time: t1,
                                    subresource: nil, schema: schema, ignoredTopLevelFields: ["status"])
    }

    static func entry(_ object: JSON, _ manager: String) -> ManagedFields.Entry? {
        ManagedFields.entries(of: object)?.first { $0.manager == manager }
    }

    static func path(_ parts: String...) throws -> [FieldPathElement] {
        try parts.map { part throws -> FieldPathElement in try #require(try FieldPathElement.parse(part)) }
    }

    @Test func firstApplyCreatesWithAnApplyEntryShapedLikeUpstream() throws {
        let result = try Self.apply(nil, Self.config())
        #expect(result["spec"]["replicas"] == 2)
        #expect(result["metadata"]["labels"]["app"] == "web")
        let entries = try #require(ManagedFields.entries(of: result))
        #expect(entries.count == 1)
        let entry = entries[0]
        #expect(entry.manager == "kubectl" && entry.operation == "Apply" && entry.apiVersion == "apps/v1" && entry.time == Self.t2)
        #expect(entry.fields.fieldsV1.jsonString == #"""
            {"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}}}}
            """#)
        // The entry as the API writes it.
        #expect(entry.json["fieldsType"] == "FieldsV1" && entry.json["operation"] == "Apply")
    }

    @Test func reapplyDroppingAFieldRemovesIt() throws {
        let first = try Self.apply(nil, Self.config(labels: ["app": "web", "tier": "front"]), at: Self.t1)
        let second = try Self.apply(first, Self.config(labels: ["app": "web"]), at: Self.t2)
        #expect(second["metadata"]["labels"] == ["app": "web"])
        let fields = try #require(Self.entry(second, "kubectl")).fields
        #expect(!fields.contains(try Self.path("f:metadata", "f:labels", "f:tier")))
        #expect(fields.contains(try Self.path("f:metadata", "f:labels", "f:app")))
        #expect(Self.entry(second, "kubectl")?.time == Self.t2)
    }

    @Test func droppingANestedFieldOfAKeptItemRemovesOnlyThatField() throws {
        let first = try Self.apply(nil, Self.config(containers: [["name": "c", "image": "nginx", "command": ["sh"]]]))
        let second = try Self.apply(first, Self.config())
        #expect(second["spec"]["template"]["spec"]["containers"] == [["name": "c", "image": "nginx"]])
    }

    @Test func aFieldAlsoOwnedByAnUpdateManagerIsKeptButReleased() throws {
        let live = Self.created(by: "kubectl-create", Self.config())
        // Same value: no conflict, both own spec.replicas.
        let shared = try Self.apply(live, Self.config())
        let replicas = try Self.path("f:spec", "f:replicas")
        #expect(Self.entry(shared, "kubectl")?.fields.contains(replicas) == true)
        #expect(Self.entry(shared, "kubectl-create")?.fields.contains(replicas) == true)

        let released = try Self.apply(shared, Self.config(replicas: nil))
        #expect(released["spec"]["replicas"] == 2)
        #expect(Self.entry(released, "kubectl")?.fields.contains(replicas) == false)
        #expect(Self.entry(released, "kubectl-create")?.fields.contains(replicas) == true)
    }

    @Test func conflictWithAnUpdateOwnerIsA409LikeUpstream() throws {
        let live = Self.created(by: "kubectl-client-side-apply", Self.config(replicas: 1))
        let error = #expect(throws: StatusError.self) { try Self.apply(live, Self.config(replicas: 3)) }
        #expect(error?.code == 409)
        #expect(error?.reason == "Conflict")
        #expect(error?.message == #"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#)
        #expect(error?.details?.causes == [StatusCause(reason: "FieldManagerConflict",
                                                       message: #"conflict with "kubectl-client-side-apply" using apps/v1"#,
                                                       field: ".spec.replicas")])
        let status = try #require(error?.status)
        #expect(status["details"]["causes"][0]["reason"] == "FieldManagerConflict")
    }

    @Test func severalConflictsAreListedUnderTheirManager() throws {
        let live = Self.created(by: "m", Self.config(replicas: 1, containers: [["name": "c", "image": "old"]]))
        let error = #expect(throws: StatusError.self) { try Self.apply(live, Self.config(replicas: 3)) }
        #expect(error?.message == """
            Apply failed with 2 conflicts: conflicts with "m" using apps/v1:
            - .spec.replicas
            - .spec.template.spec.containers[name="c"].image
            """)
        #expect(error?.details?.causes.map(\.field) == [".spec.replicas", #".spec.template.spec.containers[name="c"].image"#])
    }

    @Test func conflictWithAnotherApplierNamesItWithoutVersion() throws {
        let live = try Self.apply(nil, Self.config(replicas: 1), manager: "other")
        let error = #expect(throws: StatusError.self) { try Self.apply(live, Self.config(replicas: 3)) }
        #expect(error?.message == #"Apply failed with 1 conflict: conflict with "other": .spec.replicas"#)
    }

    @Test func forceTakesOwnershipAndDropsEmptiedEntries() throws {
        let live = Self.created(by: "kubectl-client-side-apply", Self.config(replicas: 1, labels: nil, containers: nil))
        let result = try Self.apply(live, Self.config(replicas: 3), force: true)
        #expect(result["spec"]["replicas"] == 3)
        // Its only field was taken: the entry is gone.
        #expect(Self.entry(result, "kubectl-client-side-apply") == nil)
        #expect(Self.entry(result, "kubectl")?.fields.contains(try Self.path("f:spec", "f:replicas")) == true)

        let kept = Self.created(by: "csa", Self.config(replicas: 1))
        let forced = try Self.apply(kept, Self.config(replicas: 3), force: true)
        let csa = try #require(Self.entry(forced, "csa")).fields
        #expect(!csa.contains(try Self.path("f:spec", "f:replicas")))
        #expect(csa.contains(try Self.path("f:metadata", "f:labels", "f:app")))
    }

    @Test func twoAppliersOwnTheirOwnContainers() throws {
        let a = try Self.apply(nil, Self.config(containers: [["name": "a", "image": "one"]]), manager: "alice")
        let b = try Self.apply(a, Self.config(replicas: nil, labels: nil, containers: [["name": "b", "image": "two"]]), manager: "bob")
        #expect(b["spec"]["template"]["spec"]["containers"] == [["name": "a", "image": "one"], ["name": "b", "image": "two"]])
        #expect(Self.entry(b, "bob")?.fields.contains(try Self.path("f:spec", "f:template", "f:spec", "f:containers", #"k:{"name":"b"}"#)) == true)

        // Alice stops applying her container: only hers goes.
        let c = try Self.apply(b, Self.config(containers: nil), manager: "alice")
        #expect(c["spec"]["template"]["spec"]["containers"] == [["name": "b", "image": "two"]])
        // Bob stops applying his: the list is left empty.
        let d = try Self.apply(c, Self.config(replicas: nil, labels: nil, containers: []), manager: "bob")
        #expect(d["spec"]["template"]["spec"]["containers"] == [])
        #expect(d["spec"]["replicas"] == 2)
    }

    @Test func applyingTheSameConfigurationTwiceIsANoOp() throws {
        let first = try Self.apply(nil, Self.config(), at: Self.t1)
        let second = try Self.apply(first, Self.config(), at: Self.t3)
        #expect(second == first)
        #expect(Self.entry(second, "kubectl")?.time == Self.t1)
    }

    @Test func ignoredTopLevelFieldsAreNeitherAppliedNorOwned() throws {
        var applied = Self.config()
        applied["status"] = ["replicas": 5]
        let result = try Self.apply(nil, applied)
        #expect(result["status"].isNull)
        #expect(Self.entry(result, "kubectl")?.fields.children[.field("status")] == nil)
    }

    @Test func withoutSchemaListsAreAtomic() throws {
        let applied: JSON = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"],
                             "spec": ["items": [["name": "x"]]]]
        let result = try ServerSideApply.apply(live: nil, applied: applied, manager: "m", force: false, apiVersion: "example.com/v1",
                                               time: Self.t1, schema: nil, ignoredTopLevelFields: [])
        #expect(Self.entry(result, "m")?.fields.fieldsV1.jsonString == #"{"f:spec":{"f:items":{}}}"#)
    }

    static let badConfigs: [(String, JSON, String)] = [
        ("not an object", ["a"], "must be an object"),
        ("no apiVersion", ["kind": "Deployment", "metadata": ["name": "web"]], "invalid object type: /, Kind=Deployment"),
        ("no kind", ["apiVersion": "apps/v1", "metadata": ["name": "web"]], "invalid object type: apps/v1, Kind="),
        ("wrong version", ["apiVersion": "apps/v2", "kind": "Deployment", "metadata": ["name": "web"]],
         "Incorrect version specified in apply patch. Specified patch version: apps/v2, expected: apps/v1"),
        ("no name", ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["labels": ["a": "b"]]], "metadata.name: Required value"),
        ("no metadata", ["apiVersion": "apps/v1", "kind": "Deployment"], "metadata.name: Required value"),
        ("managedFields", ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "managedFields": []]],
         "metadata.managedFields must be nil"),
        ("duplicate keys", ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                            "spec": ["template": ["spec": ["containers": [["name": "a"], ["name": "a"]]]]]],
         #"duplicate entries for key [name="a"]"#),
        ("missing merge key", ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                               "spec": ["template": ["spec": ["containers": [["image": "x"]]]]]],
         #"omits key field "name""#),
    ]

    @Test(arguments: badConfigs)
    func badConfigurationsAreRefusedWith400(_ name: String, _ applied: JSON, _ message: String) {
        let error = #expect(throws: StatusError.self, "\(name)") { try Self.apply(nil, applied) }
        #expect(error?.code == 400, "\(name)")
        #expect(error?.message.contains(message) == true, "\(name): \(error?.message ?? "")")
    }

    @Test func aDifferentNameOrKindThanTheLiveObjectIsRefused() throws {
        let live = try Self.apply(nil, Self.config())
        var renamed = Self.config()
        renamed["metadata"]["name"] = "other"
        #expect(throws: StatusError.badRequest("the name of the object (other) does not match the name on the URL (web)")) {
            try Self.apply(live, renamed)
        }
        var rekinded = Self.config()
        rekinded["kind"] = "ReplicaSet"
        #expect(throws: StatusError.badRequest("invalid object type: apps/v1, Kind=ReplicaSet")) { try Self.apply(live, rekinded) }
        #expect(throws: StatusError.self) {
            try ServerSideApply.apply(live: live, applied: Self.config(), manager: "", force: false, apiVersion: "apps/v1",
                                      time: Self.t1, schema: Self.schema, ignoredTopLevelFields: [])
        }
    }
}
