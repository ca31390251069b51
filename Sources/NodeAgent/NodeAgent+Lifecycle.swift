import CRI
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Logging

extension NodeAgent {
    /// Upstream's shortest stop window for a graceful kill (a preStop hook that used up the
    /// grace period still leaves the container this long after SIGTERM).
    static let minimumGracePeriodSeconds: Int64 = 2

    /// The spec of container `name` among the pod's app and init containers.
    static func containerSpec(_ pod: JSON, name: String) -> JSON? {
        ((pod["spec"]["containers"].arrayValue ?? []) + (pod["spec"]["initContainers"].arrayValue ?? []))
            .first { $0["name"].stringValue == name }
    }

    /// `name_namespace(uid)`, as upstream's `format.Pod` names a pod in hook messages.
    static func podDescription(_ pod: JSON) -> String {
        "\(pod["metadata"]["name"].stringValue ?? "")_\(pod["metadata"]["namespace"].stringValue ?? "")(\(pod["metadata"]["uid"].stringValue ?? ""))"
    }

    /// Stops one container as upstream's `killContainer`: a `Killing` event, the preStop hook
    /// (given at most `grace` seconds), then CRI StopContainer (SIGTERM, SIGKILL after what is
    /// left of the grace period, at least 2 s). A grace of 0 (a forced deletion) skips the hook.
    func killContainer(pod: JSON, name: String, containerID: String, grace: Int64, message: String? = nil) async throws {
        await event(pod, "Normal", "Killing", message ?? "Stopping container \(name)")
        var remaining = max(0, grace)
        if remaining > 0, let container = Self.containerSpec(pod, name: name) {
            let begin = ContinuousClock.now
            await runPreStopHook(pod: pod, container: container, containerID: containerID, grace: remaining)
            let spent = (ContinuousClock.now - begin).components.seconds
            remaining = max(Self.minimumGracePeriodSeconds, remaining - spent)
        }
        logger.info("stopping container", metadata: [
            "pod": "\(ObjectCache.key(for: pod) ?? "")", "container": "\(name)", "grace": "\(remaining)"])
        try await runtime.stopContainer(containerID, gracePeriodSeconds: remaining)
    }

    /// Runs `lifecycle.preStop`, bounded by the grace period; a failure is an event, never an error.
    func runPreStopHook(pod: JSON, container: JSON, containerID: String, grace: Int64) async {
        let handler: ProbeHandler?
        do { handler = try ProbeSpec.lifecycleHandler("preStop", container: container) } catch {
            await event(pod, "Warning", "FailedPreStopHook", "\(error)")
            return
        }
        guard let handler else { return }
        if let failure = await runHook(handler, pod: pod, container: container, containerID: containerID, timeoutSeconds: grace) {
            await event(pod, "Warning", "FailedPreStopHook", failure)
        }
    }

    /// Runs `lifecycle.postStart` right after the container started. When it fails the
    /// container is killed (event `FailedPostStartHook`) and restarts as its policy says.
    func runPostStartHook(pod: JSON, container: JSON, containerID: String, podIP: String) async throws {
        let handler: ProbeHandler?
        let name = container["name"].stringValue ?? ""
        do { handler = try ProbeSpec.lifecycleHandler("postStart", container: container) } catch {
            handler = nil
            await event(pod, "Warning", "FailedPostStartHook", "\(error)")
            try await killContainer(pod: pod, name: name, containerID: containerID, grace: 0, message: "FailedPostStartHook")
            return
        }
        guard let handler else { return }
        // Upstream waits for a postStart hook without a limit; two minutes keeps a stuck hook
        // from holding the pod's sync for ever.
        if let failure = await runHook(handler, pod: pod, container: container, containerID: containerID, timeoutSeconds: 120, podIP: podIP) {
            await event(pod, "Warning", "FailedPostStartHook", failure)
            let grace = pod["spec"]["terminationGracePeriodSeconds"].intValue ?? 30
            try await killContainer(pod: pod, name: name, containerID: containerID, grace: grace, message: "FailedPostStartHook")
        }
    }

    /// Runs one hook handler; returns upstream's failure message, nil on success.
    func runHook(_ handler: ProbeHandler, pod: JSON, container: JSON, containerID: String, timeoutSeconds: Int64,
                 podIP: String? = nil) async -> String? {
        let name = container["name"].stringValue ?? ""
        let who = "for Container \"\(name)\" in Pod \"\(Self.podDescription(pod))\""
        switch handler {
        case .exec(let command):
            let error: String
            do {
                let response = try await runtime.execSync(containerID, command: command, commandTimeoutSeconds: timeoutSeconds)
                if response.exitCode == 0 { return nil }
                let output = String(decoding: response.stdout + response.stderr, as: UTF8.self)
                error = "command '\(command.joined(separator: " "))' exited with \(response.exitCode): \(output)"
            } catch let failure {
                error = "\(failure)"
            }
            return "Exec lifecycle hook ([\(command.joined(separator: " "))]) \(who) failed - error: \(error)"
        case .httpGet(let action):
            let ip = podIP ?? podIPForHooks(pod)
            guard let error = await HTTPProbe.hook(action, podIP: ip, timeout: .seconds(max(1, timeoutSeconds))) else { return nil }
            return "HTTP lifecycle hook (\(action.path)) \(who) failed - error: \(error)"
        case .sleep(let seconds):
            try? await Task.sleep(for: .seconds(min(seconds, timeoutSeconds)))
            return nil
        case .tcpSocket, .grpc:
            return "invalid lifecycle hook \(who): only exec, httpGet and sleep are supported"
        }
    }

    /// The pod's IP as the status last showed it (the host's for host-network pods).
    func podIPForHooks(_ pod: JSON) -> String {
        if let ip = pod["status"]["podIP"].stringValue, !ip.isEmpty { return ip }
        return machine.internalIP
    }
}
