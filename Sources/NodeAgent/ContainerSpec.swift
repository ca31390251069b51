import CRI
import KubeAPI

/// What a container's environment may refer to that only the node knows.
public struct PodRuntimeContext: Sendable, Equatable {
    public var nodeName: String
    public var hostIP: String
    public var podIP: String
    /// The ConfigMaps and Secrets the pod refers to (env and envFrom).
    public var objects = PodObjects()
    /// `cpu`, `memory`, `ephemeral-storage` of the node, for `resourceFieldRef` without a limit.
    public var nodeAllocatable: [String: Quantity] = [:]
    /// Volume name -> where it is on the host (see `NodeAgent+Volumes`).
    public var volumes: [String: PodVolumePath] = [:]

    public init(nodeName: String, hostIP: String, podIP: String, objects: PodObjects = PodObjects(),
                nodeAllocatable: [String: Quantity] = [:], volumes: [String: PodVolumePath] = [:]) {
        self.nodeName = nodeName
        self.hostIP = hostIP
        self.podIP = podIP
        self.objects = objects
        self.nodeAllocatable = nodeAllocatable
        self.volumes = volumes
    }
}

/// A container spec the agent cannot run as written (a clear message for the pod's events and
/// its container's waiting state, `CreateContainerConfigError`).
public struct ContainerSpecError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds the CRI `ContainerConfig` of one container of a pod. Pure, except that a `subPath`
/// is resolved on the host (and created when missing) as upstream does.
public enum ContainerSpec {
    /// CFS period the kubelet uses for CPU limits (100 ms).
    public static let cpuPeriod: Int64 = 100_000

    /// `<name>/<restartCount>.log`, relative to the sandbox's log directory.
    public static func logPath(container: String, attempt: UInt32) -> String { "\(container)/\(attempt).log" }

    /// The config of `container` (an element of `spec.containers` or `spec.initContainers`).
    public static func config(pod: JSON, container: JSON, attempt: UInt32, context: PodRuntimeContext) throws(ContainerSpecError) -> Runtime_V1_ContainerConfig {
        guard let name = container["name"].stringValue, !name.isEmpty else { throw ContainerSpecError("container without a name") }
        guard let image = container["image"].stringValue, !image.isEmpty else {
            throw ContainerSpecError("container \"\(name)\" has no image")
        }
        var config = Runtime_V1_ContainerConfig()
        config.metadata.name = name
        config.metadata.attempt = attempt
        config.image = Runtime_V1_ImageSpec(image)
        let env = try environment(pod: pod, container: container, context: context)
        let values = Dictionary(env.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        config.command = (container["command"].arrayValue ?? []).compactMap(\.stringValue).map { expand($0, values) }
        config.args = (container["args"].arrayValue ?? []).compactMap(\.stringValue).map { expand($0, values) }
        config.workingDir = container["workingDir"].stringValue ?? ""
        config.envs = env
        config.mounts = try VolumeMounts.mounts(container: container, volumes: context.volumes, environment: values)
        config.labels = PodSandboxSpec.labels(pod)
        config.labels[PodLabels.containerName] = name
        config.logPath = logPath(container: name, attempt: attempt)
        config.tty = container["tty"].boolValue ?? false
        config.stdin = container["stdin"].boolValue ?? false
        config.stdinOnce = container["stdinOnce"].boolValue ?? false
        config.linux.resources = try resources(container["resources"])
        let security = container["securityContext"]
        config.linux.securityContext.privileged = security["privileged"].boolValue ?? false
        if let user = security["runAsUser"].intValue ?? pod["spec"]["securityContext"]["runAsUser"].intValue {
            config.linux.securityContext.runAsUser.value = user
        }
        config.linux.securityContext.namespaceOptions = PodSandboxSpec.config(
            pod: pod, attempt: 0, logRoot: "", dns: ResolvConf()).linux.securityContext.namespaceOptions
        return config
    }

    /// The container's environment: `envFrom`, then `env` (see `ContainerEnvironment`).
    public static func environment(pod: JSON, container: JSON, context: PodRuntimeContext) throws(ContainerSpecError) -> [Runtime_V1_KeyValue] {
        try ContainerEnvironment.resolve(pod: pod, container: container, context: context)
    }

    /// The value of a downward-API field path.
    static func fieldValue(_ path: String, pod: JSON, context: PodRuntimeContext) throws(ContainerSpecError) -> String {
        switch path {
        case "metadata.name": return pod["metadata"]["name"].stringValue ?? ""
        case "metadata.namespace": return pod["metadata"]["namespace"].stringValue ?? ""
        case "metadata.uid": return pod["metadata"]["uid"].stringValue ?? ""
        case "spec.nodeName": return context.nodeName
        case "spec.serviceAccountName": return pod["spec"]["serviceAccountName"].stringValue ?? ""
        case "status.podIP": return context.podIP
        case "status.hostIP": return context.hostIP
        default:
            if path.hasPrefix("metadata.labels['"), path.hasSuffix("']") {
                let key = String(path.dropFirst("metadata.labels['".count).dropLast(2))
                return pod["metadata"]["labels"][key].stringValue ?? ""
            }
            if path.hasPrefix("metadata.annotations['"), path.hasSuffix("']") {
                let key = String(path.dropFirst("metadata.annotations['".count).dropLast(2))
                return pod["metadata"]["annotations"][key].stringValue ?? ""
            }
            throw ContainerSpecError("unsupported fieldRef \"\(path)\"")
        }
    }

    /// Kubernetes' `$(VAR)` expansion: a defined variable is replaced, an undefined reference is
    /// left as written, `$$` escapes a dollar.
    public static func expand(_ text: String, _ values: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest.index(after: dollar)
            if after < rest.endIndex, rest[after] == "$" {
                out += "$"
                rest = rest[rest.index(after: after)...]
            } else if after < rest.endIndex, rest[after] == "(", let close = rest[after...].firstIndex(of: ")") {
                let name = String(rest[rest.index(after: after)..<close])
                out += values[name] ?? "$(\(name))"
                rest = rest[rest.index(after: close)...]
            } else {
                out += "$"
                rest = rest[after...]
            }
        }
        return out + rest
    }

    /// cgroup limits from `resources`: CPU shares from the request (the limit when only that is
    /// set; 2, the minimum, without either), a CFS quota from the CPU limit, the memory limit.
    public static func resources(_ resources: JSON) throws(ContainerSpecError) -> Runtime_V1_LinuxContainerResources {
        func quantity(_ section: String, _ name: String) throws(ContainerSpecError) -> Quantity? {
            let value = resources[section][name]
            if value.isNull { return nil }
            do { return try Quantity(json: value) } catch { throw ContainerSpecError("resources.\(section).\(name): \(error)") }
        }
        var result = Runtime_V1_LinuxContainerResources()
        let cpuLimit = try quantity("limits", "cpu")
        let cpuRequest = try quantity("requests", "cpu") ?? cpuLimit
        let milli = { (q: Quantity) -> Int64 in Int64(clamping: (q.nanos + 999_999) / 1_000_000) }
        result.cpuShares = max(2, cpuRequest.map { milli($0) * 1024 / 1000 } ?? 2)
        if let cpuLimit {
            result.cpuPeriod = cpuPeriod
            // 1 ms is the smallest quota the kernel accepts.
            result.cpuQuota = max(1000, milli(cpuLimit) * cpuPeriod / 1000)
        }
        if let memory = try quantity("limits", "memory") {
            result.memoryLimitInBytes = Int64(clamping: memory.nanos / 1_000_000_000)
        }
        return result
    }
}
