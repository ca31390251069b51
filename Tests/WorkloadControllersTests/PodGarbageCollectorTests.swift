import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct PodGarbageCollectorTests {
    static func pod(_ name: String, node: String?) -> JSON {
        var spec: JSONObject = ["containers": [["name": "c", "image": "busybox"]]]
        if let node { spec["nodeName"] = .string(node) }
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)")],
                "spec": .object(spec)]
    }

    @Test func onlyBoundPodsOnUnknownNodesAreCandidates() {
        let pods = [Self.pod("a", node: "n1"), Self.pod("b", node: "gone"), Self.pod("c", node: nil), Self.pod("d", node: "")]
        #expect(PodGarbageCollector.missingNodes(pods: pods, knownNodes: ["n1"]) == ["gone"])
        #expect(PodGarbageCollector.missingNodes(pods: pods, knownNodes: ["n1", "gone"]).isEmpty)
    }

    @Test func orphansAreDeletedAtOnceWithTheirUID() {
        let pods = [Self.pod("a", node: "n1"), Self.pod("b", node: "gone"), ["metadata": [:], "spec": ["nodeName": "gone"]]]
        let actions = PodGarbageCollector.deleteOrphans(pods: pods, goneNodes: ["gone"])
        #expect(actions.count == 2)
        #expect(actions.first == .delete(.pods, namespace: "default", name: "b",
                                         options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: "uid-b")))
        guard case .event(let record)? = actions.last else {
            Issue.record("no event")
            return
        }
        #expect(record.reason == "PodGCOrphaned")
        #expect(record.message == "Deleting pod b: node gone no longer exists")
    }
}
