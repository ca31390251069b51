import Foundation
import NodeAgent
import Testing

@Suite struct PodCgroupsTests {
    /// A fake cgroup root (plain directories: rmdir semantics are the same for empty ones).
    @Test func removesEmptyPodDirectoriesOnly() throws {
        let root = NSTemporaryDirectory() + "cgroups-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        for path in ["/memory/kubepods/besteffort/podA", "/cpu/kubepods/besteffort/podA", "/memory/kubepods/podB/busy",
                     "/memory/kubepods/burstable/podC"] {
            try fm.createDirectory(atPath: root + path, withIntermediateDirectories: true)
        }
        let removed = PodCgroups.remove(uid: "A", root: root).sorted()
        #expect(removed == [root + "/cpu/kubepods/besteffort/podA", root + "/memory/kubepods/besteffort/podA"])
        // Not empty: kept.
        #expect(PodCgroups.remove(uid: "B", root: root).isEmpty)
        #expect(fm.fileExists(atPath: root + "/memory/kubepods/podB/busy"))
        #expect(fm.fileExists(atPath: root + "/memory/kubepods/burstable/podC"))
        // A uid that would escape the pod directory is refused.
        #expect(PodCgroups.remove(uid: "../burstable/podC", root: root).isEmpty)
        #expect(PodCgroups.remove(uid: "", root: root).isEmpty)
        #expect(fm.fileExists(atPath: root + "/memory/kubepods/burstable/podC"))
    }
}
