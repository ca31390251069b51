import KubeAPI

/// How a simulated pod behaves, read from its spec and `swiftlet.io/simulated-*` annotations.
/// Bad annotations never stop a pod: the default is used and the problem is reported so the driver
/// can record a Warning event.
public struct PodRunPlan: Sendable, Hashable {
    /// restartPolicy Never/OnFailure: the pod finishes after `runDuration`; Always: it runs forever.
    public var completes: Bool
    public var runDuration: Duration
    public var exitCode: Int64
    /// False with `swiftlet.io/simulated-ready: "false"`.
    public var ready: Bool
    /// One message per annotation that could not be used.
    public var problems: [String]

    public init(pod: JSON, defaultDuration: Duration) {
        let annotations = pod["metadata"]["annotations"]
        let restartPolicy = pod["spec"]["restartPolicy"].stringValue ?? "Always"
        completes = restartPolicy == "Never" || restartPolicy == "OnFailure"
        runDuration = defaultDuration
        exitCode = 0
        ready = true
        problems = []
        if let text = annotations[SimulatedLabels.duration].stringValue {
            do {
                runDuration = try GoDuration.parse(text)
            } catch {
                problems.append("annotation \(SimulatedLabels.duration)=\"\(text)\" is not a duration (\(error)); using \(PodRunPlan.describe(defaultDuration))")
            }
        }
        if let text = annotations[SimulatedLabels.exitCode].stringValue {
            if let code = Int64(text), (0...255).contains(code) {
                exitCode = code
            } else {
                problems.append("annotation \(SimulatedLabels.exitCode)=\"\(text)\" is not an exit code (0-255); using 0")
            }
        }
        if let text = annotations[SimulatedLabels.ready].stringValue {
            switch text.lowercased() {
            case "false": ready = false
            case "true": ready = true
            default: problems.append("annotation \(SimulatedLabels.ready)=\"\(text)\" is not \"true\" or \"false\"; using true")
            }
        }
    }

    /// `1s`, `1.5s`, `250ms` for messages.
    static func describe(_ duration: Duration) -> String {
        let (seconds, atto) = duration.components
        let millis = seconds * 1000 + atto / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)s" : "\(millis)ms"
    }
}

/// The images and identities the simulated runtime reports, shaped like containerd's.
enum RuntimeNames {
    /// `nginx` -> `docker.io/library/nginx:latest`, `me/app:1` -> `docker.io/me/app:1`,
    /// `registry.local:5000/app` -> `registry.local:5000/app:latest` (containerd's normalized names).
    static func normalizedImage(_ image: String) -> String {
        var name = image
        let firstSlash = name.firstIndex(of: "/")
        let hasDomain = firstSlash.map { index in
            let first = name[..<index]
            return first.contains(".") || first.contains(":") || first == "localhost"
        } ?? false
        if !hasDomain {
            name = (firstSlash == nil ? "docker.io/library/" : "docker.io/") + name
        }
        let lastComponent = name.split(separator: "/").last ?? ""
        if !name.contains("@") && !lastComponent.contains(":") { name += ":latest" }
        return name
    }

    /// `docker.io/library/nginx@sha256:<fake digest>`.
    static func imageID(_ image: String) -> String {
        let normalized = normalizedImage(image)
        var repository = normalized
        if let at = repository.firstIndex(of: "@") {
            repository = String(repository[..<at])
        } else if let colon = repository.lastIndex(of: ":"), !repository[colon...].contains("/") {
            repository = String(repository[..<colon])
        }
        return "\(repository)@sha256:\(FakeDigest.hex("image/" + normalized))"
    }

    /// `simulated://<64 hex>`, stable for a pod uid and container name.
    static func containerID(podUID: String, container: String) -> String {
        "simulated://" + FakeDigest.hex("container/\(podUID)/\(container)")
    }
}
