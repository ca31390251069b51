import CRI
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The agent's probe workers (one per running container and probe kind) and their results.
/// A worker belongs to one container instance: a restarted container gets new workers, whose
/// results start over (readiness not ready, liveness healthy, startup unknown).
final class ProbeWorkers: Sendable {
    struct Key: Hashable, Sendable {
        var uid: String
        var container: String
        var kind: ProbeKind
    }

    struct Entry: Sendable {
        var containerID: String
        var result: ProbeResult
        /// Nil for a probe whose spec is invalid (its result stays the initial one).
        var task: Task<Void, Never>?
    }

    let entries = Mutex<[Key: Entry]>([:])
    let spamFilter = Mutex(EventSpamFilter())

    /// The result of `kind` for the container instance `containerID`; nil when no worker has it.
    func result(_ key: Key, containerID: String) -> ProbeResult? {
        entries.withLock { entries in entries[key].flatMap { $0.containerID == containerID ? $0.result : nil } }
    }

    /// Stores a worker's new result; false when the worker has been replaced meanwhile.
    func set(_ key: Key, containerID: String, result: ProbeResult) -> Bool {
        entries.withLock { entries in
            guard entries[key]?.containerID == containerID else { return false }
            entries[key]?.result = result
            return true
        }
    }

    /// Makes the workers of pod `uid` exactly `wanted` (key -> container instance): workers of
    /// other instances are cancelled, missing ones made by `start` (which returns nil for an
    /// invalid spec).
    func reconcile(uid: String, wanted: [Key: String], start: (Key, String) -> Task<Void, Never>??) {
        var stale: [Task<Void, Never>] = []
        var missing: [(Key, String)] = []
        entries.withLock { entries in
            for (key, entry) in entries where key.uid == uid && wanted[key] != entry.containerID {
                if let task = entry.task { stale.append(task) }
                entries[key] = nil
            }
            for (key, containerID) in wanted where entries[key] == nil { missing.append((key, containerID)) }
        }
        stale.forEach { $0.cancel() }
        for (key, containerID) in missing {
            guard let made = start(key, containerID) else { continue }
            let initial = ProbeTracker(kind: key.kind, spec: ProbeSpec(handler: .exec(command: ["true"]))).result
            let extra = entries.withLock { entries -> Task<Void, Never>? in
                if entries[key] != nil { return made }  // raced with another reconcile: keep the first
                entries[key] = Entry(containerID: containerID, result: initial, task: made)
                return nil
            }
            extra?.cancel()
        }
    }

    /// Stops the workers of one container (`name`) or of the whole pod (nil).
    func stop(uid: String, container name: String? = nil) {
        let tasks = entries.withLock { entries -> [Task<Void, Never>] in
            let keys = entries.keys.filter { $0.uid == uid && (name == nil || $0.container == name) }
            defer { keys.forEach { entries[$0] = nil } }
            return keys.compactMap { entries[$0]?.task }
        }
        tasks.forEach { $0.cancel() }
        if name == nil { spamFilter.withLock { $0.forget(prefix: uid) } }
    }

    /// Stops every worker (the agent's run ends).
    func stopAll() {
        let tasks = entries.withLock { entries -> [Task<Void, Never>] in
            defer { entries = [:] }
            return entries.values.compactMap(\.task)
        }
        tasks.forEach { $0.cancel() }
    }
}

extension NodeAgent {
    /// Whether a running container has started (its startup probe succeeded, or it has none)
    /// and whether its readiness probe lets it be ready (or it has none).
    func probeState(uid: String, container: JSON, containerID: String) -> (started: Bool, ready: Bool) {
        let name = container["name"].stringValue ?? ""
        func passed(_ kind: ProbeKind) -> Bool {
            if container[kind.field].isNull { return true }
            return probes.result(.init(uid: uid, container: name, kind: kind), containerID: containerID) == .success
        }
        return (passed(.startup), passed(.readiness))
    }

    /// Starts the probe workers of the pod's running containers and stops those of containers
    /// that exited or were replaced. A probe whose spec is invalid gets a Warning event once per
    /// container instance and no worker.
    func syncProbeWorkers(pod: JSON, runtimePod: RuntimePod) async {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let podIP = runtimePod.podIP ?? pod["status"]["podIP"].stringValue ?? machine.internalIP
        var wanted: [ProbeWorkers.Key: String] = [:]
        var specs: [ProbeWorkers.Key: (spec: ProbeSpec?, error: ProbeSpecError?, since: Date)] = [:]
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            guard let newest = runtimePod.runs[name]?.first, newest.state == .containerRunning else { continue }
            for kind in ProbeKind.allCases where !container[kind.field].isNull {
                let key = ProbeWorkers.Key(uid: uid, container: name, kind: kind)
                wanted[key] = newest.id
                let since = Date(criNanos: newest.startedAt) ?? Date()
                do { specs[key] = (try ProbeSpec.parse(kind, container: container), nil, since) } catch { specs[key] = (nil, error, since) }
            }
        }
        var invalid: [(ProbeWorkers.Key, ProbeSpecError)] = []
        probes.reconcile(uid: uid, wanted: wanted) { key, containerID in
            guard let entry = specs[key] else { return nil }
            guard let spec = entry.spec else {
                if let error = entry.error { invalid.append((key, error)) }
                return .some(nil)
            }
            return Task { [self] in
                await runProbeWorker(key: key, spec: spec, pod: pod, containerID: containerID, runningSince: entry.since, podIP: podIP)
            }
        }
        for (key, error) in invalid {
            logger.warning("invalid probe", metadata: ["pod": "\(ObjectCache.key(for: pod) ?? uid)", "container": "\(key.container)", "error": "\(error)"])
            await event(pod, "Warning", "Unhealthy", "\(key.kind.title) probe errored: \(error)")
        }
    }

    /// One probe worker: probes at once, then every `periodSeconds`, until cancelled (its
    /// container exited or the pod goes) or a startup probe is done. A changed result wakes the
    /// pod's sync, which turns it into readiness or a restart.
    func runProbeWorker(key: ProbeWorkers.Key, spec: ProbeSpec, pod: JSON, containerID: String, runningSince: Date, podIP: String) async {
        var tracker = ProbeTracker(kind: key.kind, spec: spec)
        let runner = ProbeRunner(runtime: runtime)
        let podKey = ObjectCache.key(for: pod) ?? ""
        let startupKey = ProbeWorkers.Key(uid: key.uid, container: key.container, kind: .startup)
        let hasStartup = !(pod["spec"]["containers"].arrayValue ?? []).contains {
            $0["name"].stringValue == key.container && $0["startupProbe"].isNull
        }
        while !Task.isCancelled {
            let started = !hasStartup || probes.result(startupKey, containerID: containerID) == .success
            switch tracker.step(now: Date(), runningSince: runningSince, started: started) {
            case .stop:
                return
            case .skip:
                break
            case .probe:
                let outcome = await runner.probe(spec.handler, containerID: containerID, podIP: podIP, timeoutSeconds: spec.timeoutSeconds)
                if Task.isCancelled { return }
                await recordProbeEvent(pod: pod, kind: key.kind, outcome: outcome)
                if tracker.record(outcome.result), probes.set(key, containerID: containerID, result: tracker.result) {
                    logger.info("probe result changed", metadata: [
                        "pod": "\(podKey)", "container": "\(key.container)", "probe": "\(key.kind.rawValue)", "result": "\(tracker.result.rawValue)"])
                    queue.add(podKey)
                }
            }
            guard (try? await Task.sleep(for: .seconds(spec.periodSeconds))) != nil else { return }
        }
    }

    /// Upstream's prober events: `Unhealthy` for failures and errors, `ProbeWarning` for a
    /// warning, through the pod's spam filter.
    func recordProbeEvent(pod: JSON, kind: ProbeKind, outcome: ProbeOutcome) async {
        let (reason, message): (String, String)
        switch outcome.status {
        case .success: return
        case .warning: (reason, message) = ("ProbeWarning", "\(kind.title) probe warning: \(outcome.output)")
        case .failure: (reason, message) = ("Unhealthy", "\(kind.title) probe failed: \(outcome.output)")
        case .error: (reason, message) = ("Unhealthy", "\(kind.title) probe errored and resulted in unknown state: \(outcome.output)")
        }
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        guard probes.spamFilter.withLock({ $0.allow(uid, now: Date()) }) else { return }
        await event(pod, "Warning", reason, message)
    }

    /// Kills the running containers whose liveness or startup probe failed (upstream's
    /// `computePodActions`); returns whether any was killed. They restart as their exit says.
    func killUnhealthyContainers(pod: JSON, runtimePod: RuntimePod) async throws -> Bool {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let restart = (pod["spec"]["restartPolicy"].stringValue ?? "Always") != "Never"
        var killed = false
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            guard let newest = runtimePod.runs[name]?.first, newest.state == .containerRunning else { continue }
            for kind in [ProbeKind.liveness, .startup]
            where probes.result(.init(uid: uid, container: name, kind: kind), containerID: newest.id) == .failure {
                let spec = try? ProbeSpec.parse(kind, container: container)
                let grace = spec?.terminationGracePeriodSeconds ?? pod["spec"]["terminationGracePeriodSeconds"].intValue ?? 30
                probes.stop(uid: uid, container: name)
                try await killContainer(pod: pod, name: name, containerID: newest.id, grace: grace,
                                        message: "Container \(name) failed \(kind.rawValue) probe" + (restart ? ", will be restarted" : ""))
                killed = true
                break
            }
        }
        return killed
    }
}
