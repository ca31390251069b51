import KubeAPI
import Prometheus
import Synchronization

/// A flag set once from any thread.
final class ManagedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Max in-flight requests, split into read-only and mutating like kube-apiserver's
/// `--max-requests-inflight` / `--max-mutating-requests-inflight`; over the limit answers 429.
final class InflightLimiter: Sendable {
    private let readOnly = Atomic<Int>(0)
    private let mutating = Atomic<Int>(0)
    let maxReadOnly: Int
    let maxMutating: Int

    init(maxReadOnly: Int, maxMutating: Int) {
        self.maxReadOnly = maxReadOnly
        self.maxMutating = maxMutating
    }

    func acquire(mutating isMutating: Bool) -> Bool {
        let limit = isMutating ? maxMutating : maxReadOnly
        let now = isMutating ? mutating.wrappingAdd(1, ordering: .relaxed).newValue
                             : readOnly.wrappingAdd(1, ordering: .relaxed).newValue
        if limit > 0, now > limit {
            release(mutating: isMutating)
            return false
        }
        return true
    }

    func release(mutating isMutating: Bool) {
        if isMutating {
            mutating.wrappingSubtract(1, ordering: .relaxed)
        } else {
            readOnly.wrappingSubtract(1, ordering: .relaxed)
        }
    }
}

/// Request counts and latencies by verb and resource, in Prometheus text format, named as upstream's
/// `apiserver_request_total` and `apiserver_request_duration_seconds`.
final class APIMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private struct Key: Hashable { var verb, resource, subresource: String; var code: Int }
    private struct LatencyKey: Hashable { var verb, resource, subresource: String }
    private let counters = Mutex<[Key: Counter]>([:])
    private let histograms = Mutex<[LatencyKey: DurationHistogram]>([:])
    private static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                              .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60)]
    private static var totalDescriptor: MetricNameDescriptor { MetricNameDescriptor(namespace: "apiserver", metricName: "request", unitName: "total",
                                                              helpText: "Counter of apiserver requests by verb, resource and HTTP code.") }
    private static var durationDescriptor: MetricNameDescriptor { MetricNameDescriptor(namespace: "apiserver", metricName: "request_duration", unitName: "seconds",
                                                                 helpText: "Response latency distribution by verb and resource (watches excluded).") }

    func observe(verb: String, resource: String, subresource: String, code: Int, duration: Duration, isWatch: Bool) {
        let key = Key(verb: verb, resource: resource, subresource: subresource, code: code)
        let counter = counters.withLock { map in
            if let c = map[key] { return c }
            let c = registry.makeCounter(descriptor: APIMetrics.totalDescriptor, labels: [
                ("verb", verb), ("resource", resource), ("subresource", subresource), ("code", String(code)),
            ])
            map[key] = c
            return c
        }
        counter.increment()
        guard !isWatch else { return }
        let lkey = LatencyKey(verb: verb, resource: resource, subresource: subresource)
        let histogram = histograms.withLock { map in
            if let h = map[lkey] { return h }
            let h = registry.makeDurationHistogram(descriptor: APIMetrics.durationDescriptor, labels: [
                ("verb", verb), ("resource", resource), ("subresource", subresource),
            ], buckets: APIMetrics.buckets)
            map[lkey] = h
            return h
        }
        histogram.record(duration)
    }

    func text() -> [UInt8] { registry.emitToBuffer() }
}

/// OpenAPI v3 documents are large and never change while the server runs: build each once.
final class OpenAPICache: Sendable {
    private let documents = Mutex<[String: [UInt8]]>([:])
    private let rootBytes = Mutex<[UInt8]?>(nil)
    private let v2 = Mutex<(json: [UInt8], protobuf: [UInt8])?>(nil)

    /// The Swagger 2.0 document (`/openapi/v2`) as JSON.
    func v2JSON() -> [UInt8] { v2Document().json }

    /// The Swagger 2.0 document as gnostic protobuf, the form kubectl asks for.
    func v2Protobuf() -> [UInt8] { v2Document().protobuf }

    private func v2Document() -> (json: [UInt8], protobuf: [UInt8]) {
        if let cached = v2.withLock({ $0 }) { return cached }
        let document = OpenAPIV2.document()
        let built = (json: document.serialized(), protobuf: OpenAPIV2.encodeDocument(document))
        v2.withLock { $0 = built }
        return built
    }

    static var groupVersions: [String] {
        ResourceRegistry.coreVersions + ResourceRegistry.groups.flatMap { g in g.versions.map { "\(g.name)/\($0)" } }
    }

    func root() -> [UInt8] {
        if let cached = rootBytes.withLock({ $0 }) { return cached }
        let docs = OpenAPICache.groupVersions.map { gv in (groupVersion: gv, document: documentJSON(gv)) }
        let bytes = OpenAPIV3.root(documents: docs).serialized()
        // The root hashes every document: keep them, so they are not built a second time when asked for.
        documents.withLock { cache in
            for (gv, document) in docs where cache[gv] == nil { cache[gv] = document.serialized() }
        }
        rootBytes.withLock { $0 = bytes }
        return bytes
    }

    private func documentJSON(_ groupVersion: String) -> JSON {
        let parts = groupVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        return OpenAPIV3.document(groupVersion: groupVersion, resources: ResourceRegistry.resources(group: group, version: version))
    }

    /// nil when the group version is not served.
    func document(groupVersion: String) -> [UInt8]? {
        guard OpenAPICache.groupVersions.contains(groupVersion) else { return nil }
        if let cached = documents.withLock({ $0[groupVersion] }) { return cached }
        let bytes = documentJSON(groupVersion).serialized()
        documents.withLock { $0[groupVersion] = bytes }
        return bytes
    }
}

/// Watch timings; tests may shorten them.
struct WatchTuning: Sendable {
    var bookmarkInterval: Duration = .seconds(30)
    /// Upstream picks a random timeout between min-request-timeout and twice that when none is asked for.
    var defaultTimeout: ClosedRange<Int> = 1800...3600
}

/// A revision shared between the tasks of one watch.
final class RevisionBox: Sendable {
    private let value: Atomic<Int64>
    init(_ initial: Int64) { value = Atomic(initial) }
    func store(_ v: Int64) { value.store(v, ordering: .relaxed) }
    func load() -> Int64 { value.load(ordering: .relaxed) }
}
