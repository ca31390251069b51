import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct EndpointsControllerTests {
    let namedPort: JSON = ["name": "http", "containerPort": 8080, "protocol": "TCP"]

    func sync(_ service: JSON?, _ pods: [JSON], existing: JSON? = nil) -> [ControllerAction] {
        EndpointsController.sync(service: service, namespace: "default", name: "web", pods: pods, existing: existing,
                                 triggerTime: MiscFixture.t0)
    }

    @Test func readyAndNotReadyPodsWithTargetRefAndNode() {
        let pods = [MiscFixture.pod("b", ip: "10.42.0.12"), MiscFixture.pod("a", ip: "10.42.0.9", ready: false, node: "n2"),
                    MiscFixture.pod("other", labels: ["app": "db"], ip: "10.42.0.5"), MiscFixture.pod("noip")]
        let actions = sync(MiscFixture.service(), pods)
        guard case .create(.endpoints, "default", let ep) = actions.first, actions.count == 1 else { Issue.record("\(actions)"); return }
        #expect(ep["metadata"]["name"] == "web")
        #expect(ep["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] == "2024-05-01T10:00:00Z")
        let subset = ep["subsets"][0]
        #expect(subset["addresses"].arrayValue?.count == 1)
        #expect(subset["addresses"][0]["ip"] == "10.42.0.12")
        #expect(subset["addresses"][0]["nodeName"] == "n1")
        #expect(subset["addresses"][0]["targetRef"] == ["kind": "Pod", "namespace": "default", "name": "b", "uid": "uid-b"])
        #expect(subset["notReadyAddresses"][0]["ip"] == "10.42.0.9")
        #expect(subset["ports"] == [["name": "http", "port": 8080, "protocol": "TCP"]])
    }

    @Test func namedTargetPortResolvesPerPod() {
        let svc = MiscFixture.service(ports: [["name": "http", "port": 80, "targetPort": "web"]])
        let a = MiscFixture.pod("a", ip: "10.42.0.1", ports: [["name": "web", "containerPort": 8080]])
        let b = MiscFixture.pod("b", ip: "10.42.0.2", ports: [["name": "web", "containerPort": 9090]])
        let c = MiscFixture.pod("c", ip: "10.42.0.3", ports: [["name": "web", "containerPort": 9090, "protocol": "UDP"]])
        guard let ep = sync(svc, [a, b, c]).first?.miscWritten else { Issue.record("no write"); return }
        let subsets = ep["subsets"].arrayValue ?? []
        #expect(subsets.count == 2)  // c has no TCP port named web: left out
        let portsByIP = Dictionary(uniqueKeysWithValues: subsets.map { ($0["addresses"][0]["ip"].stringValue!, $0["ports"][0]["port"].intValue!) })
        #expect(portsByIP == ["10.42.0.1": 8080, "10.42.0.2": 9090])
    }

    @Test func publishNotReadyAndTerminatingPods() {
        let svc = MiscFixture.service(publishNotReady: true)
        let pods = [MiscFixture.pod("a", ip: "10.42.0.1", ready: false), MiscFixture.pod("t", ip: "10.42.0.2", deleting: true)]
        let ep = sync(svc, pods).first?.miscWritten
        #expect(ep?["subsets"][0]["addresses"].arrayValue?.count == 2)
        #expect(ep?["subsets"][0]["notReadyAddresses"].isNull == true)
        // Without publishNotReadyAddresses a terminating pod is not listed at all.
        let plain = sync(MiscFixture.service(), pods).first?.miscWritten
        #expect(plain?["subsets"][0]["notReadyAddresses"].arrayValue?.map { $0["ip"] } == ["10.42.0.1"])
        #expect(plain?["subsets"][0]["addresses"].isNull == true)
    }

    @Test func headlessWithoutPortsListsBareAddresses() {
        let svc = MiscFixture.service(ports: [], clusterIP: "None")
        let ep = sync(svc, [MiscFixture.pod("a", ip: "10.42.0.1")]).first?.miscWritten
        #expect(ep?["subsets"][0]["addresses"][0]["ip"] == "10.42.0.1")
        #expect(ep?["subsets"][0]["ports"].isNull == true)
        #expect(ep?["metadata"]["labels"]["service.kubernetes.io/headless"] == "")
    }

    @Test func unchangedEndpointsAreNotRewrittenAndChangesUpdateInPlace() {
        let pods = [MiscFixture.pod("a", ip: "10.42.0.1")]
        guard let created = sync(MiscFixture.service(), pods).first?.miscWritten else { Issue.record("no create"); return }
        var stored = created
        stored["metadata"]["resourceVersion"] = "7"
        #expect(sync(MiscFixture.service(), pods, existing: stored).isEmpty)
        let changed = sync(MiscFixture.service(), pods + [MiscFixture.pod("b", ip: "10.42.0.2")], existing: stored)
        guard case .update(.endpoints, _, let updated) = changed.first else { Issue.record("\(changed)"); return }
        #expect(updated["metadata"]["resourceVersion"] == "7")
        #expect(updated["subsets"][0]["addresses"].arrayValue?.count == 2)
    }

    @Test func deletedServiceDeletesEndpointsAndSelectorlessIsUnmanaged() {
        let existing = MiscFixture.object("v1", "Endpoints", "web")
        #expect(sync(nil, [], existing: existing).first?.miscDeletedName == "web")
        #expect(sync(nil, []).isEmpty)
        #expect(sync(MiscFixture.service(selector: .null), [MiscFixture.pod("a", ip: "10.42.0.1")], existing: existing).isEmpty)
    }

    @Test(arguments: [
        MiscFixture.service(selector: "app=web"),
        MiscFixture.service(selector: ["app": 3]),
        MiscFixture.service(ports: [["port": 0]]),
        MiscFixture.service(ports: [["port": 80, "targetPort": true]]),
    ])
    func malformedServiceGivesWarningEvent(_ service: JSON) {
        let actions = sync(service, [MiscFixture.pod("a", ip: "10.42.0.1")])
        #expect(actions.count == 1)
        guard case .event(let event) = actions.first else { Issue.record("\(actions)"); return }
        #expect(event.type == "Warning" && event.reason == "FailedToUpdateEndpoint")
    }
}

@Suite struct EndpointSliceControllerTests {
    func pods(_ count: Int, ready: Bool = true) -> [JSON] {
        (0..<count).map { i in MiscFixture.pod(String(format: "p%03d", i), ip: "10.42.\(i / 250).\(i % 250 + 1)", ready: ready) }
    }

    /// Applies the actions to a simulated store of slices, naming created ones.
    func apply(_ actions: [ControllerAction], to slices: [JSON]) -> [JSON] {
        var result = slices
        var counter = result.count
        for action in actions {
            switch action {
            case .create(_, _, var slice):
                counter += 1
                slice["metadata"]["name"] = .string("web-\(counter)")
                slice["metadata"]["uid"] = .string("slice-\(counter)")
                result.append(slice)
            case .update(_, _, let slice):
                result = result.map { Meta.name($0) == Meta.name(slice) ? slice : $0 }
            case .delete(_, _, let name, _):
                result.removeAll { Meta.name($0) == name }
            default: break
            }
        }
        return result
    }

    @Test func slicesCarryLabelsOwnerConditionsAndSplitAtTheLimit() {
        let actions = EndpointSliceController.sync(service: MiscFixture.service(), pods: pods(250), existingSlices: [], triggerTime: MiscFixture.t0)
        #expect(actions.count == 3)
        let slices = actions.compactMap(\.miscWritten)
        #expect(slices.map { $0["endpoints"].arrayValue?.count ?? 0 } == [100, 100, 50])
        let slice = slices[0]
        #expect(slice["addressType"] == "IPv4")
        #expect(slice["metadata"]["generateName"] == "web-")
        #expect(slice["metadata"]["labels"]["kubernetes.io/service-name"] == "web")
        #expect(slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io")
        #expect(slice["metadata"]["ownerReferences"][0]["uid"] == "uid-web")
        #expect(slice["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] == "2024-05-01T10:00:00Z")
        #expect(slice["ports"] == [["name": "http", "protocol": "TCP", "port": 8080]])
        #expect(slice["endpoints"][0]["conditions"] == ["ready": true, "serving": true, "terminating": false])
        #expect(slice["endpoints"][0]["nodeName"] == "n1")
    }

    @Test func oneChangedPodRewritesOneSlice() {
        var store = apply(EndpointSliceController.sync(service: MiscFixture.service(), pods: pods(250), existingSlices: []), to: [])
        #expect(EndpointSliceController.sync(service: MiscFixture.service(), pods: pods(250), existingSlices: store).isEmpty)
        var changed = pods(250)
        changed[120] = MiscFixture.pod("p120", ip: "10.42.0.121", ready: false)
        let actions = EndpointSliceController.sync(service: MiscFixture.service(), pods: changed, existingSlices: store)
        #expect(actions.count == 1)
        #expect(actions.first?.miscKindName == "update")
        store = apply(actions, to: store)
        // A removed pod shrinks its slice in place; a new pod fills free room instead of a new slice.
        var fewer = Array(changed.dropLast(10))
        fewer.append(MiscFixture.pod("z-new", ip: "10.42.9.9"))
        let next = EndpointSliceController.sync(service: MiscFixture.service(), pods: fewer, existingSlices: store)
        #expect(next.map(\.miscKindName) == ["update"])
    }

    @Test func terminatingPodIsServingButNotReady() {
        let pod = MiscFixture.pod("t", ip: "10.42.0.1", deleting: true)
        let slice = EndpointSliceController.sync(service: MiscFixture.service(), pods: [pod], existingSlices: []).first?.miscWritten
        #expect(slice?["endpoints"][0]["conditions"] == ["ready": false, "serving": true, "terminating": true])
    }

    @Test func noEndpointsKeepsOnePlaceholder() {
        let created = EndpointSliceController.sync(service: MiscFixture.service(), pods: [], existingSlices: [])
        #expect(created.count == 1)
        #expect(created.first?.miscWritten?["endpoints"] == [])
        let store = apply(EndpointSliceController.sync(service: MiscFixture.service(), pods: pods(150), existingSlices: []), to: [])
        let emptied = EndpointSliceController.sync(service: MiscFixture.service(), pods: [], existingSlices: store)
        #expect(emptied.map(\.miscKindName).sorted() == ["delete", "update"])
        #expect(apply(emptied, to: store).count == 1)
    }

    @Test func foreignAndNonIPv4SlicesAreHandled() {
        var mine = MiscFixture.object("discovery.k8s.io/v1", "EndpointSlice", "web-ipv6")
        mine["metadata"]["labels"] = ["kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"]
        mine["addressType"] = "IPv6"
        var foreign = mine
        foreign["metadata"]["name"] = "someone-elses"
        foreign["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] = "other"
        let actions = EndpointSliceController.sync(service: MiscFixture.service(), pods: pods(1), existingSlices: [mine, foreign])
        #expect(actions.compactMap(\.miscDeletedName) == ["web-ipv6"])
        #expect(actions.filter { $0.miscKindName == "create" }.count == 1)
    }

    @Test func malformedServiceGivesWarningEvent() {
        let actions = EndpointSliceController.sync(service: MiscFixture.service(selector: ["app": ["nested": "x"]]), pods: pods(1), existingSlices: [])
        #expect(actions.first?.miscEventReason == "FailedToUpdateEndpointSlices")
        #expect(EndpointSliceController.sync(service: MiscFixture.service(selector: .null), pods: pods(1), existingSlices: []).isEmpty)
    }
}
