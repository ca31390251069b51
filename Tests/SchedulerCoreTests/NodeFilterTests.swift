import KubeAPI
import Testing
@testable import SchedulerCore

struct NodeFilterTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var pod: JSON
        var node: JSON
        var existing: [JSON] = []
        var expected: [String]?
        var unresolvable = false
        var testDescription: String { name }
    }

    static let tolerateAll: JSONObject = ["tolerations": [["operator": "Exists"]]]

    static let cases: [Case] = [
        // Readiness (synthesized condition taints).
        Case(name: "ready node passes", pod: Fixture.pod("p"), node: Fixture.node("n"), expected: nil),
        Case(name: "not ready node", pod: Fixture.pod("p"), node: Fixture.node("n", ready: "False"),
             expected: ["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"], unresolvable: true),
        Case(name: "node without conditions counts as not ready", pod: Fixture.pod("p"), node: Fixture.node("n", ready: nil),
             expected: ["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"], unresolvable: true),
        Case(name: "unknown ready is unreachable", pod: Fixture.pod("p"), node: Fixture.node("n", ready: "Unknown"),
             expected: ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"], unresolvable: true),
        Case(name: "network unavailable", pod: Fixture.pod("p"),
             node: Fixture.node("n", conditions: [["type": "NetworkUnavailable", "status": "True"]]),
             expected: ["node(s) had untolerated taint {node.kubernetes.io/network-unavailable: }"], unresolvable: true),
        Case(name: "not ready tolerated", pod: Fixture.pod("p", spec: ["tolerations": [["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"]]]),
             node: Fixture.node("n", ready: "False"), expected: nil),
        // Unschedulable.
        Case(name: "cordoned", pod: Fixture.pod("p"), node: Fixture.node("n", unschedulable: true),
             expected: ["node(s) were unschedulable"], unresolvable: true),
        Case(name: "cordoned but tolerated", pod: Fixture.pod("p", spec: ["tolerations": [["key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"]]]),
             node: Fixture.node("n", unschedulable: true), expected: nil),
        // Taints.
        Case(name: "NoSchedule taint", pod: Fixture.pod("p"), node: Fixture.node("n", taints: [Fixture.taint("node-role.kubernetes.io/control-plane")]),
             expected: ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"], unresolvable: true),
        Case(name: "NoExecute taint with value", pod: Fixture.pod("p"), node: Fixture.node("n", taints: [Fixture.taint("dedicated", "gpu", effect: "NoExecute")]),
             expected: ["node(s) had untolerated taint {dedicated: gpu}"], unresolvable: true),
        Case(name: "PreferNoSchedule does not filter", pod: Fixture.pod("p"), node: Fixture.node("n", taints: [Fixture.taint("soft", effect: "PreferNoSchedule")]), expected: nil),
        Case(name: "Equal toleration", pod: Fixture.pod("p", spec: ["tolerations": [["key": "dedicated", "operator": "Equal", "value": "gpu"]]]),
             node: Fixture.node("n", taints: [Fixture.taint("dedicated", "gpu")]), expected: nil),
        Case(name: "Equal toleration wrong value", pod: Fixture.pod("p", spec: ["tolerations": [["key": "dedicated", "value": "cpu"]]]),
             node: Fixture.node("n", taints: [Fixture.taint("dedicated", "gpu")]), expected: ["node(s) had untolerated taint {dedicated: gpu}"], unresolvable: true),
        Case(name: "Exists with empty key tolerates all", pod: Fixture.pod("p", spec: tolerateAll),
             node: Fixture.node("n", taints: [Fixture.taint("a"), Fixture.taint("b", "x", effect: "NoExecute")]), expected: nil),
        Case(name: "effect must match", pod: Fixture.pod("p", spec: ["tolerations": [["key": "a", "operator": "Exists", "effect": "NoExecute"]]]),
             node: Fixture.node("n", taints: [Fixture.taint("a")]), expected: ["node(s) had untolerated taint {a: }"], unresolvable: true),
        Case(name: "unknown operator tolerates nothing", pod: Fixture.pod("p", spec: ["tolerations": [["key": "a", "operator": "Bogus"]]]),
             node: Fixture.node("n", taints: [Fixture.taint("a")]), expected: ["node(s) had untolerated taint {a: }"], unresolvable: true),
        // nodeSelector and node affinity.
        Case(name: "nodeSelector match", pod: Fixture.pod("p", spec: ["nodeSelector": ["disk": "ssd"]]), node: Fixture.node("n", labels: ["disk": "ssd"]), expected: nil),
        Case(name: "nodeSelector mismatch", pod: Fixture.pod("p", spec: ["nodeSelector": ["disk": "ssd"]]), node: Fixture.node("n", labels: ["disk": "hdd"]),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "affinity In", pod: podWithNodeAffinity([["key": "zone", "operator": "In", "values": ["a", "b"]]]), node: Fixture.node("n", labels: ["zone": "b"]), expected: nil),
        Case(name: "affinity In miss", pod: podWithNodeAffinity([["key": "zone", "operator": "In", "values": ["a"]]]), node: Fixture.node("n", labels: ["zone": "b"]),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "affinity NotIn absent key", pod: podWithNodeAffinity([["key": "zone", "operator": "NotIn", "values": ["a"]]]), node: Fixture.node("n"), expected: nil),
        Case(name: "affinity Exists", pod: podWithNodeAffinity([["key": "gpu", "operator": "Exists"]]), node: Fixture.node("n"),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "affinity DoesNotExist", pod: podWithNodeAffinity([["key": "gpu", "operator": "DoesNotExist"]]), node: Fixture.node("n"), expected: nil),
        Case(name: "affinity Gt", pod: podWithNodeAffinity([["key": "cores", "operator": "Gt", "values": ["8"]]]), node: Fixture.node("n", labels: ["cores": "16"]), expected: nil),
        Case(name: "affinity Lt fails", pod: podWithNodeAffinity([["key": "cores", "operator": "Lt", "values": ["8"]]]), node: Fixture.node("n", labels: ["cores": "16"]),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "affinity Gt non-numeric label", pod: podWithNodeAffinity([["key": "cores", "operator": "Gt", "values": ["8"]]]), node: Fixture.node("n", labels: ["cores": "many"]),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "matchFields metadata.name", pod: podWithNodeAffinity(fields: [["key": "metadata.name", "operator": "In", "values": ["n"]]]), node: Fixture.node("n"), expected: nil),
        Case(name: "matchFields other node", pod: podWithNodeAffinity(fields: [["key": "metadata.name", "operator": "In", "values": ["m"]]]), node: Fixture.node("n"),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "bad operator matches nothing", pod: podWithNodeAffinity([["key": "zone", "operator": "Near", "values": ["a"]]]), node: Fixture.node("n", labels: ["zone": "a"]),
             expected: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true),
        Case(name: "terms are ORed", pod: podWithNodeAffinityTerms([[["key": "zone", "operator": "In", "values": ["x"]]], [["key": "zone", "operator": "In", "values": ["a"]]]]),
             node: Fixture.node("n", labels: ["zone": "a"]), expected: nil),
        // Resources.
        Case(name: "fits", pod: Fixture.pod("p", cpu: "1", memory: "1Gi"), node: Fixture.node("n", cpu: "2", memory: "2Gi"), expected: nil),
        Case(name: "insufficient cpu (resolvable)", pod: Fixture.pod("p", cpu: "1500m"), node: Fixture.node("n", cpu: "2"),
             existing: [Fixture.pod("e", node: "n", cpu: "1")], expected: ["Insufficient cpu"]),
        Case(name: "insufficient cpu and memory", pod: Fixture.pod("p", cpu: "3", memory: "3Gi"), node: Fixture.node("n", cpu: "2", memory: "2Gi"),
             expected: ["Insufficient cpu", "Insufficient memory"], unresolvable: true),
        Case(name: "terminal pods free resources", pod: Fixture.pod("p", cpu: "1500m"), node: Fixture.node("n", cpu: "2"),
             existing: [Fixture.pod("e", node: "n", cpu: "1", phase: "Succeeded")], expected: nil),
        Case(name: "too many pods", pod: Fixture.pod("p"), node: Fixture.node("n", pods: 1), existing: [Fixture.pod("e", node: "n")], expected: ["Too many pods"]),
        Case(name: "init container max counts", pod: Fixture.pod("p", spec: ["initContainers": [["name": "i", "resources": ["requests": ["cpu": "3"]]]]], containers: [["name": "c", "resources": ["requests": ["cpu": "1"]]]]),
             node: Fixture.node("n", cpu: "2"), expected: ["Insufficient cpu"], unresolvable: true),
        Case(name: "overhead counts", pod: Fixture.pod("p", cpu: "1900m", spec: ["overhead": ["cpu": "200m"]]), node: Fixture.node("n", cpu: "2"),
             expected: ["Insufficient cpu"], unresolvable: true),
        Case(name: "unparsable request treated as zero", pod: Fixture.pod("p", cpu: "lots"), node: Fixture.node("n", cpu: "1"), expected: nil),
        Case(name: "unparsable allocatable is zero", pod: Fixture.pod("p", cpu: "1"), node: Fixture.node("n", cpu: "??"),
             expected: ["Insufficient cpu"], unresolvable: true),
        // Host ports.
        Case(name: "free port", pod: Fixture.pod("p", containers: [Fixture.hostPortContainer(80)]), node: Fixture.node("n"),
             existing: [Fixture.pod("e", node: "n", containers: [Fixture.hostPortContainer(81)])], expected: nil),
        Case(name: "port taken", pod: Fixture.pod("p", containers: [Fixture.hostPortContainer(80)]), node: Fixture.node("n"),
             existing: [Fixture.pod("e", node: "n", containers: [Fixture.hostPortContainer(80)])],
             expected: ["node(s) didn't have free ports for the requested pod ports"]),
        Case(name: "wildcard IP conflicts", pod: Fixture.pod("p", containers: [Fixture.hostPortContainer(80, ip: "10.0.0.1")]), node: Fixture.node("n"),
             existing: [Fixture.pod("e", node: "n", containers: [Fixture.hostPortContainer(80)])],
             expected: ["node(s) didn't have free ports for the requested pod ports"]),
        Case(name: "different IPs share port", pod: Fixture.pod("p", containers: [Fixture.hostPortContainer(80, ip: "10.0.0.1")]), node: Fixture.node("n"),
             existing: [Fixture.pod("e", node: "n", containers: [Fixture.hostPortContainer(80, ip: "10.0.0.2")])], expected: nil),
        Case(name: "different protocol shares port", pod: Fixture.pod("p", containers: [Fixture.hostPortContainer(53, proto: "UDP")]), node: Fixture.node("n"),
             existing: [Fixture.pod("e", node: "n", containers: [Fixture.hostPortContainer(53)])], expected: nil),
    ]

    static func podWithNodeAffinity(_ expressions: [JSON] = [], fields: [JSON] = []) -> JSON {
        var term: JSONObject = [:]
        if !expressions.isEmpty { term["matchExpressions"] = .array(expressions) }
        if !fields.isEmpty { term["matchFields"] = .array(fields) }
        return Fixture.pod("p", spec: ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [.object(term)]]]]])
    }

    static func podWithNodeAffinityTerms(_ terms: [[JSON]]) -> JSON {
        Fixture.pod("p", spec: ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": .array(terms.map { ["matchExpressions": .array($0)] })]]]])
    }

    @Test(arguments: cases)
    func filter(_ c: Case) {
        let snapshot = ClusterSnapshot(nodes: [c.node], pods: c.existing)
        let node = snapshot.node(named: "n")!
        let pod = PodInfo(json: c.pod)
        let status = NodeFilters.run(pod, node) ?? InterPodAffinityFilter(pod: pod, snapshot: snapshot).filter(node)
        #expect(status?.reasons == c.expected)
        if c.expected != nil { #expect(status?.unresolvable == c.unresolvable) }
    }
}
