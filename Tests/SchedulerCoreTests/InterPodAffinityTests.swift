import KubeAPI
import Testing
@testable import SchedulerCore

struct InterPodAffinityTests {
    static func withAffinity(_ name: String, namespace: String = "default", labels: [String: String] = [:], node: String? = nil,
                             affinity: [JSON] = [], antiAffinity: [JSON] = []) -> JSON {
        var spec: JSONObject = [:]
        var aff: JSONObject = [:]
        if !affinity.isEmpty { aff["podAffinity"] = ["requiredDuringSchedulingIgnoredDuringExecution": .array(affinity)] }
        if !antiAffinity.isEmpty { aff["podAntiAffinity"] = ["requiredDuringSchedulingIgnoredDuringExecution": .array(antiAffinity)] }
        spec["affinity"] = .object(aff)
        return Fixture.pod(name, namespace: namespace, node: node, labels: labels, spec: spec)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var pod: JSON
        var existing: [JSON]
        /// Node -> expected reason (nil passes). Nodes: a and b in zone z1, c in zone z2.
        var expected: [String: String?]
        var testDescription: String { name }
    }

    static let nodes = [
        Fixture.node("a", labels: ["zone": "z1"]), Fixture.node("b", labels: ["zone": "z1"]), Fixture.node("c", labels: ["zone": "z2"]),
        Fixture.node("d"),  // no zone label
    ]
    static let affinityReason = "node(s) didn't match pod affinity rules"
    static let antiReason = "node(s) didn't match pod anti-affinity rules"
    static let existingReason = "node(s) didn't satisfy existing pods anti-affinity rules"

    static let cases: [Case] = [
        Case(name: "affinity on hostname", pod: withAffinity("p", affinity: [Fixture.affinityTerm(["app": "db"])]),
             existing: [Fixture.pod("db", node: "a", labels: ["app": "db"])],
             expected: ["a": nil, "b": affinityReason, "c": affinityReason, "d": affinityReason]),
        Case(name: "affinity on zone; unlabelled node fails", pod: withAffinity("p", affinity: [Fixture.affinityTerm(["app": "db"], topologyKey: "zone")]),
             existing: [Fixture.pod("db", node: "a", labels: ["app": "db"])],
             expected: ["a": nil, "b": nil, "c": affinityReason, "d": affinityReason]),
        Case(name: "affinity ignores other namespaces by default", pod: withAffinity("p", affinity: [Fixture.affinityTerm(["app": "db"])]),
             existing: [Fixture.pod("db", namespace: "other", node: "a", labels: ["app": "db"])],
             expected: ["a": affinityReason, "b": affinityReason, "c": affinityReason, "d": affinityReason]),
        Case(name: "affinity with listed namespace", pod: withAffinity("p", affinity: [Fixture.affinityTerm(["app": "db"], namespaces: ["other"])]),
             existing: [Fixture.pod("db", namespace: "other", node: "b", labels: ["app": "db"])],
             expected: ["a": affinityReason, "b": nil, "c": affinityReason, "d": affinityReason]),
        Case(name: "first pod of a self-affine group goes anywhere labelled", pod: withAffinity("p", labels: ["app": "web"], affinity: [Fixture.affinityTerm(["app": "web"])]),
             existing: [], expected: ["a": nil, "b": nil, "c": nil, "d": nil]),
        Case(name: "anti-affinity on hostname spreads", pod: withAffinity("p", labels: ["app": "web"], antiAffinity: [Fixture.affinityTerm(["app": "web"])]),
             existing: [Fixture.pod("w1", node: "a", labels: ["app": "web"])],
             expected: ["a": antiReason, "b": nil, "c": nil, "d": nil]),
        Case(name: "anti-affinity on zone", pod: withAffinity("p", antiAffinity: [Fixture.affinityTerm(["app": "web"], topologyKey: "zone")]),
             existing: [Fixture.pod("w1", node: "a", labels: ["app": "web"])],
             expected: ["a": antiReason, "b": antiReason, "c": nil, "d": nil]),
        Case(name: "existing pod's anti-affinity repels", pod: Fixture.pod("p", labels: ["app": "web"]),
             existing: [withAffinity("guard", node: "c", antiAffinity: [Fixture.affinityTerm(["app": "web"])])],
             expected: ["a": nil, "b": nil, "c": existingReason, "d": nil]),
        Case(name: "existing anti-affinity in other namespace does not select", pod: Fixture.pod("p", labels: ["app": "web"]),
             existing: [withAffinity("guard", namespace: "other", node: "c", antiAffinity: [Fixture.affinityTerm(["app": "web"])])],
             expected: ["a": nil, "b": nil, "c": nil, "d": nil]),
        Case(name: "null label selector selects nothing", pod: withAffinity("p", antiAffinity: [["topologyKey": "kubernetes.io/hostname"]]),
             existing: [Fixture.pod("x", node: "a", labels: ["app": "web"])],
             expected: ["a": nil, "b": nil, "c": nil, "d": nil]),
        Case(name: "term without topologyKey is ignored", pod: withAffinity("p", antiAffinity: [["labelSelector": ["matchLabels": ["app": "web"]]]]),
             existing: [Fixture.pod("x", node: "a", labels: ["app": "web"])],
             expected: ["a": nil, "b": nil, "c": nil, "d": nil]),
    ]

    @Test(arguments: cases)
    func filter(_ c: Case) {
        let snapshot = ClusterSnapshot(nodes: Self.nodes, pods: c.existing)
        let filter = InterPodAffinityFilter(pod: PodInfo(json: c.pod), snapshot: snapshot)
        for (name, reason) in c.expected {
            #expect(filter.filter(snapshot.node(named: name)!)?.reasons.first == reason, "node \(name)")
        }
    }

    @Test func affinityFailureIsUnresolvableAntiAffinityIsNot() {
        let snapshot = ClusterSnapshot(nodes: Self.nodes, pods: [Fixture.pod("w1", node: "a", labels: ["app": "web"])])
        let affine = InterPodAffinityFilter(pod: PodInfo(json: Self.withAffinity("p", affinity: [Fixture.affinityTerm(["app": "web"])])), snapshot: snapshot)
        #expect(affine.filter(snapshot.node(named: "b")!)?.unresolvable == true)
        let anti = InterPodAffinityFilter(pod: PodInfo(json: Self.withAffinity("p", antiAffinity: [Fixture.affinityTerm(["app": "web"])])), snapshot: snapshot)
        #expect(anti.filter(snapshot.node(named: "a")!)?.unresolvable == false)
    }
}
