import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct NamespaceControllerTests {
    func namespace(deleting: Bool = true, finalizers: [String] = ["kubernetes"]) -> JSON {
        var ns = MiscFixture.object("v1", "Namespace", "team", namespace: nil, deleting: deleting)
        ns["spec"] = ["finalizers": .array(finalizers.map(JSON.string))]
        ns["status"] = ["phase": deleting ? "Terminating" : "Active"]
        return ns
    }

    func condition(_ result: NamespaceSyncResult, _ type: String) -> JSON? {
        for action in result.actions {
            if case .updateStatus(.namespaces, _, let ns) = action {
                return (ns["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
            }
        }
        return nil
    }

    @Test func deletesContentsAndReportsWhatRemains() {
        let pods = [MiscFixture.pod("a", namespace: "team"), MiscFixture.pod("b", namespace: "team")]
        var cm = MiscFixture.object("v1", "ConfigMap", "c", namespace: "team", finalizers: ["example.com/keep"], deleting: true)
        cm["metadata"]["namespace"] = "team"
        let result = NamespaceController.sync(namespace: namespace(), contents: [
            NamespaceContent(resource: .pods, objects: pods), NamespaceContent(resource: .configMaps, objects: [cm]),
            NamespaceContent(resource: .deployments, objects: []),
        ], now: MiscFixture.t0)
        #expect(result.actions.compactMap(\.miscDeletedName) == ["a", "b"])  // the configmap is already going
        #expect(result.remaining == 3)
        #expect(result.finalize == nil)
        #expect(result.requeueAfter != nil)
        let remaining = condition(result, "NamespaceContentRemaining")
        #expect(remaining?["status"] == "True")
        #expect(remaining?["message"] == "Some resources are remaining: configmaps has 1 resource instances, pods has 2 resource instances")
        let finalizers = condition(result, "NamespaceFinalizersRemaining")
        #expect(finalizers?["reason"] == "SomeFinalizersRemain")
        #expect(finalizers?["message"] == "Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances")
        #expect(condition(result, "NamespaceDeletionDiscoveryFailure")?["status"] == "False")
    }

    @Test func emptyNamespaceIsFinalized() {
        let result = NamespaceController.sync(namespace: namespace(finalizers: ["kubernetes", "example.com/x"]),
                                              contents: [NamespaceContent(resource: .pods, objects: [])], now: MiscFixture.t0)
        #expect(result.finalize?["spec"]["finalizers"] == ["example.com/x"])
        #expect(condition(result, "NamespaceContentRemaining")?["reason"] == "ContentRemoved")
        #expect(result.requeueAfter == nil)
    }

    @Test func discoveryFailureBlocksFinalize() {
        let result = NamespaceController.sync(namespace: namespace(), contents: [], discoveryFailures: ["metrics.k8s.io/v1beta1: unavailable"], now: MiscFixture.t0)
        #expect(result.finalize == nil)
        #expect(condition(result, "NamespaceDeletionDiscoveryFailure")?["status"] == "True")
    }

    @Test(arguments: [(false, ["kubernetes"]), (true, []), (true, ["other"])])
    func nothingToDo(deleting: Bool, finalizers: [String]) {
        let result = NamespaceController.sync(namespace: namespace(deleting: deleting, finalizers: finalizers),
                                              contents: [NamespaceContent(resource: .pods, objects: [MiscFixture.pod("a", namespace: "team")])], now: MiscFixture.t0)
        #expect(result.actions.isEmpty && result.finalize == nil)
    }

    @Test func unchangedStatusIsNotRewritten() {
        let first = NamespaceController.sync(namespace: namespace(), contents: [], now: MiscFixture.t0)
        guard case .updateStatus(_, _, let written) = first.actions.last else { Issue.record("no status update"); return }
        let second = NamespaceController.sync(namespace: written, contents: [], now: MiscFixture.t0.addingTimeInterval(5))
        #expect(second.actions.isEmpty)
        #expect(second.finalize != nil)
    }

    @Test func serviceAccountDefaultIsCreatedOnlyInActiveNamespaces() {
        let active = namespace(deleting: false)
        let created = ServiceAccountController.sync(namespace: active, serviceAccounts: [])
        #expect(created.count == 1)
        #expect(created.first?.miscWritten?["metadata"]["name"] == "default")
        #expect(created.first?.miscWritten?["metadata"]["namespace"] == "team")
        #expect(ServiceAccountController.sync(namespace: active, serviceAccounts: [MiscFixture.object("v1", "ServiceAccount", "default", namespace: "team")]).isEmpty)
        #expect(ServiceAccountController.sync(namespace: namespace(deleting: true), serviceAccounts: []).isEmpty)
        #expect(ServiceAccountController.sync(namespace: ["metadata": [:]], serviceAccounts: []).isEmpty)
    }
}
