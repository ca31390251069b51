import Testing
@testable import KubeAPI

@Suite struct DiscoveryTests {
    static let v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    static let v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

    @Test(arguments: [
        ("\(v2),\(v2beta1),application/json", "v2"),       // kubectl 1.32
        (v2beta1 + ",application/json", "v2beta1"),        // dispatched kubectl 1.29
        ("application/json", nil),
        ("application/json, */*", nil),
        ("", nil),
        ("*/*", nil),
        ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", nil),
        ("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", nil),
        ("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList," + v2beta1, "v2beta1"),
        ("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", nil),
        ("application/json;g=other.io;v=v2;as=APIGroupDiscoveryList", nil),
        ("application/json;q=0.5, \(v2beta1)", "v2beta1"),
        ("\(v2);q=0,application/json", nil),
        ("application/json; g=apidiscovery.k8s.io; v=\"v2\"; as=APIGroupDiscoveryList", "v2"),
        (";;,,garbage,/,\(v2)", "v2"),
    ] as [(String, String?)])
    func negotiation(accept: String, expected: String?) {
        #expect(Discovery.negotiateAggregated(accept: accept) == expected)
    }

    @Test func contentTypes() {
        #expect(Discovery.aggregatedContentType(version: "v2") == Self.v2)
        #expect(Discovery.aggregatedContentType(version: "v2beta1") == Self.v2beta1)
        #expect(Discovery.legacyContentType == "application/json")
    }

    @Test func legacyAPIAndGroupList() {
        let api = Discovery.apiVersions(serverAddress: "10.0.0.1:6443")
        #expect(api.jsonString == #"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"10.0.0.1:6443"}]}"#)
        let apis = Discovery.apiGroupList()
        #expect(apis["kind"] == "APIGroupList" && apis["apiVersion"] == "v1")
        let groups = apis["groups"].arrayValue ?? []
        #expect(groups.map { $0["name"] } == ResourceRegistry.groups.map { .string($0.name) })
        #expect(groups[1].jsonString == #"{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}"#)
        #expect(Discovery.apiGroup(named: "batch")?["kind"] == "APIGroup")
        #expect(Discovery.apiGroup(named: "nope") == nil)
        #expect(Discovery.apiGroup(named: "") == nil)
    }

    @Test func legacyResourceListsContainSubresources() throws {
        let core = try #require(Discovery.apiResourceList(group: "", version: "v1"))
        #expect(core["groupVersion"] == "v1")
        let entries = Dictionary(uniqueKeysWithValues: (core["resources"].arrayValue ?? []).map { ($0["name"].stringValue!, $0) })
        #expect(entries["pods"]?.jsonString == #"{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"]}"#)
        #expect(entries["pods/log"]?.jsonString == #"{"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]}"#)
        #expect(entries["pods/eviction"]?["group"] == "policy")
        #expect(entries["pods/status"]?["kind"] == "Pod")
        #expect(entries["namespaces/finalize"]?["verbs"] == ["update"])
        #expect(entries["serviceaccounts/token"]?["group"] == "authentication.k8s.io")
        let names = (core["resources"].arrayValue ?? []).compactMap { $0["name"].stringValue }
        #expect(names == names.sorted())

        let apps = try #require(Discovery.apiResourceList(group: "apps", version: "v1"))
        let scale = try #require(apps["resources"].arrayValue?.first { $0["name"] == "deployments/scale" })
        #expect(scale.jsonString == #"{"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]}"#)
        #expect(Discovery.apiResourceList(group: "apps", version: "v2") == nil)
        #expect(Discovery.apiResourceList(group: "nope", version: "v1") == nil)
    }

    @Test(arguments: ["v2", "v2beta1"])
    func aggregatedDocuments(version: String) throws {
        let core = Discovery.aggregatedCore(version: version)
        #expect(core["kind"] == "APIGroupDiscoveryList")
        #expect(core["apiVersion"] == .string("apidiscovery.k8s.io/\(version)"))
        #expect(core["items"].arrayValue?.count == 1)
        #expect(core["items"][0]["metadata"]["name"] == "")
        let groups = Discovery.aggregatedGroups(version: version)
        #expect(groups["items"].arrayValue?.map { $0["metadata"]["name"] } == ResourceRegistry.groups.map { .string($0.name) })

        var seen = 0
        for list in [core, groups] {
            for item in list["items"].arrayValue ?? [] {
                for v in item["versions"].arrayValue ?? [] {
                    #expect(v["freshness"] == "Current")
                    for r in v["resources"].arrayValue ?? [] {
                        seen += 1
                        #expect(r["responseKind"]["kind"].stringValue?.isEmpty == false, "\(r["resource"])")
                        #expect(r["scope"] == "Namespaced" || r["scope"] == "Cluster")
                        for s in r["subresources"].arrayValue ?? [] {
                            #expect(s["responseKind"]["kind"].stringValue?.isEmpty == false, "\(r["resource"])/\(s["subresource"])")
                        }
                    }
                }
            }
        }
        #expect(seen == ResourceRegistry.builtin.count)
    }

    @Test func aggregatedDeploymentMatchesContract() throws {
        let apps = try #require(Discovery.aggregatedGroups(version: "v2")["items"].arrayValue?.first { $0["metadata"]["name"] == "apps" })
        let deployments = try #require(apps["versions"][0]["resources"].arrayValue?.first { $0["resource"] == "deployments" })
        #expect(deployments["responseKind"] == ["group": "apps", "version": "v1", "kind": "Deployment"])
        #expect(deployments["singularResource"] == "deployment" && deployments["shortNames"] == ["deploy"])
        #expect(deployments["categories"] == ["all"])
        #expect(deployments["subresources"][0] == ["subresource": "scale", "responseKind": ["group": "autoscaling", "version": "v1", "kind": "Scale"], "verbs": ["get", "patch", "update"]])
        #expect(deployments["subresources"][1]["subresource"] == "status")
        // Declared-for-later resources are still discoverable.
        let crdGroup = try #require(Discovery.aggregatedGroups(version: "v2")["items"].arrayValue?.first { $0["metadata"]["name"] == "apiextensions.k8s.io" })
        #expect(crdGroup["versions"][0]["resources"][0]["resource"] == "customresourcedefinitions")
    }

    @Test func customGroupsFollowBuiltinOnes() {
        let custom = ResourceDefinition(group: "example.com", version: "v1alpha1", kind: "Widget", plural: "widgets", namespaced: true)
        let list = Discovery.apiGroupList(resources: ResourceRegistry.builtin + [custom])
        #expect(list["groups"].arrayValue?.last?["name"] == "example.com")
        #expect(Discovery.apiResourceList(group: "example.com", version: "v1alpha1", resources: [custom])?["groupVersion"] == "example.com/v1alpha1")
    }
}
