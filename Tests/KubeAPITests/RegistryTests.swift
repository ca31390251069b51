import Testing
@testable import KubeAPI

@Suite struct RegistryTests {
    @Test(arguments: [
        ("po", "pods"), ("pod", "pods"), ("pods", "pods"), ("svc", "services"), ("deploy", "deployments.apps"),
        ("rs", "replicasets.apps"), ("sts", "statefulsets.apps"), ("ds", "daemonsets.apps"), ("cj", "cronjobs.batch"),
        ("jobs", "jobs.batch"), ("rc", "replicationcontrollers"), ("cm", "configmaps"), ("ns", "namespaces"),
        ("no", "nodes"), ("ev", "events"), ("ep", "endpoints"), ("sa", "serviceaccounts"), ("pv", "persistentvolumes"),
        ("pvc", "persistentvolumeclaims"), ("limits", "limitranges"), ("quota", "resourcequotas"),
        ("ing", "ingresses.networking.k8s.io"), ("netpol", "networkpolicies.networking.k8s.io"),
        ("pdb", "poddisruptionbudgets.policy"), ("pc", "priorityclasses.scheduling.k8s.io"),
        ("sc", "storageclasses.storage.k8s.io"), ("csr", "certificatesigningrequests.certificates.k8s.io"),
        ("crd", "customresourcedefinitions.apiextensions.k8s.io"), ("deployments.apps", "deployments.apps"),
        ("deploy.apps", "deployments.apps"), ("DEPLOY", "deployments.apps"), ("lease", "leases.coordination.k8s.io"),
    ])
    func resolvesNames(token: String, expected: String) {
        #expect(ResourceRegistry.resources(named: token).first?.qualifiedName == expected)
    }

    @Test(arguments: ["", "nope", "pods.apps", "deploy.", ".apps"])
    func unknownNamesResolveToNothing(token: String) {
        #expect(ResourceRegistry.resources(named: token).isEmpty)
    }

    @Test func eventsShortNameCoversBothGroupsCoreFirst() {
        let found = ResourceRegistry.resources(named: "ev").map(\.apiVersion)
        #expect(found == ["v1", "events.k8s.io/v1"])
    }

    @Test(arguments: [
        ("", "v1", "pods", "Pod", true), ("", "v1", "nodes", "Node", false), ("apps", "v1", "deployments", "Deployment", true),
        ("batch", "v1", "cronjobs", "CronJob", true), ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        ("storage.k8s.io", "v1", "csinodes", "CSINode", false), ("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
    ])
    func looksUpByGroupVersionResource(group: String, version: String, plural: String, kind: String, namespaced: Bool) throws {
        let r = try #require(ResourceRegistry.resource(group: group, version: version, plural: plural))
        #expect(r.kind == kind)
        #expect(r.namespaced == namespaced)
    }

    @Test func unknownGroupVersionResourceIsNil() {
        #expect(ResourceRegistry.resource(group: "apps", version: "v1", plural: "pods") == nil)
        #expect(ResourceRegistry.resource(group: "", version: "v2", plural: "pods") == nil)
    }

    @Test(arguments: [
        ("Pod", "v1", "pods"), ("Deployment", "apps/v1", "deployments"), ("Event", "v1", "events"),
        ("Event", "events.k8s.io/v1", "events"), ("Lease", "coordination.k8s.io/v1", "leases"),
    ])
    func looksUpByKind(kind: String, apiVersion: String, plural: String) throws {
        let r = try #require(ResourceRegistry.resource(forKind: kind, apiVersion: apiVersion))
        #expect(r.plural == plural)
        #expect(r.apiVersion == apiVersion)
    }

    @Test(arguments: [("Pod", "apps/v1"), ("Deployment", "v1"), ("Pod", "a/b/c"), ("Pod", ""), ("", "v1")])
    func badKindLookupsAreNil(kind: String, apiVersion: String) {
        #expect(ResourceRegistry.resource(forKind: kind, apiVersion: apiVersion) == nil)
    }

    @Test func noDuplicatePluralsOrKindsPerGroupVersion() {
        var plurals = Set<String>(), kinds = Set<GroupVersionKind>()
        for r in ResourceRegistry.builtin {
            #expect(plurals.insert("\(r.apiVersion)/\(r.plural)").inserted, "duplicate \(r.plural)")
            #expect(kinds.insert(r.gvk).inserted, "duplicate \(r.gvk)")
            let subs = r.subresources.map(\.name)
            #expect(Set(subs).count == subs.count, "duplicate subresource of \(r.plural)")
            #expect(!r.verbs.isEmpty)
        }
    }

    @Test func categoryAllMatchesUpstream() {
        let all = Set(ResourceRegistry.resources(inCategory: "all").map(\.qualifiedName))
        #expect(all == [
            "pods", "services", "replicationcontrollers", "deployments.apps", "replicasets.apps", "statefulsets.apps",
            "daemonsets.apps", "jobs.batch", "cronjobs.batch",
        ])
    }

    @Test func groupsAreInUpstreamOrder() {
        #expect(ResourceRegistry.groups.map(\.name) == [
            "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "batch",
            "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
            "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io",
        ])
        #expect(ResourceRegistry.groups.allSatisfy { $0.versions == ["v1"] })
    }

    @Test func verbsAndServedFlags() throws {
        let ns = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "namespaces"))
        #expect(!ns.verbs.contains("deletecollection"))
        #expect(ns.subresources.map(\.name) == ["finalize", "status"])
        #expect(ResourceRegistry.resource(group: "", version: "v1", plural: "bindings")?.verbs == ["create"])
        #expect(ResourceRegistry.resource(group: "authorization.k8s.io", version: "v1", plural: "selfsubjectrulesreviews")?.verbs == ["create"])

        let pods = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "pods"))
        let served = Dictionary(uniqueKeysWithValues: pods.subresources.map { ($0.name, $0.served) })
        for name in ["status", "binding", "log", "exec", "attach", "portforward"] { #expect(served[name] == true) }
        for name in ["eviction", "ephemeralcontainers"] { #expect(served[name] == false) }
        #expect(pods.subresources.first { $0.name == "eviction" }?.responseKind.apiVersion == "policy/v1")

        let crd = try #require(ResourceRegistry.resource(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions"))
        #expect(!crd.served && crd.shortNames == ["crd", "crds"])
        let deploy = try #require(ResourceRegistry.resource(group: "apps", version: "v1", plural: "deployments"))
        #expect(deploy.subresources.first { $0.name == "scale" }?.responseKind == GroupVersionKind(group: "autoscaling", version: "v1", kind: "Scale"))
        #expect(deploy.hasStatusSubresource)
        let token = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "serviceaccounts")?.subresources.first)
        #expect(token.name == "token" && token.served && token.responseKind.kind == "TokenRequest")
    }

    static let pod: JSON = [
        "metadata": ["name": "web", "namespace": "default"],
        "spec": ["nodeName": "n1", "restartPolicy": "Always"],
        "status": ["phase": "Running", "podIP": "10.1.0.5"],
    ]

    @Test(arguments: [
        ("spec.nodeName", "n1"), ("spec.hostNetwork", "false"), ("status.phase", "Running"), ("status.podIP", "10.1.0.5"),
        ("metadata.name", "web"), ("metadata.namespace", "default"), ("spec.schedulerName", ""),
        ("status.nominatedNodeName", ""),
    ])
    func podFieldValues(label: String, expected: String) throws {
        let pods = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "pods"))
        #expect(pods.selectableFieldValue(label, in: Self.pod) == expected)
    }

    @Test func specialFieldSelectors() throws {
        let pods = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "pods"))
        #expect(pods.selectableFieldValue("spec.hostNetwork", in: ["spec": ["hostNetwork": true]]) == "true")
        #expect(pods.selectableFieldValue("spec.containers", in: Self.pod) == nil)
        let events = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "events"))
        #expect(events.selectableFieldValue("source", in: ["source": ["component": "kubelet", "host": "n1"]]) == "kubelet")
        #expect(events.selectableFieldValue("involvedObject.uid", in: ["involvedObject": ["uid": "u1"]]) == "u1")
        let nodes = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "nodes"))
        #expect(nodes.selectableFieldValue("spec.unschedulable", in: [:]) == "false")
        #expect(nodes.selectableFieldValue("metadata.namespace", in: [:]) == nil)
        #expect(nodes.selectableFieldLabels == ["metadata.name", "spec.unschedulable"])
        let jobs = try #require(ResourceRegistry.resource(group: "batch", version: "v1", plural: "jobs"))
        #expect(jobs.selectableFieldValue("status.successful", in: ["status": ["succeeded": 3]]) == "3")
        let rs = try #require(ResourceRegistry.resource(group: "apps", version: "v1", plural: "replicasets"))
        #expect(rs.selectableFieldValue("status.replicas", in: [:]) == "0")
        let secrets = try #require(ResourceRegistry.resource(group: "", version: "v1", plural: "secrets"))
        #expect(secrets.selectableFieldValue("type", in: ["type": "Opaque"]) == "Opaque")
    }
}
