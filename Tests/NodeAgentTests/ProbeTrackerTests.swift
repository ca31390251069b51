import Foundation
import KubeAPI
@testable import NodeAgent
import Testing

/// The probe worker's timing and thresholds, driven with explicit times (no sleeping).
struct ProbeTrackerTests {
    static func spec(success: Int64 = 1, failure: Int64 = 3, delay: Int64 = 0) -> ProbeSpec {
        var spec = ProbeSpec(handler: .exec(command: ["true"]))
        spec.successThreshold = success
        spec.failureThreshold = failure
        spec.initialDelaySeconds = delay
        return spec
    }

    @Test func initialResults() {
        #expect(ProbeTracker(kind: .readiness, spec: Self.spec()).result == .failure)
        #expect(ProbeTracker(kind: .liveness, spec: Self.spec()).result == .success)
        #expect(ProbeTracker(kind: .startup, spec: Self.spec()).result == .unknown)
    }

    /// Outcomes in order -> the result after each and whether it changed.
    @Test(arguments: [
        // Readiness: ready after 2 successes in a row; unready after 3 failures in a row.
        (ProbeKind.readiness, Int64(2), Int64(3), [ProbeResult.success, .success, .failure, .failure, .success, .failure, .failure, .failure],
         [ProbeResult.failure, .success, .success, .success, .success, .success, .success, .failure]),
        // An outcome that could not be measured is thrown away and does not break a run.
        (.readiness, 1, 2, [.unknown, .success, .failure, .unknown, .failure],
         [.failure, .success, .success, .success, .failure]),
        // Liveness: healthy until 3 failures in a row; then on hold.
        (.liveness, 1, 3, [.failure, .failure, .success, .failure, .failure, .failure],
         [.success, .success, .success, .success, .success, .failure]),
        (.startup, 1, 2, [.failure, .success], [.unknown, .success]),
    ])
    func thresholds(kind: ProbeKind, success: Int64, failure: Int64, outcomes: [ProbeResult], expected: [ProbeResult]) {
        var tracker = ProbeTracker(kind: kind, spec: Self.spec(success: success, failure: failure))
        var results: [ProbeResult] = []
        for outcome in outcomes {
            let before = tracker.result
            let changed = tracker.record(outcome)
            #expect(changed == (before != tracker.result))
            results.append(tracker.result)
        }
        #expect(results == expected)
    }

    @Test func livenessFailureHoldsTheWorker() {
        var tracker = ProbeTracker(kind: .liveness, spec: Self.spec(failure: 1))
        let start = Date(timeIntervalSince1970: 1000)
        #expect(tracker.step(now: start, runningSince: start, started: true) == .probe)
        let changed = tracker.record(.failure)
        #expect(changed && tracker.onHold)
        #expect(tracker.step(now: start + 100, runningSince: start, started: true) == .skip)
        // Readiness never holds: it keeps probing so the container can become ready again.
        var readiness = ProbeTracker(kind: .readiness, spec: Self.spec(failure: 1))
        _ = readiness.record(.success)
        let unready = readiness.record(.failure)
        #expect(unready && !readiness.onHold)
    }

    @Test func initialDelayAndStartupGating() {
        let start = Date(timeIntervalSince1970: 1000)
        let liveness = ProbeTracker(kind: .liveness, spec: Self.spec(delay: 5))
        #expect(liveness.step(now: start, runningSince: start, started: true) == .skip)
        #expect(liveness.step(now: start + 4.9, runningSince: start, started: true) == .skip)
        #expect(liveness.step(now: start + 5, runningSince: start, started: true) == .probe)
        // Liveness and readiness wait for the startup probe; the startup probe stops once started.
        #expect(liveness.step(now: start + 60, runningSince: start, started: false) == .skip)
        let startup = ProbeTracker(kind: .startup, spec: Self.spec())
        #expect(startup.step(now: start, runningSince: start, started: false) == .probe)
        #expect(startup.step(now: start, runningSince: start, started: true) == .stop)
    }

    @Test func spamFilterRefills() {
        var filter = EventSpamFilter(burst: 3, refill: .seconds(300))
        let t0 = Date(timeIntervalSince1970: 5000)
        // (key, seconds after t0) -> allowed; forgetting a key gives it a full bucket again.
        let steps: [(String, Double)] = [("pod-a", 0), ("pod-a", 0), ("pod-a", 0), ("pod-a", 0), ("pod-a", 0), ("pod-b", 0),
                                         ("pod-a", 299), ("pod-a", 700), ("pod-a", 700), ("pod-a", 700),
                                         ("forget", 0), ("pod-a", 701)]
        var allowed: [Bool] = []
        for (key, offset) in steps {
            if key == "forget" { filter.forget(prefix: "pod-a"); continue }
            allowed.append(filter.allow(key, now: t0 + offset))
        }
        #expect(allowed == [true, true, true, false, false, true, false, true, true, false, true])
    }
}

/// Probe and hook specs as the agent reads them, bad ones included.
struct ProbeSpecTests {
    static let container: JSON = [
        "name": "web", "image": "busybox",
        "ports": [["name": "http", "containerPort": 8080], ["name": "broken"]],
    ]

    func with(_ field: String, _ value: JSON) -> JSON {
        var container = Self.container
        container[field] = value
        return container
    }

    @Test func defaultsAndPortNames() throws {
        let spec = try #require(try ProbeSpec.parse(.readiness, container: with("readinessProbe", [
            "httpGet": ["port": "http", "path": "/healthz", "httpHeaders": [["name": "X-Probe", "value": "1"]]],
        ])))
        #expect(spec.periodSeconds == 10 && spec.timeoutSeconds == 1 && spec.successThreshold == 1 && spec.failureThreshold == 3)
        #expect(spec.initialDelaySeconds == 0 && spec.terminationGracePeriodSeconds == nil)
        guard case .httpGet(let action) = spec.handler else { Issue.record("not httpGet: \(spec.handler)"); return }
        #expect(action.port == 8080 && action.scheme == "HTTP" && action.path == "/healthz")
        #expect(action.url(podIP: "10.42.0.7") == "http://10.42.0.7:8080/healthz")
        #expect(action.headers.map(\.name) == ["X-Probe"])
        #expect(try ProbeSpec.parse(.liveness, container: Self.container) == nil)
        let tcp = try ProbeSpec.parse(.liveness, container: with("livenessProbe", [
            "tcpSocket": ["port": 9000], "periodSeconds": 2, "failureThreshold": 1, "terminationGracePeriodSeconds": 3]))
        #expect(tcp?.handler == .tcpSocket(host: "", port: 9000))
        #expect(tcp?.periodSeconds == 2 && tcp?.failureThreshold == 1 && tcp?.terminationGracePeriodSeconds == 3)
        #expect(try ProbeSpec.resolvePort("8081", container: Self.container) == 8081)
        let https = HTTPGetAction(scheme: "HTTPS", host: "fd00::1", port: 443, path: "x")
        #expect(https.url(podIP: "") == "https://[fd00::1]:443/x")
    }

    @Test(arguments: [
        ("readinessProbe", JSON.object([:]), "must specify one of"),
        ("readinessProbe", ["exec": ["command": ["true"]], "tcpSocket": ["port": 1]], "only one handler"),
        ("readinessProbe", ["exec": ["command": []]], "exec.command must not be empty"),
        ("readinessProbe", ["httpGet": ["port": "nope"]], "couldn't find port \"nope\""),
        ("readinessProbe", ["httpGet": ["port": "broken"]], "no valid containerPort"),
        ("readinessProbe", ["httpGet": ["port": 70000]], "invalid port number 70000"),
        ("readinessProbe", ["httpGet": ["port": 80, "scheme": "FTP"]], "must be HTTP or HTTPS"),
        ("readinessProbe", ["tcpSocket": ["port": 80], "periodSeconds": -1], "periodSeconds must be at least 1"),
        ("readinessProbe", ["tcpSocket": ["port": 80], "timeoutSeconds": "1s"], "timeoutSeconds must be an integer"),
        ("livenessProbe", ["tcpSocket": ["port": 80], "successThreshold": 2], "successThreshold must be 1"),
        ("readinessProbe", ["tcpSocket": ["port": 80], "terminationGracePeriodSeconds": 5], "not allowed"),
        ("startupProbe", "exec", "must be an object"),
        ("livenessProbe", ["grpc": ["port": 0]], "grpc.port must be a number"),
    ] as [(String, JSON, String)])
    func badProbes(field: String, probe: JSON, message: String) {
        let kind = ProbeKind.allCases.first { $0.field == field }!
        #expect {
            _ = try ProbeSpec.parse(kind, container: with(field, probe))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func lifecycleHooks() throws {
        let container = with("lifecycle", [
            "postStart": ["exec": ["command": ["sh", "-c", "echo hi"]]],
            "preStop": ["sleep": ["seconds": 3]],
        ])
        #expect(try ProbeSpec.lifecycleHandler("postStart", container: container) == .exec(command: ["sh", "-c", "echo hi"]))
        #expect(try ProbeSpec.lifecycleHandler("preStop", container: container) == .sleep(seconds: 3))
        #expect(try ProbeSpec.lifecycleHandler("preStop", container: Self.container) == nil)
        #expect(throws: ProbeSpecError.self) {
            _ = try ProbeSpec.lifecycleHandler("preStop", container: with("lifecycle", ["preStop": ["grpc": ["port": 1]]]))
        }
        #expect(throws: ProbeSpecError.self) {
            _ = try ProbeSpec.lifecycleHandler("preStop", container: with("lifecycle", ["preStop": ["sleep": ["seconds": -1]]]))
        }
    }
}
