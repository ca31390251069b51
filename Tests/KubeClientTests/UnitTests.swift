import KubeAPI
import NIOHTTP1
import Testing
@testable import KubeClient

@Suite struct ServerAddressTests {
    @Test(arguments: [
        ("https://127.0.0.1:6443", "127.0.0.1", 6443),
        ("https://localhost:6443/", "localhost", 6443),
        ("https://api.example.com", "api.example.com", 443),
        ("https://[::1]:7443", "::1", 7443),
        ("HTTPS://host:1", "host", 1),
    ])
    func parses(_ url: String, _ host: String, _ port: Int) throws {
        #expect(try ServerAddress(url: url) == ServerAddress(host: host, port: port))
    }

    @Test(arguments: ["http://127.0.0.1:6443", "127.0.0.1:6443", "https://", "https://:6443", "https://host:0",
                      "https://host:99999", "https://host:x", "https://host/api", "https://[::1", "https://u@host",
                      "https://[::1]x"])
    func refuses(_ url: String) {
        let error = #expect(throws: KubeClientError.self) { try ServerAddress(url: url) }
        #expect(error?.kind == .badServerURL)
        #expect(error?.message.contains(url) == true)
    }

    @Test func authorityAndIPDetection() {
        #expect(ServerAddress(host: "::1", port: 6443).authority == "[::1]:6443")
        #expect(ServerAddress(host: "a.b", port: 443).authority == "a.b")
        #expect(ServerAddress(host: "10.0.0.1", port: 1).isIPAddress)
        #expect(!ServerAddress(host: "10.0.0.1.example", port: 1).isIPAddress)
        #expect(ServerAddress(host: "fe80::1", port: 1).isIPAddress)
    }
}

@Suite struct WatchDecoderTests {
    static let lines = [
        #"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#,
        #"{"type":"MODIFIED","object":{"metadata":{"name":"a","note":"line\nbreak"}}}"#,
        #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}"#,
    ]

    @Test(arguments: [1, 2, 7, 50, 1000])
    func eventsSurviveAnyChunking(_ chunkSize: Int) throws {
        let bytes = Array(Self.lines.map { $0 + "\n" }.joined().utf8)
        var decoder = WatchDecoder()
        var events: [WatchEvent] = []
        var offset = 0
        while offset < bytes.count {
            events += try decoder.feed(bytes[offset..<min(bytes.count, offset + chunkSize)])
            offset += chunkSize
        }
        #expect(try decoder.finish() == nil)
        #expect(events.map(\.type) == [.added, .modified, .bookmark])
        #expect(events[1].object["metadata"]["note"] == "line\nbreak")
    }

    @Test func lastEventWithoutNewlineAndBlankLines() throws {
        var decoder = WatchDecoder()
        #expect(try decoder.feed(Array("\n\r\n".utf8)).isEmpty)
        #expect(try decoder.feed(Array(Self.lines[0].utf8)).isEmpty)
        #expect(try decoder.finish()?.type == .added)
    }

    @Test(arguments: [#"{"type":"ADDED","object":{"#, #"{"object":{}}"#, #"{"type":"EXPLODED","object":{}}"#,
                      #"{"type":"ADDED","object":"str"}"#, "not json"])
    func badEventsAreErrors(_ line: String) {
        var decoder = WatchDecoder()
        let error = #expect(throws: KubeClientError.self) {
            _ = try decoder.feed(Array((line + "\n").utf8))
        }
        #expect(error?.kind == .badResponse)
    }

    @Test func truncatedFinalEventIsAnError() throws {
        var decoder = WatchDecoder()
        _ = try decoder.feed(Array(#"{"type":"ADDED","obj"#.utf8))
        #expect(throws: KubeClientError.self) { _ = try decoder.finish() }
    }
}

@Suite struct StatusDecodingTests {
    @Test func statusBodyIsDecodedWithCauses() throws {
        let original = StatusError.invalid(kind: "ConfigMap", name: "x", causes: [
            StatusCause(reason: "FieldValueInvalid", message: "bad", field: "metadata.name"),
        ])
        var status = original.status
        status["details"]["retryAfterSeconds"] = 3
        let decoded = StatusDecoding.error(code: 422, body: status.serialized())
        #expect(decoded.code == 422)
        #expect(decoded.reason == "Invalid")
        #expect(decoded.message == original.message)
        #expect(decoded.details?.causes == original.details?.causes)
        #expect(decoded.details?.kind == "ConfigMap")
        #expect(decoded.retryAfterSeconds == 3)
    }

    @Test(arguments: [
        (404, "GET", "NotFound"), (409, "POST", "AlreadyExists"), (409, "PUT", "Conflict"), (500, "GET", "InternalError"),
        (502, "GET", "InternalError"), (503, "GET", "ServiceUnavailable"), (429, "GET", "TooManyRequests"),
        (401, "GET", "Unauthorized"), (403, "GET", "Forbidden"), (422, "GET", "Invalid"), (418, "GET", "Unknown"),
    ])
    func nonStatusBodiesGetUpstreamReasons(_ code: Int, _ verb: String, _ reason: String) {
        let error = StatusDecoding.error(code: code, body: Array("<html>proxy says no</html>".utf8), verb: verb)
        #expect(error.code == code)
        #expect(error.reason == reason)
        #expect(error.message.contains("proxy says no"))
        #expect(error.details?.causes.first?.reason == "UnexpectedServerResponse")
    }

    @Test func emptyBody() {
        let error = StatusDecoding.error(code: 404, body: [])
        #expect(error.reason == "NotFound")
        #expect(error.details == nil)
    }
}

@Suite struct RateAndRetryTests {
    @Test func bucketAllowsBurstThenPaces() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(qps: 10, burst: 3, now: start)
        #expect((0..<3).map { _ in bucket.reserve(now: start) } == [.zero, .zero, .zero])
        // Each further request waits one more tenth of a second.
        #expect(bucket.reserve(now: start) == .milliseconds(100))
        #expect(bucket.reserve(now: start) == .milliseconds(200))
        // A second later the reservations are paid and eight tokens accrued, capped at the burst.
        let later = start.advanced(by: .seconds(5))
        #expect((0..<3).map { _ in bucket.reserve(now: later) } == [.zero, .zero, .zero])
        #expect(bucket.reserve(now: later) == .milliseconds(100))
    }

    @Test func zeroQPSDisablesLimiting() {
        var bucket = TokenBucket(qps: 0, burst: 1, now: .now)
        #expect((0..<100).allSatisfy { _ in bucket.reserve(now: .now) == .zero })
    }

    @Test func retryAfterIsHonouredAndBounded() {
        let policy = RetryPolicy(maxRetries: 2, maxDelay: .seconds(5))
        #expect(policy.delay(status: 429, headers: ["Retry-After": "2"], attempt: 0) == .seconds(2))
        #expect(policy.delay(status: 429, headers: [:], attempt: 1) == .seconds(1))
        #expect(policy.delay(status: 429, headers: ["Retry-After": "3600"], attempt: 0) == .seconds(5))
        #expect(policy.delay(status: 429, headers: ["Retry-After": "2"], attempt: 2) == nil)
        #expect(policy.delay(status: 503, headers: ["Retry-After": "1"], attempt: 0) == .seconds(1))
        #expect(policy.delay(status: 503, headers: [:], attempt: 0) == nil)
        #expect(policy.delay(status: 409, headers: ["Retry-After": "1"], attempt: 0) == nil)
    }
}

@Suite struct RequestBuildingTests {
    @Test func listOptionsBecomeAnEscapedQuery() {
        let options = ListOptions(labelSelector: "app in (a,b),!x", fieldSelector: "spec.nodeName=n 1", limit: 5,
                                  continueToken: "abc=", resourceVersion: "10", timeoutSeconds: 30, allowWatchBookmarks: true)
        let request = APIRequest(method: "GET", path: "/api/v1/pods", query: options.queryItems(watch: true))
        #expect(request.target == "/api/v1/pods?watch=true&labelSelector=app%20in%20%28a%2Cb%29%2C%21x"
            + "&fieldSelector=spec.nodeName%3Dn%201&limit=5&continue=abc%3D&resourceVersion=10&timeoutSeconds=30&allowWatchBookmarks=true")
        #expect(APIRequest(method: "GET", path: "/x", query: ListOptions(allowWatchBookmarks: true).queryItems(watch: false)).target == "/x")
    }

    @Test func deleteOptionsBody() {
        let body = DeleteOptions(propagationPolicy: "Foreground", gracePeriodSeconds: 0, preconditionUID: "u",
                                 preconditionResourceVersion: "7").body
        #expect(body == ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground",
                         "gracePeriodSeconds": 0, "preconditions": ["uid": "u", "resourceVersion": "7"]])
        #expect(DeleteOptions().body == ["kind": "DeleteOptions", "apiVersion": "v1"])
    }

    @Test(arguments: [("Q0E=", "CA"), ("aGVsbG8gd29ybGQ=", "hello world"), ("aGVsbG8gd29ybGQ", "hello world"),
                      ("aGVs\nbG8=", "hello"), ("", "")])
    func base64Decodes(_ text: String, _ expected: String) {
        #expect(Base64.decode(text) == Array(expected.utf8))
    }

    @Test(arguments: ["Q0E=Q", "Q", "a*b=", "Q0E===="])
    func base64RefusesGarbage(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
