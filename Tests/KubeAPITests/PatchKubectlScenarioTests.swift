import Testing
@testable import KubeAPI

/// Patches as kubectl sends them, applied to live objects with the built-in schemas.
@Suite struct PatchKubectlScenarioTests {
    /// The example patch of kubectl-contract.md §6, verbatim.
    static let contractPatch = #"""
        {"metadata":{"$deleteFromPrimitiveList/finalizers":["c/d"],"$setElementOrder/finalizers":["a/b"],"labels":{"tier":null},
          "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{…}\n"}},
         "spec":{"$setElementOrder/containers":[{"name":"a"}],
          "containers":[{"name":"a","$setElementOrder/env":[{"name":"X"}],"env":[{"$patch":"delete","name":"Y"}],"volumeMounts":null},{"$patch":"delete","name":"b"}],
          "volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/tmp"},"name":"v"}]}}
        """#

    @Test func contractExample() throws {
        let live = try JSON(parsing: #"""
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"web","namespace":"default","labels":{"app":"web","tier":"front"},"finalizers":["a/b","c/d"],
               "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old\n"}},
             "spec":{"containers":[{"name":"a","image":"nginx","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],
                 "volumeMounts":[{"name":"v","mountPath":"/data"}]},{"name":"b","image":"busybox"}],
               "volumes":[{"name":"v","emptyDir":{}}],"nodeName":"n1"},
             "status":{"phase":"Running"}}
            """#)
        let expected = try JSON(parsing: #"""
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"finalizers":["a/b"],
               "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{…}\n"}},
             "spec":{"containers":[{"name":"a","image":"nginx","env":[{"name":"X","value":"1"}]}],
               "volumes":[{"name":"v","hostPath":{"path":"/tmp"}}],"nodeName":"n1"},
             "status":{"phase":"Running"}}
            """#)
        let result = try StrategicMergePatch.apply(JSON(parsing: Self.contractPatch), to: live, schema: patchTestPodSchema)
        #expect(result == expected, "\(result.jsonString)")
        #expect(!containsPatchDirective(result))
    }

    @Test func contractExampleOnAnEmptyObjectLeavesNoDirectives() throws {
        let result = try StrategicMergePatch.apply(JSON(parsing: Self.contractPatch), to: .object([:]), schema: patchTestPodSchema)
        #expect(!containsPatchDirective(result), "\(result.jsonString)")
        #expect(result[path: ["spec", "volumes"]] == (try JSON(parsing: #"[{"hostPath":{"path":"/tmp"},"name":"v"}]"#)))
        #expect(result[path: ["spec", "containers"]] == (try JSON(parsing: #"[{"name":"a","env":[]}]"#)))
    }

    @Test func applyDeployment() throws {
        let live = try JSON(parsing: #"""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"7","labels":{"app":"web"},
               "annotations":{"deployment.kubernetes.io/revision":"1","kubectl.kubernetes.io/last-applied-configuration":"old"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[
                    {"name":"app","image":"app:1","command":["run"],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                     "ports":[{"containerPort":8080,"protocol":"TCP"}],"imagePullPolicy":"IfNotPresent"},
                    {"name":"sidecar","image":"side:1"}],
                  "restartPolicy":"Always"}}},
             "status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}
            """#)
        // What kubectl apply sends after the manifest changed the image, dropped env B and the
        // command, added env C and a logger container, removed the sidecar and switched to Recreate.
        let patch = try JSON(parsing: #"""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"}},
             "spec":{"replicas":3,
               "strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},
               "template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"logger"}],
                 "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"C"}],"command":null,
                     "env":[{"name":"C","value":"3"},{"$patch":"delete","name":"B"}],"image":"app:2","name":"app"},
                   {"image":"log:1","name":"logger"},
                   {"$patch":"delete","name":"sidecar"}]}}}}
            """#)
        let expected = try JSON(parsing: #"""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"7","labels":{"app":"web"},
               "annotations":{"deployment.kubernetes.io/revision":"1","kubectl.kubernetes.io/last-applied-configuration":"new"}},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
               "strategy":{"type":"Recreate"},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[
                    {"name":"app","image":"app:2","env":[{"name":"A","value":"1"},{"name":"C","value":"3"}],
                     "ports":[{"containerPort":8080,"protocol":"TCP"}],"imagePullPolicy":"IfNotPresent"},
                    {"image":"log:1","name":"logger"}],
                  "restartPolicy":"Always"}}},
             "status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}
            """#)
        let result = try StrategicMergePatch.apply(patch, to: live, schema: patchTestDeploymentSchema)
        #expect(result == expected, "\(result.jsonString)")
    }

    @Test func cronJobPodTemplateMergesContainersByName() throws {
        let schema = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "batch", version: "v1", kind: "CronJob"))
        let live = try JSON(parsing: #"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}}}}}}"#)
        let patch = try JSON(parsing: #"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"2"}]}}}}}}"#)
        let result = try StrategicMergePatch.apply(patch, to: live, schema: schema)
        #expect(result[path: ["spec", "jobTemplate", "spec", "template", "spec", "containers"]]
                == (try JSON(parsing: #"[{"name":"a","image":"2"},{"name":"b"}]"#)))
    }

    @Test func serviceAndNodeLists() throws {
        let service = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "", version: "v1", kind: "Service"))
        let merged = try StrategicMergePatch.apply(
            JSON(parsing: #"{"spec":{"ports":[{"port":443,"targetPort":8443}]}}"#),
            to: JSON(parsing: #"{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443,"targetPort":443}]}}"#),
            schema: service)
        #expect(merged == (try JSON(parsing: #"{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443,"targetPort":8443}]}}"#)))

        let node = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "", version: "v1", kind: "Node"))
        let status = try StrategicMergePatch.apply(
            JSON(parsing: #"{"status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"Hostname","address":"n2"}]}}"#),
            to: JSON(parsing: #"{"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"False"}],"addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"n1"}]}}"#),
            schema: node)
        #expect(status == (try JSON(parsing: #"{"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"n2"}]}}"#)))
    }
}

@Suite struct BuiltinMergeSchemasTests {
    /// Follows a path of field names (`[]` steps into list elements) and reads the metadata there.
    static func meta(_ gvk: GroupVersionKind, _ path: [String]) -> (key: String?, strategy: String?)? {
        var current = BuiltinMergeSchemas.schema(for: gvk)
        for step in path {
            current = step == "[]" ? current?.elements : current?.field(step)
        }
        guard let current else { return nil }
        return (current.patchMergeKey, current.patchStrategy)
    }

    struct Expectation: Sendable, CustomTestStringConvertible {
        var group: String
        var kind: String
        var path: String
        var key: String?
        var strategy: String?
        var testDescription: String { "\(kind) \(path)" }
    }

    static let expectations: [Expectation] = [
        Expectation(group: "", kind: "Pod", path: "metadata.finalizers", key: nil, strategy: "merge"),
        Expectation(group: "", kind: "ConfigMap", path: "metadata.ownerReferences", key: "uid", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.containers", key: "name", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.initContainers.[].env", key: "name", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.ephemeralContainers.[].volumeMounts", key: "mountPath", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.containers.[].ports", key: "containerPort", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.containers.[].volumeDevices", key: "devicePath", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.containers.[].envFrom", key: nil, strategy: nil),
        Expectation(group: "", kind: "Pod", path: "spec.volumes", key: "name", strategy: "merge,retainKeys"),
        Expectation(group: "", kind: "Pod", path: "spec.imagePullSecrets", key: "name", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.tolerations", key: nil, strategy: nil),
        Expectation(group: "", kind: "Pod", path: "spec.hostAliases", key: "ip", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "spec.resourceClaims", key: "name", strategy: "merge,retainKeys"),
        Expectation(group: "", kind: "Pod", path: "spec.schedulingGates", key: "name", strategy: "merge"),
        Expectation(group: "", kind: "Pod", path: "status.conditions", key: "type", strategy: "merge"),
        Expectation(group: "", kind: "PodTemplate", path: "template.spec.containers", key: "name", strategy: "merge"),
        Expectation(group: "", kind: "ReplicationController", path: "spec.template.spec.volumes", key: "name", strategy: "merge,retainKeys"),
        Expectation(group: "apps", kind: "Deployment", path: "spec.template.spec.containers.[].env", key: "name", strategy: "merge"),
        Expectation(group: "apps", kind: "Deployment", path: "spec.template.metadata.finalizers", key: nil, strategy: "merge"),
        Expectation(group: "apps", kind: "Deployment", path: "spec.strategy", key: nil, strategy: "retainKeys"),
        Expectation(group: "apps", kind: "Deployment", path: "status.conditions", key: "type", strategy: "merge"),
        Expectation(group: "apps", kind: "ReplicaSet", path: "spec.template.spec.containers", key: "name", strategy: "merge"),
        Expectation(group: "apps", kind: "StatefulSet", path: "status.conditions", key: "type", strategy: "merge"),
        Expectation(group: "apps", kind: "DaemonSet", path: "spec.template.spec.initContainers", key: "name", strategy: "merge"),
        Expectation(group: "batch", kind: "Job", path: "spec.template.spec.containers", key: "name", strategy: "merge"),
        Expectation(group: "batch", kind: "Job", path: "status.conditions", key: "type", strategy: "merge"),
        Expectation(group: "batch", kind: "CronJob", path: "spec.jobTemplate.spec.template.spec.containers", key: "name", strategy: "merge"),
        Expectation(group: "", kind: "Service", path: "spec.ports", key: "port", strategy: "merge"),
        Expectation(group: "", kind: "Node", path: "status.conditions", key: "type", strategy: "merge"),
        Expectation(group: "", kind: "Node", path: "status.addresses", key: "type", strategy: "merge"),
        Expectation(group: "rbac.authorization.k8s.io", kind: "Role", path: "metadata.finalizers", key: nil, strategy: "merge"),
    ]

    @Test(arguments: expectations)
    func patchMetadata(_ e: Expectation) throws {
        let path = e.path.split(separator: ".").map(String.init)
        let found = try #require(Self.meta(GroupVersionKind(group: e.group, version: "v1", kind: e.kind), path))
        #expect(found.key == e.key)
        #expect(found.strategy == e.strategy)
    }

    @Test func plainMapsAndCustomResources() {
        let secret = BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "", version: "v1", kind: "Secret"))
        #expect(secret != nil)
        #expect(secret?.field("data") == nil)
        #expect(BuiltinMergeSchemas.schema(for: GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")) == nil)
    }
}
