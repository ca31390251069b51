import Testing
@testable import KubeAPI

/// Decodes real kubectl v1.32.4 request bodies (see ProtobufFixtures.swift). The expected JSON is
/// what `kubectl create ... --dry-run=client -o json` prints, minus Go's zero-valued structs
/// (`creationTimestamp: null`, `resources: {}`, `strategy: {}`, `status: {}`), which we drop.
@Suite struct ProtobufKubectlTests {
    func decode(_ fixture: String) throws -> JSON { try KubeProtobuf.decode(protobufFixtureBytes(fixture)) }

    @Test func createDeployment() throws {
        let d = try decode(KubectlProtobufFixtures.createDeployment)
        #expect(d == [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "labels": ["app": "web"]],
            "spec": [
                "replicas": 3,
                "selector": ["matchLabels": ["app": "web"]],
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": ["containers": [["name": "nginx", "image": "nginx:1.25",
                                             "ports": [["containerPort": 80]]]]],
                ],
            ],
        ])
        // apiVersion and kind lead, as in kubectl's own JSON.
        #expect(d.objectValue?.keys.prefix(2).elementsEqual(["apiVersion", "kind"]) == true)
    }

    @Test func createNamespace() throws {
        #expect(try decode(KubectlProtobufFixtures.createNamespace)
            == ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns1"]])
    }

    @Test func createConfigMap() throws {
        let cm = try decode(KubectlProtobufFixtures.createConfigMap)
        #expect(cm["data"] == ["a": "b", "greeting": "hello world"])
        #expect(cm["metadata"]["name"] == "cm")
        #expect(cm["binaryData"] == .null)
        #expect(cm["immutable"] == .null)
    }

    @Test func createSecretGenericEncodesDataAsBase64() throws {
        let s = try decode(KubectlProtobufFixtures.createSecretGeneric)
        #expect(s["kind"] == "Secret")
        #expect(s["data"] == ["k": "dg==", "pw": "czNjcjN0IQ=="])  // "v", "s3cr3t!"
        #expect(s["type"] == .null)  // kubectl leaves it empty; the server defaults Opaque
    }

    @Test func createSecretDockerRegistry() throws {
        let s = try decode(KubectlProtobufFixtures.createSecretDockerRegistry)
        #expect(s["type"] == "kubernetes.io/dockerconfigjson")
        let config = try #require(s["data"][".dockerconfigjson"].stringValue)
        #expect(config == "eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ==")
        let decoded = try JSON(parsing: protobufFixtureBytes(config))
        #expect(decoded[path: ["auths", "r.io", "username"]] == "u")
    }

    @Test func createServiceClusterIP() throws {
        let svc = try decode(KubectlProtobufFixtures.createServiceClusterIP)
        #expect(svc["metadata"] == ["name": "svc", "labels": ["app": "svc"]])
        #expect(svc["spec"] == [
            "ports": [
                ["name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080],
                ["name": "443-8443", "protocol": "TCP", "port": 443, "targetPort": 8443],
            ],
            "selector": ["app": "svc"],
            "type": "ClusterIP",
        ])
    }

    @Test func createServiceNodePortAndExternalName() throws {
        let np = try decode(KubectlProtobufFixtures.createServiceNodePort)
        #expect(np["spec"]["type"] == "NodePort")
        #expect(np["spec"]["ports"][0]["nodePort"] == 30080)
        #expect(np["spec"]["ports"][0]["port"] == 5678)
        let ext = try decode(KubectlProtobufFixtures.createServiceExternalName)
        #expect(ext["spec"]["type"] == "ExternalName")
        #expect(ext["spec"]["externalName"] == "example.com")
        #expect(ext["spec"]["ports"] == .null)
        #expect(ext["spec"]["clusterIP"] == .null)
    }

    @Test func createJob() throws {
        let job = try decode(KubectlProtobufFixtures.createJob)
        #expect(job["apiVersion"] == "batch/v1")
        #expect(job["metadata"] == ["name": "j"])
        #expect(job["spec"] == ["template": ["spec": [
            "containers": [["name": "j", "image": "busybox", "command": ["echo", "hi"]]],
            "restartPolicy": "Never",
        ]]])
    }

    @Test func createCronJob() throws {
        let cj = try decode(KubectlProtobufFixtures.createCronJob)
        #expect(cj["kind"] == "CronJob")
        #expect(cj["spec"]["schedule"] == "*/5 * * * *")
        #expect(cj["spec"]["jobTemplate"]["metadata"] == ["name": "c"])
        let pod = cj[path: ["spec", "jobTemplate", "spec", "template", "spec"]]
        #expect(pod["restartPolicy"] == "OnFailure")
        #expect(pod["containers"][0]["command"] == ["echo", "hi"])
        #expect(cj["spec"]["suspend"] == .null)
    }

    @Test func createToken() throws {
        let t = try decode(KubectlProtobufFixtures.createToken)
        #expect(t["apiVersion"] == "authentication.k8s.io/v1")
        #expect(t["kind"] == "TokenRequest")
        #expect(t["spec"] == [
            "audiences": ["api"],
            "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": "p1", "uid": "1234"],
            "expirationSeconds": 3600,
        ])
    }

    @Test func authCanI() throws {
        let pods = try decode(KubectlProtobufFixtures.authCanICreatePods)
        #expect(pods["kind"] == "SelfSubjectAccessReview")
        #expect(pods["spec"] == ["resourceAttributes": ["namespace": "team", "verb": "create", "resource": "pods"]])
        let healthz = try decode(KubectlProtobufFixtures.authCanIGetHealthz)
        #expect(healthz["spec"] == ["nonResourceAttributes": ["path": "/healthz", "verb": "get"]])
        let scale = try decode(KubectlProtobufFixtures.authCanIListScale)
        #expect(scale["spec"]["resourceAttributes"] == [
            "namespace": "default", "verb": "list", "group": "apps", "resource": "deployments",
            "subresource": "scale",
        ])
    }

    @Test func rbac() throws {
        let role = try decode(KubectlProtobufFixtures.createRole)
        #expect(role["rules"] == [["verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]]])
        let rb = try decode(KubectlProtobufFixtures.createRoleBinding)
        #expect(rb["roleRef"] == ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r1"])
        #expect(rb["subjects"] == [
            ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"],
            ["kind": "ServiceAccount", "name": "sa1", "namespace": "default"],
        ])
        let cr = try decode(KubectlProtobufFixtures.createClusterRole)
        #expect(cr["rules"] == [["verbs": ["get"], "nonResourceURLs": ["/logs"]]])
        let crb = try decode(KubectlProtobufFixtures.createClusterRoleBinding)
        #expect(crb["subjects"][0] == ["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"])
        #expect(crb["roleRef"]["kind"] == "ClusterRole")
    }

    @Test func otherGenerators() throws {
        #expect(try decode(KubectlProtobufFixtures.createServiceAccount)
            == ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "sa1"]])
        let quota = try decode(KubectlProtobufFixtures.createQuota)
        #expect(quota["spec"] == ["hard": ["cpu": "1", "memory": "1G", "pods": "2"]])
        let pdb = try decode(KubectlProtobufFixtures.createPDB)
        #expect(pdb["spec"] == ["minAvailable": 1, "selector": ["matchLabels": ["app": "web"]]])
        let pc = try decode(KubectlProtobufFixtures.createPriorityClass)
        #expect(pc["value"] == 1000)
        #expect(pc["description"] == "high")
        #expect(pc["preemptionPolicy"] == "PreemptLowerPriority")
        let ing = try decode(KubectlProtobufFixtures.createIngress)
        // IngressRuleValue is inlined: `http` sits directly in the rule.
        #expect(ing["spec"]["rules"] == [[
            "host": "foo.com",
            "http": ["paths": [[
                "path": "/bar",
                "backend": ["service": ["name": "svc1", "port": ["number": 8080]]],
                "pathType": "Exact",
            ]]],
        ]])
    }

    /// Every prefix of a real body is either decoded or rejected with a 400, never a crash.
    @Test(arguments: [
        KubectlProtobufFixtures.createDeployment, KubectlProtobufFixtures.createCronJob,
        KubectlProtobufFixtures.createSecretGeneric,
    ])
    func truncatedBodiesFailCleanly(fixture: String) {
        let body = protobufFixtureBytes(fixture)
        var failures = 0
        for length in 0..<body.count {
            do {
                _ = try KubeProtobuf.decode(Array(body.prefix(length)))
            } catch {
                #expect(error.code == 400)
                failures += 1
            }
        }
        // Most cuts land inside a length-delimited field and must be rejected.
        #expect(failures > body.count / 2)
    }
}
