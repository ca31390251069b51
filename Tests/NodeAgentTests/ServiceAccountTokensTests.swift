import Foundation
import KubeAPI
import Synchronization
import Testing
@testable import NodeAgent

@Suite struct ServiceAccountTokensTests {
    static let pod: JSON = ["metadata": ["name": "web", "namespace": "shop", "uid": "uid-1"],
                            "spec": ["serviceAccountName": "builder", "volumes": [
                                ["name": "kube-api-access-abcde", "projected": ["sources": [
                                    ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                                    ["configMap": ["name": "kube-root-ca.crt"]],
                                ]]],
                                ["name": "vault", "projected": ["sources": [
                                    ["serviceAccountToken": ["audience": "vault", "path": "vault-token"]],
                                    ["serviceAccountToken": ["audience": "vault", "path": "again"]],
                                ]]],
                            ]]]
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func answer(_ token: String, expiresIn seconds: Int64, from now: Date, granted: Int64? = nil) -> JSON {
        var answer: JSON = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                            "status": ["token": .string(token), "expirationTimestamp": .string(iso(now.addingTimeInterval(TimeInterval(seconds))))]]
        if let granted { answer["spec"] = ["expirationSeconds": .int(granted)] }
        return answer
    }

    @Test func requestsComeFromThePodsProjections() {
        let requests = ServiceAccountTokenRequest.all(pod: Self.pod)
        #expect(requests.count == 2)  // the two vault sources ask for the same token
        #expect(requests[0] == ServiceAccountTokenRequest(namespace: "shop", serviceAccount: "builder", audiences: [],
                                                          expirationSeconds: 3607, podName: "web", podUID: "uid-1"))
        #expect(requests[1].audiences == ["vault"])
        #expect(requests[1].expirationSeconds == 3600)
        let body = requests[1].body
        #expect(body["apiVersion"] == "authentication.k8s.io/v1" && body["kind"] == "TokenRequest")
        #expect(body["metadata"]["name"] == "builder")
        #expect(body["spec"] == ["expirationSeconds": 3600,
                                 "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": "web", "uid": "uid-1"],
                                 "audiences": ["vault"]])
        // No audience: none is sent, so the API server's default applies.
        #expect(requests[0].body["spec"]["audiences"].isNull)
        var unnamed = Self.pod
        unnamed["spec"]["serviceAccountName"] = nil
        #expect(ServiceAccountTokenRequest.all(pod: unnamed)[0].serviceAccount == "default")
    }

    @Test func answersAreReadAndBadOnesRefused() throws {
        let request = ServiceAccountTokenRequest.all(pod: Self.pod)[0]
        let token = try ServiceAccountToken(response: Self.answer("a.b.c", expiresIn: 3607, from: Self.t0), requested: request, now: Self.t0)
        #expect(token.token == "a.b.c")
        #expect(token.expiration == Self.t0.addingTimeInterval(3607))
        #expect(token.issuedAt == Self.t0)
        let bad: [(JSON, String)] = [
            (["status": ["expirationTimestamp": .string(Self.iso(Self.t0))]], "TokenRequest answer for service account \"builder\" has no status.token"),
            (["status": ["token": "", "expirationTimestamp": .string(Self.iso(Self.t0))]], "TokenRequest answer for service account \"builder\" has no status.token"),
            (["status": ["token": "x", "expirationTimestamp": "tomorrow"]],
             "TokenRequest answer for service account \"builder\" has no valid status.expirationTimestamp (\"tomorrow\")"),
            ("not an object", "TokenRequest answer for service account \"builder\" has no status.token"),
        ]
        for (answer, message) in bad {
            #expect(throws: VolumeError(message)) { try ServiceAccountToken(response: answer, requested: request, now: Self.t0) }
        }
    }

    /// 80% of the lifetime, but never later than 24 h after issue (a server that extends the
    /// 3607 s tokens to a year).
    @Test(arguments: [
        (Int64(3607), Int64(3607), 2885.6), (600, 600, 480), (86_400 * 365, 86_400 * 365, 86_400), (3607, 86_400 * 365, 86_400),
    ] as [(Int64, Int64, Double)])
    func refreshTiming(requested: Int64, granted: Int64, refreshAfter: Double) throws {
        var request = ServiceAccountTokenRequest.all(pod: Self.pod)[0]
        request.expirationSeconds = requested
        let token = try ServiceAccountToken(response: Self.answer("t", expiresIn: granted, from: Self.t0, granted: granted),
                                            requested: request, now: Self.t0)
        #expect(abs(token.refreshAt.timeIntervalSince(Self.t0) - refreshAfter) < 0.001)
        #expect(!token.needsRefresh(now: Self.t0.addingTimeInterval(refreshAfter - 1)))
        #expect(token.needsRefresh(now: Self.t0.addingTimeInterval(refreshAfter)))
    }

    /// A fake TokenRequest endpoint that counts calls and can be made to fail.
    final class Endpoint: Sendable {
        let calls = Mutex(0)
        let failure = Mutex<StatusError?>(nil)
        let clock = Mutex(ServiceAccountTokensTests.t0)

        var now: Date { clock.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }

        func manager() -> ServiceAccountTokenManager {
            ServiceAccountTokenManager(fetch: { request in
                let n = self.calls.withLock { $0 += 1; return $0 }
                if let failure = self.failure.withLock({ $0 }) { throw failure }
                return ServiceAccountTokensTests.answer("token-\(n)", expiresIn: request.expirationSeconds, from: self.now)
            }, now: { self.now })
        }
    }

    @Test func managerCachesRefreshesAndSurvivesAFailedRefresh() async throws {
        let endpoint = Endpoint()
        let manager = endpoint.manager()
        let request = ServiceAccountTokenRequest.all(pod: Self.pod)[0]
        #expect(try await manager.token(for: request).token == "token-1")
        endpoint.advance(2000)
        #expect(try await manager.token(for: request).token == "token-1")
        #expect(endpoint.calls.withLock { $0 } == 1)
        // Past 80% of 3607 s: a new token.
        endpoint.advance(900)
        #expect(try await manager.token(for: request).token == "token-2")
        // Due again, the server refuses: the old token serves while it is valid...
        endpoint.advance(2900)
        endpoint.failure.withLock { $0 = StatusError(code: 500, reason: "InternalError", message: "boom") }
        #expect(try await manager.token(for: request).token == "token-2")
        // ...and is an error once expired.
        endpoint.advance(800)
        await #expect(throws: VolumeError("token of service account \"builder\" expired and refresh failed: boom")) {
            try await manager.token(for: request)
        }
        manager.forget(podUID: "uid-1")
        #expect(manager.count == 0)
    }

    @Test func projectedOutcomes() async {
        let request = ServiceAccountTokenRequest.all(pod: Self.pod)[0]
        let cases: [(StatusError?, ProjectedToken)] = [
            (nil, .token("token-1")),
            (StatusError(code: 405, reason: "MethodNotAllowed", message: "serviceaccounts/token is not served"), .unavailable),
            (StatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource"), .unavailable),
            (.notFound("serviceaccounts", name: "builder"), .failed("failed to fetch token: serviceaccounts \"builder\" not found")),
            (StatusError(code: 403, reason: "Forbidden", message: "no"), .failed("failed to fetch token: no")),
        ]
        for (failure, expected) in cases {
            let endpoint = Endpoint()
            endpoint.failure.withLock { $0 = failure }
            #expect(await endpoint.manager().projected(request) == expected)
        }
    }

    /// An API server without TokenRequest is asked again only after a minute, not on every sync.
    @Test func unavailabilityIsRememberedForAMinute() async {
        let endpoint = Endpoint()
        let manager = endpoint.manager()
        let request = ServiceAccountTokenRequest.all(pod: Self.pod)[0]
        endpoint.failure.withLock { $0 = StatusError(code: 405, reason: "MethodNotAllowed", message: "not served") }
        #expect(await manager.projected(request) == .unavailable)
        endpoint.advance(30)
        #expect(await manager.projected(request) == .unavailable)
        #expect(endpoint.calls.withLock { $0 } == 1)
        endpoint.failure.withLock { $0 = nil }
        endpoint.advance(31)
        #expect(await manager.projected(request) == .token("token-2"))
    }

    /// Each refresh time is scheduled once however often the pod syncs; an overdue one (the last
    /// refresh failed) is retried shortly.
    @Test func refreshIsScheduledOnce() async throws {
        let endpoint = Endpoint()
        let manager = endpoint.manager()
        #expect(manager.refreshToSchedule(podUID: "uid-1") == nil)
        for request in ServiceAccountTokenRequest.all(pod: Self.pod) { _ = try await manager.token(for: request) }
        let first = try #require(manager.refreshToSchedule(podUID: "uid-1"))
        #expect(abs(first.timeIntervalSince(Self.t0) - 2880) < 0.001)  // the 3600 s token comes first
        #expect(manager.refreshToSchedule(podUID: "uid-1") == nil)
        endpoint.advance(3000)
        endpoint.failure.withLock { $0 = StatusError(code: 503, reason: "ServiceUnavailable", message: "later") }
        _ = await manager.projected(ServiceAccountTokenRequest.all(pod: Self.pod)[1])
        #expect(manager.refreshToSchedule(podUID: "uid-1") == endpoint.now.addingTimeInterval(10))
        #expect(manager.refreshToSchedule(podUID: "other") == nil)
    }

    /// On the real file system: the token file is written with the volume's mode, and a refreshed
    /// token replaces it in place (the atomic swap the running container sees).
    @Test func tokenFileIsWrittenAndRefreshed() throws {
        let dir = NSTemporaryDirectory() + "sa-token-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let volumes = PodVolumes(podsDirectory: dir + "/pods")
        var pod = Self.pod
        pod["spec"]["volumes"] = [["name": "kube-api-access-abcde", "projected": ["defaultMode": 420, "sources": [
            ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
            ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
            ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
        ]]]]
        let request = ServiceAccountTokenRequest.all(pod: pod)[0]
        var objects = PodObjects(configMaps: ["kube-root-ca.crt": ["data": ["ca.crt": "PEM"]]], tokens: [request: .token("h.p.s")])
        defer { try? volumes.tearDown(uid: "uid-1") }
        #expect(volumes.setUp(pod: pod, objects: objects, nodeAllocatable: [:]).failures.isEmpty)
        let base = dir + "/pods/uid-1/volumes/kubernetes.io~projected/kube-api-access-abcde"
        #expect(FileManager.default.contents(atPath: base + "/token") == Data("h.p.s".utf8))
        #expect(FileManager.default.contents(atPath: base + "/ca.crt") == Data("PEM".utf8))
        #expect(FileManager.default.contents(atPath: base + "/namespace") == Data("shop".utf8))
        var info = stat()
        #expect(stat(base + "/token", &info) == 0)  // through the atomic writer's symlink
        #expect(info.st_mode & 0o7777 == 0o644)
        objects.tokens[request] = .token("h.p.s2")
        #expect(volumes.setUp(pod: pod, objects: objects, nodeAllocatable: [:]).failures.isEmpty)
        #expect(FileManager.default.contents(atPath: base + "/token") == Data("h.p.s2".utf8))
        objects.tokens[request] = .failed("failed to fetch token: no")
        let report = volumes.setUp(pod: pod, objects: objects, nodeAllocatable: [:])
        #expect(report.failures.map(\.message) == ["MountVolume.SetUp failed for volume \"kube-api-access-abcde\" : failed to fetch token: no"])
    }
}
