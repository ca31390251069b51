import FoundationEssentials
import Glibc
import KubeAPI
import SwiftletSystem

/// The volumes of pods on the host, in upstream's layout:
/// `<pods>/<uid>/volumes/<plugin>/<name>` (`kubernetes.io~empty-dir`, `~configmap`, `~secret`,
/// `~downward-api`, `~projected`); `hostPath` volumes are used where they are.
///
/// Secret and projected volumes (and emptyDir with medium Memory) are tmpfs mounts, so their
/// content never reaches the disk. Teardown unmounts whatever is mounted under the pod's
/// directory and removes the tree without following symlinks or crossing into a file system
/// it did not unmount.
public struct PodVolumes: Sendable {
    /// `<agent>/pods`.
    public let podsDirectory: String

    public init(podsDirectory: String) { self.podsDirectory = podsDirectory }

    /// What one `setUp` did: volumes that could not be set up (`MountVolume.SetUp failed ...`
    /// messages by volume name) and sources skipped as unsupported.
    public struct SetUpReport: Sendable, Equatable {
        public var failures: [(volume: String, message: String)] = []
        public var skipped: [String] = []
        public static func == (a: SetUpReport, b: SetUpReport) -> Bool {
            a.skipped == b.skipped && a.failures.map { "\($0.volume)\u{1}\($0.message)" } == b.failures.map { "\($0.volume)\u{1}\($0.message)" }
        }
    }

    public func podDirectory(uid: String) -> String { podsDirectory + "/" + uid }

    /// The plugin directory name of a volume, nil for hostPath and unknown sources.
    public static func plugin(of volume: JSON) -> String? {
        if !volume["emptyDir"].isNull { return "kubernetes.io~empty-dir" }
        if !volume["configMap"].isNull { return "kubernetes.io~configmap" }
        if !volume["secret"].isNull { return "kubernetes.io~secret" }
        if !volume["downwardAPI"].isNull { return "kubernetes.io~downward-api" }
        if !volume["projected"].isNull { return "kubernetes.io~projected" }
        return nil
    }

    /// Where each of the pod's volumes is on the host (whether or not it is set up yet).
    public func paths(pod: JSON) -> [String: PodVolumePath] {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        var result: [String: PodVolumePath] = [:]
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            guard let name = volume["name"].stringValue else { continue }
            if let path = volume["hostPath"]["path"].stringValue {
                result[name] = PodVolumePath(hostPath: path)
            } else if let plugin = Self.plugin(of: volume) {
                result[name] = PodVolumePath(hostPath: "\(podDirectory(uid: uid))/volumes/\(plugin)/\(name)",
                                             forceReadOnly: volume["emptyDir"].isNull)
            }
        }
        return result
    }

    /// Sets up (or refreshes) every volume of the pod. Idempotent: an unchanged payload writes
    /// nothing, a mounted tmpfs stays. Failures are reported per volume, never thrown, so one
    /// bad volume does not hide the others' messages.
    public func setUp(pod: JSON, objects: PodObjects, nodeAllocatable: [String: Quantity]) -> SetUpReport {
        var report = SetUpReport()
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        guard Self.isSafeName(uid) else {
            report.failures.append(("", "pod has no usable uid"))
            return report
        }
        let paths = paths(pod: pod)
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            let name = volume["name"].stringValue ?? ""
            do throws(VolumeError) {
                guard Self.isSafeName(name) else { throw VolumeError("invalid volume name \"\(name)\"") }
                try setUp(volume: volume, at: paths[name]?.hostPath, pod: pod, objects: objects,
                          nodeAllocatable: nodeAllocatable, skipped: &report.skipped)
            } catch {
                report.failures.append((name, "MountVolume.SetUp failed for volume \"\(name)\" : \(error.description)"))
            }
        }
        return report
    }

    func setUp(volume: JSON, at path: String?, pod: JSON, objects: PodObjects, nodeAllocatable: [String: Quantity],
               skipped: inout [String]) throws(VolumeError) {
        if !volume["hostPath"].isNull {
            try HostPathType.check(path: volume["hostPath"]["path"].stringValue ?? "", type: volume["hostPath"]["type"].stringValue ?? "")
            return
        }
        guard let path else {
            let kind = volume.objectValue?.keys.first { $0 != "name" } ?? "unknown"
            throw VolumeError("volume type \"\(kind)\" is not supported on this node")
        }
        try makeDirectory(path, mode: volume["emptyDir"].isNull ? 0o755 : 0o777)
        let defaultMode = { (source: JSON) in VolumePayload.mode(source["defaultMode"], VolumePayload.defaultMode) }
        let payload: [String: VolumeFile]
        if !volume["emptyDir"].isNull {
            if volume["emptyDir"]["medium"].stringValue == "Memory" {
                var options = "mode=0777"
                if let limit = try? Quantity(json: volume["emptyDir"]["sizeLimit"]), limit.nanos > 0 {
                    options += ",size=\((limit.nanos + 999_999_999) / 1_000_000_000)"
                }
                try mountTmpfs(path, options: options)
            }
            return
        } else if !volume["configMap"].isNull {
            payload = try VolumePayload.configMap(volume["configMap"], objects: objects, defaultMode: defaultMode(volume["configMap"]))
        } else if !volume["secret"].isNull {
            try mountTmpfs(path, options: "mode=0755")
            payload = try VolumePayload.secret(volume["secret"], objects: objects, defaultMode: defaultMode(volume["secret"]))
        } else if !volume["downwardAPI"].isNull {
            payload = try VolumePayload.downwardAPI(volume["downwardAPI"], pod: pod, nodeAllocatable: nodeAllocatable,
                                                    defaultMode: defaultMode(volume["downwardAPI"]))
        } else {
            try mountTmpfs(path, options: "mode=0755")
            payload = try VolumePayload.projected(volume["projected"], pod: pod, objects: objects, nodeAllocatable: nodeAllocatable, skipped: &skipped)
        }
        do {
            try AtomicWriter(directory: path).write(payload)
        } catch {
            throw VolumeError(error.description)
        }
    }

    func makeDirectory(_ path: String, mode: Int) throws(VolumeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw VolumeError("cannot create \(path): \(error)")
        }
    }

    func mountTmpfs(_ path: String, options: String) throws(VolumeError) {
        if Mounts.hasOwnFileSystem(path) { return }
        guard mount("tmpfs", path, "tmpfs", 0, options) == 0 else {
            throw VolumeError("mount of tmpfs at \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Unmounts everything under the pod's directory and removes it. Refuses to delete (and
    /// throws) while anything there is still mounted.
    public func tearDown(uid: String) throws(VolumeError) {
        guard Self.isSafeName(uid) else { throw VolumeError("refusing to remove pod directory for uid \"\(uid)\"") }
        let directory = podDirectory(uid: uid)
        var info = stat()
        guard lstat(directory, &info) == 0 else { return }
        for point in Mounts.points(under: directory).sorted(by: { $0.count > $1.count }) {
            if umount2(point, 0) != 0 {
                // Busy (a container still starting?): detach, the kernel frees it when unused.
                _ = umount2(point, Int32(MNT_DETACH))
            }
        }
        let left = Mounts.points(under: directory)
        guard left.isEmpty else { throw VolumeError("cannot unmount \(left.joined(separator: ", "))") }
        try Self.removeTree(directory, device: info.st_dev)
    }

    /// The UIDs with a directory under `<pods>` that are not in `live`.
    public func orphans(live: Set<String>) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: podsDirectory)) ?? []).filter { !live.contains($0) && Self.isSafeName($0) }
    }

    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
    }

    /// Removes a tree without following symlinks and without entering another file system.
    static func removeTree(_ path: String, device: dev_t) throws(VolumeError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            guard info.st_dev == device else { throw VolumeError("refusing to remove \(path): another file system is mounted there") }
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                try removeTree(path + "/" + entry, device: device)
            }
            guard rmdir(path) == 0 else { throw VolumeError("cannot remove \(path): \(String(cString: strerror(errno)))") }
        } else {
            guard unlink(path) == 0 else { throw VolumeError("cannot remove \(path): \(String(cString: strerror(errno)))") }
        }
    }
}

/// The mount table of this process (`/proc/self/mountinfo`).
enum Mounts {
    static func all() -> [String] {
        // Read with POSIX calls and decoded leniently: Foundation's String(contentsOfFile:) gave
        // nothing inside a systemd-nspawn container, so every check said "not mounted".
        guard let bytes = try? WholeFile.read("/proc/self/mountinfo") else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? unescape(String(fields[4])) : nil
        }
    }

    /// Whether a file system of its own is mounted at `path`: a different device than its
    /// parent. Exact for the tmpfs mounts the volumes use (every tmpfs has its own device number),
    /// whatever the mount table shows this process, and two stat calls instead of reading the
    /// mount table, which holds a few mounts per container: reading it was a seventh of the kubelet's
    /// CPU in a burst of 30 pod starts.
    static func hasOwnFileSystem(_ path: String) -> Bool {
        var own = stat(), parent = stat()
        return stat(path, &own) == 0 && stat(path + "/..", &parent) == 0 && own.st_dev != parent.st_dev
    }

    /// Mount points at or below `directory` (its symlinks resolved, as the table shows them).
    static func points(under directory: String) -> [String] {
        let real = VolumeMounts.realPath(directory) ?? directory
        return all().filter { $0 == real || $0.hasPrefix(real + "/") }
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
