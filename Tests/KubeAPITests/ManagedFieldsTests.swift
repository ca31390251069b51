import Testing
@testable import KubeAPI

/// A literal schema for tests: merge keys and strategies by position.
struct LiteralSchema: StrategicMergeSchema {
    var fields: [String: LiteralSchema] = [:]
    var elementList: [LiteralSchema] = []
    var patchMergeKey: String?
    var patchStrategy: String?

    func field(_ key: String) -> (any StrategicMergeSchema)? { fields[key] }
    var elements: (any StrategicMergeSchema)? { elementList.first }
}

@Suite struct ManagedFieldsTests {
    static let schema = LiteralSchema(fields: [
        "metadata": LiteralSchema(fields: ["finalizers": LiteralSchema(patchStrategy: "merge")]),
        "spec": LiteralSchema(fields: [
            "template": LiteralSchema(fields: [
                "spec": LiteralSchema(fields: [
                    "containers": LiteralSchema(
                        elementList: [LiteralSchema(fields: [
                            "ports": LiteralSchema(elementList: [LiteralSchema()], patchMergeKey: "containerPort", patchStrategy: "merge"),
                        ])],
                        patchMergeKey: "name", patchStrategy: "merge"),
                ]),
            ]),
        ]),
    ])

    static let t1 = "2024-05-01T10:00:00Z", t2 = "2024-05-01T11:00:00Z", t3 = "2024-05-01T12:00:00Z", t4 = "2024-05-01T13:00:00Z"

    static func deployment() throws -> JSON {
        try JSON(parsing: #"""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"1",
                         "creationTimestamp":"2024-05-01T10:00:00Z","generation":1,"labels":{"app":"web"}},
             "spec":{"replicas":1,"template":{"spec":{"containers":[
                {"name":"c","image":"nginx","ports":[{"containerPort":80}]}]}}},
             "status":{"replicas":0}}
            """#)
    }

    static func create() throws -> JSON {
        ManagedFields.update(old: nil, new: try deployment(), manager: "kubectl-create", apiVersion: "apps/v1",
                             time: t1, subresource: nil, schema: schema, ignoredTopLevelFields: ["status"])
    }

    static func update(_ old: JSON, _ manager: String, at time: String, _ change: (inout JSON) -> Void) -> JSON {
        var new = old
        change(&new)
        return ManagedFields.update(old: old, new: new, manager: manager, apiVersion: "apps/v1", time: time,
                                    subresource: nil, schema: schema, ignoredTopLevelFields: ["status"])
    }

    static func fields(_ object: JSON, _ manager: String) -> FieldSet? {
        ManagedFields.entries(of: object)?.first { $0.manager == manager }?.fields
    }

    static func path(_ parts: String...) -> [FieldPathElement] {
        parts.map { part in
            if part.hasPrefix("k:") { return try! FieldPathElement.parse(part)! }
            return .field(part)
        }
    }

    @Test func createOwnsEverythingButServerMetadataAndStatus() throws {
        let created = try Self.create()
        let entries = try #require(created["metadata"]["managedFields"].arrayValue)
        #expect(entries.count == 1)
        let expected = #"{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{".":{},"f:spec":{".":{},"f:containers":{".":{},"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80}":{".":{},"f:containerPort":{}}}}}}}}}}"#
        #expect(entries[0].jsonString == expected)
        // The rest of the object is untouched and managedFields is appended to metadata.
        #expect(ManagedFields.strip(created) == (try Self.deployment()))
        #expect(created["metadata"].objectValue?.keys.last == "managedFields")
    }

    @Test func updateByTwoManagersMovesOwnership() throws {
        let created = try Self.create()
        // kubectl edit: change the image, add a label; it sends managedFields back unchanged.
        let edited = Self.update(created, "kubectl-edit", at: Self.t2) { object in
            object["spec"] = try! JSON(parsing: #"{"replicas":1,"template":{"spec":{"containers":[{"name":"c","image":"nginx:2","ports":[{"containerPort":80}]}]}}}"#)
            object["metadata"]["labels"]["tier"] = "fe"
            object["metadata"]["resourceVersion"] = "2"
        }
        let image = Self.path("spec", "template", "spec", "containers", #"k:{"name":"c"}"#, "image")
        let creator = try #require(Self.fields(edited, "kubectl-create"))
        let editor = try #require(Self.fields(edited, "kubectl-edit"))
        #expect(!creator.contains(image))
        #expect(creator.contains(Self.path("spec", "replicas")))
        #expect(creator.contains(Self.path("metadata", "labels", "app")))
        #expect(editor.paths == [Self.path("metadata", "labels", "tier"), image])
        let entries = try #require(ManagedFields.entries(of: edited))
        #expect(entries.map(\.manager) == ["kubectl-create", "kubectl-edit"])
        #expect(entries.map(\.time) == [Self.t1, Self.t2])

        // The creator changes replicas again: same entry, new time, now sorted last.
        let scaled = Self.update(edited, "kubectl-create", at: Self.t3) { $0["spec"]["replicas"] = 3 }
        let afterScale = try #require(ManagedFields.entries(of: scaled))
        #expect(afterScale.map(\.manager) == ["kubectl-edit", "kubectl-create"])
        #expect(afterScale.map(\.time) == [Self.t2, Self.t3])
        #expect(afterScale[1].fields.contains(Self.path("spec", "replicas")))

        // The editor removes the creator's label: the creator loses it, the editor's time stays.
        let unlabelled = Self.update(scaled, "kubectl-edit", at: Self.t4) { object in
            object["metadata"]["labels"] = ["tier": "fe"]
        }
        let afterRemoval = try #require(ManagedFields.entries(of: unlabelled))
        #expect(afterRemoval.map(\.time) == [Self.t2, Self.t3])
        #expect(!afterRemoval[1].fields.contains(Self.path("metadata", "labels", "app")))
        #expect(afterRemoval[1].fields.contains(Self.path("metadata", "labels")))
    }

    @Test func entriesThatBecomeEmptyAreDropped() throws {
        let created = try Self.create()
        var replaced = try Self.deployment()
        replaced["metadata"]["labels"] = ["app": "other"]
        replaced["spec"] = try JSON(parsing: #"{"replicas":2,"template":{"spec":{"containers":[{"name":"d","image":"x"}]}}}"#)
        replaced["metadata"]["managedFields"] = created["metadata"]["managedFields"]
        let result = ManagedFields.update(old: created, new: replaced, manager: "replacer", apiVersion: "apps/v1",
                                          time: Self.t2, subresource: nil, schema: Self.schema)
        let entries = try #require(ManagedFields.entries(of: result))
        #expect(entries.map(\.manager) == ["kubectl-create", "replacer"])
        // kubectl-create keeps only the containers list and labels map it created.
        #expect(entries[0].fields.paths == [Self.path("metadata", "labels"),
                                            Self.path("spec", "template"),
                                            Self.path("spec", "template", "spec"),
                                            Self.path("spec", "template", "spec", "containers")])
        // Undoing every change of "replacer" leaves it nothing: its entry goes away.
        let undone = ManagedFields.update(old: result, new: ManagedFields.strip(try Self.deployment()), manager: "x",
                                          apiVersion: "apps/v1", time: Self.t3, subresource: nil, schema: Self.schema)
        #expect(ManagedFields.entries(of: undone)?.map(\.manager) == ["kubectl-create", "x"])
    }

    @Test func noChangeKeepsTimes() throws {
        let created = try Self.create()
        let same = Self.update(created, "kubectl-edit", at: Self.t2) { $0["metadata"]["resourceVersion"] = "9" }
        #expect(same["metadata"]["managedFields"] == created["metadata"]["managedFields"])
    }

    @Test func statusSubresourceEntry() throws {
        let created = try Self.create()
        var new = created
        new["status"]["replicas"] = 1
        new["spec"]["replicas"] = 5  // ignored on a status write
        let result = ManagedFields.update(old: created, new: new, manager: "kube-controller-manager", apiVersion: "apps/v1",
                                          time: Self.t2, subresource: "status", schema: Self.schema,
                                          ignoredTopLevelFields: ["spec", "metadata"])
        let entries = try #require(result["metadata"]["managedFields"].arrayValue)
        #expect(entries.count == 2)
        #expect(entries[1].jsonString == #"{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2024-05-01T11:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:replicas":{}}},"subresource":"status"}"#)
        // The creator still owns spec.replicas: the ignored change took nothing away.
        #expect(Self.fields(result, "kubectl-create")?.contains(Self.path("spec", "replicas")) == true)
    }

    @Test func setListsAndAtomicLists() throws {
        let old: JSON = ["metadata": ["name": "a", "finalizers": ["x"]], "spec": ["args": ["a", "b"]]]
        var new = old
        new["metadata"]["finalizers"] = ["x", "y"]
        new["spec"]["args"] = ["a", "c"]
        let result = ManagedFields.update(old: old, new: new, manager: "m", apiVersion: "v1", time: Self.t1,
                                          subresource: nil, schema: Self.schema)
        #expect(result["metadata"]["managedFields"][0]["fieldsV1"].jsonString
                == #"{"f:metadata":{"f:finalizers":{"v:\"y\"":{}}},"f:spec":{"f:args":{}}}"#)
    }

    @Test func duplicateKeysOwnTheElementWhole() throws {
        let old: JSON = ["spec": ["template": ["spec": ["containers": []]]]]
        var new = old
        new["spec"]["template"]["spec"]["containers"] = [["name": "a", "image": "1"], ["name": "a", "image": "2"]]
        let result = ManagedFields.update(old: old, new: new, manager: "m", apiVersion: "v1", time: Self.t1,
                                          subresource: nil, schema: Self.schema)
        #expect(result["metadata"]["managedFields"][0]["fieldsV1"].jsonString
                == #"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{}}}}}}"#)
    }

    @Test func resetAndInvalidRequestedManagedFields() throws {
        let created = try Self.create()
        // [{}] resets: only the current write's fields remain.
        var reset = created
        reset["metadata"]["managedFields"] = [[:]]
        reset["spec"]["replicas"] = 2
        let afterReset = ManagedFields.update(old: created, new: reset, manager: "m", apiVersion: "apps/v1",
                                              time: Self.t2, subresource: nil, schema: Self.schema)
        #expect(ManagedFields.entries(of: afterReset)?.map(\.manager) == ["m"])
        // An invalid entry in the request falls back to the live object's entries.
        var invalid = created
        invalid["metadata"]["managedFields"] = [["manager": "x", "operation": "Bogus", "apiVersion": "v1", "fieldsType": "FieldsV1"]]
        invalid["spec"]["replicas"] = 2
        let afterInvalid = ManagedFields.update(old: created, new: invalid, manager: "m", apiVersion: "apps/v1",
                                                time: Self.t2, subresource: nil, schema: Self.schema)
        #expect(ManagedFields.entries(of: afterInvalid)?.map(\.manager) == ["kubectl-create", "m"])
    }

    @Test func sameManagerOtherApiVersionIsAnotherEntry() throws {
        let created = try Self.create()
        var new = created
        new["spec"]["replicas"] = 4
        let result = ManagedFields.update(old: created, new: new, manager: "kubectl-create", apiVersion: "apps/v1beta1",
                                          time: Self.t2, subresource: nil, schema: Self.schema)
        #expect(ManagedFields.entries(of: result)?.map(\.apiVersion) == ["apps/v1", "apps/v1beta1"])
    }

    @Test func capsUpdateManagersIntoAncientChanges() throws {
        var object: JSON = ["metadata": ["name": "a"]]
        for i in 0..<13 {
            var new = object
            new["metadata"]["labels"]["l\(i)"] = "x"
            let time = "2024-05-01T10:00:\(i < 10 ? "0" : "")\(i)Z"
            object = ManagedFields.update(old: object, new: new, manager: "m\(i)", apiVersion: "v1", time: time,
                                          subresource: nil, schema: nil)
        }
        let entries = try #require(ManagedFields.entries(of: object))
        #expect(entries.count == ManagedFields.maxUpdateManagers)
        let ancient = try #require(entries.first { $0.manager == "ancient-changes" })
        #expect(ancient.fields.paths == [[.field("metadata"), .field("labels")],
                                         [.field("metadata"), .field("labels"), .field("l0")],
                                         [.field("metadata"), .field("labels"), .field("l1")],
                                         [.field("metadata"), .field("labels"), .field("l2")],
                                         [.field("metadata"), .field("labels"), .field("l3")]])
        #expect(ancient.time == "2024-05-01T10:00:03Z")
        #expect(entries.map(\.manager).filter { $0.hasPrefix("m") } == (4..<13).map { "m\($0)" })
    }

    // MARK: - FieldsV1

    @Test func fieldsV1RoundTrip() throws {
        let text = #"{"f:a":{},"f:b":{".":{},"f:c":{}},"f:l":{"k:{\"name\":\"x\",\"port\":1}":{".":{},"f:v":{}},"v:3":{},"v:\"s\"":{},"i:0":{}}}"#
        let set = try FieldSet(fieldsV1: try JSON(parsing: text))
        #expect(set.fieldsV1.jsonString == text)
        #expect(set.contains([.field("b")]))
        #expect(!set.contains([.field("l")]))
        #expect(set.contains([.field("l"), .value(3)]))
        // Unknown element types are skipped, as upstream does.
        #expect(try FieldSet(fieldsV1: JSON(parsing: #"{"f:a":{},"z:q":{}}"#)).paths == [[.field("a")]])
    }

    @Test(arguments: [#"{"x":{}}"#, #"{"f:a":1}"#, #"{"k:notjson":{}}"#, #"{"i:x":{}}"#, #"[]"#])
    func rejectsBadFieldsV1(text: String) throws {
        let json = try JSON(parsing: text)
        #expect(throws: ManagedFieldsDecodingError.self) { try FieldSet(fieldsV1: json) }
    }

    @Test func setOperations() {
        let a = FieldSet(paths: [[.field("x")], [.field("x"), .field("y")], [.field("z")]])
        let b = FieldSet(paths: [[.field("x")]])
        #expect(a.difference(b).paths == [[.field("x"), .field("y")], [.field("z")]])
        #expect(a.recursiveDifference(b).paths == [[.field("z")]])
        #expect(a.intersection(b).paths == [[.field("x")]])
        #expect(b.union(FieldSet(paths: [[.field("w")]])).paths == [[.field("w")], [.field("x")]])
        #expect(FieldSet().isEmpty && !a.isEmpty)
    }

    @Test func stripRemovesOnlyManagedFields() throws {
        let created = try Self.create()
        let stripped = ManagedFields.strip(created)
        #expect(stripped["metadata"]["managedFields"].isNull)
        #expect(stripped["metadata"]["name"] == "web")
        #expect(ManagedFields.strip("text") == "text")
    }
}
