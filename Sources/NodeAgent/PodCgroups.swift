#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The pod-level cgroups runc creates under the sandbox's cgroup parent
/// (`/kubepods[/<qos>]/pod<uid>` in every hierarchy). runc removes a container's own cgroup when
/// it goes, but not the pod's parent: the kubelet does that once the pod's sandbox is gone.
public enum PodCgroups {
    /// The cgroup parents a pod of `uid` may have, one per QoS class.
    public static func candidateParents(uid: String) -> [String] {
        ["/kubepods/pod\(uid)", "/kubepods/burstable/pod\(uid)", "/kubepods/besteffort/pod\(uid)"]
    }

    /// Removes the pod's cgroup directories under `root` (every v1 controller and the unified
    /// hierarchy). `rmdir` only takes empty cgroups, so a pod still running anything keeps them.
    /// Returns the directories removed.
    @discardableResult
    public static func remove(uid: String, root: String = "/sys/fs/cgroup") -> [String] {
        guard !uid.isEmpty, !uid.contains("/"), !uid.contains("..") else { return [] }
        let hierarchies = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { root + "/" + $0 }
        var removed: [String] = []
        for hierarchy in hierarchies {
            for parent in candidateParents(uid: uid) {
                let path = hierarchy + parent
                if rmdir(path) == 0 { removed.append(path) }
            }
        }
        return removed
    }
}
