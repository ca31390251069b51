import CRI
import FoundationEssentials
import Glibc
import KubeAPI

/// Where a pod volume lives on the host and how containers see it.
public struct PodVolumePath: Sendable, Equatable {
    public var hostPath: String
    /// ConfigMap, Secret, downward API and projected volumes are always read-only in containers
    /// (upstream since 1.10), whatever the volumeMount says.
    public var forceReadOnly: Bool

    public init(hostPath: String, forceReadOnly: Bool = false) {
        self.hostPath = hostPath
        self.forceReadOnly = forceReadOnly
    }
}

/// The CRI mounts of one container from its `volumeMounts` (upstream `makeMounts`).
public enum VolumeMounts {
    /// Mounts in `volumeMounts` order. `subPath` (or `subPathExpr`, expanded with the
    /// container's environment) must stay inside the volume: absolute paths, `..` elements and
    /// symlinks leading out are refused; a missing subPath is created as a directory.
    public static func mounts(container: JSON, volumes: [String: PodVolumePath], environment: [String: String]) throws(ContainerSpecError) -> [Runtime_V1_Mount] {
        var result: [Runtime_V1_Mount] = []
        for entry in container["volumeMounts"].arrayValue ?? [] {
            let name = entry["name"].stringValue ?? ""
            guard let mountPath = entry["mountPath"].stringValue, !mountPath.isEmpty else {
                throw ContainerSpecError("volumeMount \"\(name)\" has no mountPath")
            }
            guard let volume = volumes[name] else {
                throw ContainerSpecError("cannot find volume \"\(name)\" to mount into container \"\(container["name"].stringValue ?? "")\"")
            }
            var hostPath = volume.hostPath
            var subPath = entry["subPath"].stringValue ?? ""
            if let expression = entry["subPathExpr"].stringValue, !expression.isEmpty {
                subPath = ContainerSpec.expand(expression, environment)
            }
            if !subPath.isEmpty {
                hostPath = try resolve(subPath: subPath, in: volume.hostPath)
            }
            var mount = Runtime_V1_Mount()
            mount.containerPath = mountPath
            mount.hostPath = hostPath
            mount.readonly = volume.forceReadOnly || (entry["readOnly"].boolValue ?? false)
            switch entry["mountPropagation"].stringValue ?? "None" {
            case "None": mount.propagation = .propagationPrivate
            case "HostToContainer": mount.propagation = .propagationHostToContainer
            case "Bidirectional": mount.propagation = .propagationBidirectional
            case let other: throw ContainerSpecError("invalid mountPropagation \"\(other)\" for volume \"\(name)\"")
            }
            result.append(mount)
        }
        return result
    }

    /// Checks a subPath without touching the file system: relative, no `..` element.
    public static func validate(subPath: String) throws(ContainerSpecError) {
        if subPath.hasPrefix("/") { throw ContainerSpecError("subPath \"\(subPath)\" must be a relative path") }
        if subPath.split(separator: "/").contains("..") { throw ContainerSpecError("subPath \"\(subPath)\" must not contain '..'") }
    }

    /// The host path of `subPath` inside `volume`, symlinks resolved (so a file of a ConfigMap
    /// volume is bound as the version it points to now, and later updates do not reach it, as
    /// upstream). Refuses a result outside the volume.
    public static func resolve(subPath: String, in volume: String) throws(ContainerSpecError) -> String {
        try validate(subPath: subPath)
        let root = realPath(volume) ?? volume
        func inside(_ path: String) -> Bool { path == root || path.hasPrefix(root + "/") }
        // Walk one element at a time so that a symlink leading out is caught before anything
        // is created through it.
        var current = root
        for element in subPath.split(separator: "/") where element != "." {
            let next = current + "/" + element
            var info = stat()
            if lstat(next, &info) != 0 {
                guard mkdir(next, 0o755) == 0 || errno == EEXIST else {
                    throw ContainerSpecError("failed to create subPath directory for volumeMount: \(next): \(String(cString: strerror(errno)))")
                }
            }
            guard let resolved = realPath(next) else {
                throw ContainerSpecError("subpath \"\(next)\" not within volume path \"\(root)\"")
            }
            guard inside(resolved) else {
                throw ContainerSpecError("subpath \"\(resolved)\" not within volume path \"\(root)\"")
            }
            current = resolved
        }
        return current
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
