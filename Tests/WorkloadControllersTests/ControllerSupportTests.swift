import Foundation
import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct ControllerSupportTests {
    @Test func templateHashIsStableAndKeyOrderIndependent() throws {
        let a = try JSON(parsing: #"{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#)
        let b = try JSON(parsing: #"{"spec":{"containers":[{"image":"nginx","name":"c"}]},"metadata":{"labels":{"tier":"fe","app":"web"}}}"#)
        let hash = PodTemplateHash.compute(template: a, collisionCount: nil)
        #expect(hash == PodTemplateHash.compute(template: b, collisionCount: nil))
        #expect(hash == PodTemplateHash.compute(template: a, collisionCount: nil))
        #expect(!hash.isEmpty && hash.count <= 10)
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(hash != PodTemplateHash.compute(template: a, collisionCount: 1))
        #expect(PodTemplateHash.compute(template: a, collisionCount: 1) != PodTemplateHash.compute(template: a, collisionCount: 2))
        var c = a
        c["spec"]["containers"] = [["name": "c", "image": "nginx:2"]]
        #expect(PodTemplateHash.compute(template: c, collisionCount: nil) != hash)
    }

    @Test func fnvAndSafeEncodeMatchReferenceValues() {
        // FNV-1a 32-bit reference vectors.
        var empty = FNV32a()
        empty.write([])
        #expect(empty.value == 0x811c9dc5)
        var a = FNV32a()
        a.write(Array("a".utf8))
        #expect(a.value == 0xe40c292c)
        var foobar = FNV32a()
        foobar.write(Array("foobar".utf8))
        #expect(foobar.value == 0xbf9cf968)
        // '0' is 48: 48 % 27 = 21 -> '4'; '9' is 57: 57 % 27 = 3 -> 'f'.
        #expect(PodTemplateHash.safeEncode("09") == "4f")
    }

    @Test func equalIgnoringHashIgnoresOnlyTheHashLabel() {
        let template: JSON = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c"]]]]
        var hashed = template
        hashed["metadata"]["labels"]["pod-template-hash"] = "abc"
        #expect(PodTemplateHash.equalIgnoringHash(template, hashed))
        var changed = hashed
        changed["metadata"]["labels"]["app"] = "db"
        #expect(!PodTemplateHash.equalIgnoringHash(template, changed))
        let noLabels: JSON = ["spec": ["containers": [["name": "c"]]]]
        let onlyHash: JSON = ["metadata": ["labels": ["pod-template-hash": "x"]], "spec": ["containers": [["name": "c"]]]]
        #expect(PodTemplateHash.equalIgnoringHash(noLabels, onlyHash))
    }

    @Test(arguments: [
        // replicas, maxSurge, maxUnavailable -> surge, unavailable (upstream ResolveFenceposts)
        (10, JSON("25%"), JSON("25%"), 3, 2),
        (1, JSON("25%"), JSON("25%"), 1, 0),
        (3, JSON(0), JSON(0), 0, 1),
        (4, JSON("50%"), JSON("50%"), 2, 2),
        (7, JSON("10%"), JSON("90%"), 1, 6),
        (0, JSON("25%"), JSON("25%"), 0, 1),
    ])
    func fenceposts(_ replicas: Int, _ surge: JSON, _ unavailable: JSON, _ wantSurge: Int, _ wantUnavailable: Int) {
        let view = DeploymentSpecView(object: makeDeployment(replicas: Int64(replicas),
                                                             strategy: rollingStrategy(surge: surge, unavailable: unavailable)))
        guard case .success(let values) = view.fenceposts() else {
            Issue.record("fenceposts failed")
            return
        }
        #expect(values.surge == wantSurge)
        #expect(values.unavailable == wantUnavailable)
    }

    @Test func scaledValueRejectsNonPercentStrings() {
        #expect(DeploymentSpecView.scaledValue("5", total: 10, roundUp: true) == nil)
        #expect(DeploymentSpecView.scaledValue("x%", total: 10, roundUp: true) == nil)
        #expect(DeploymentSpecView.scaledValue(.null, total: 10, roundUp: true) == nil)
        #expect(DeploymentSpecView.scaledValue("33%", total: 10, roundUp: true) == 4)
        #expect(DeploymentSpecView.scaledValue("33%", total: 10, roundUp: false) == 3)
    }

    @Test func podAvailabilityHonoursMinReadySeconds() {
        let pod = makePod("p", readySince: testEpoch)
        #expect(PodReadiness.isAvailable(pod, minReadySeconds: 0, now: testEpoch))
        #expect(!PodReadiness.isAvailable(pod, minReadySeconds: 10, now: testEpoch.addingTimeInterval(10)))
        #expect(PodReadiness.isAvailable(pod, minReadySeconds: 10, now: testEpoch.addingTimeInterval(11)))
        #expect(!PodReadiness.isAvailable(makePod("q", ready: false), minReadySeconds: 0, now: testEpoch))
        #expect(!PodReadiness.isActive(makePod("r", phase: "Failed")))
        #expect(!PodReadiness.isActive(makePod("s", deleting: true)))
    }
}
