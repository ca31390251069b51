import Foundation
import Testing
import SupervisorControl
import SwiftletCLI

@Suite struct ConfigCheckTests {
    /// A host with everything in place; tests take parts away.
    static func host(files: [String: String] = [:], missing: Set<String> = [], portFree: Bool = true,
                     modes: [String: UInt32] = [:]) -> HostProbe {
        let baseFiles: [String: String] = [
            "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
            "/proc/sys/net/ipv4/ip_forward": "1\n",
            "/proc/filesystems": "nodev\tsysfs\nnodev\toverlay\n",
            "/proc/net/nf_conntrack": "", "/sys/module/nf_tables": "", "/proc/sys/net/bridge/bridge-nf-call-iptables": "1",
        ].merging(files) { $1 }
        let allFiles = baseFiles.filter { !missing.contains($0.key) }
        let directories: Set<String> = ["/data", "/data/server/tls", "/run/sw"]
        return HostProbe(
            exists: { allFiles[$0] != nil || directories.contains($0) || $0 == "/" },
            isDirectory: { directories.contains($0) },
            isExecutable: { path in !missing.contains(path) && (path.hasPrefix("/bin/") || path.hasPrefix("/usr/lib/cni/") || path.hasPrefix("/usr/bin/")) },
            isWritable: { _ in true },
            readFile: { allFiles[$0] },
            listDirectory: { $0 == "/data/server/tls" ? ["ca.key", "ca.crt", "admin.key"] : [] },
            mode: { modes[$0] ?? 0o600 },
            kernelRelease: { "6.1.0-18-amd64" },
            canBindLoopback: { _ in portFree })
    }

    static let context = CheckContext(dataDir: "/data", runDir: "/run/sw", httpsListenPort: 6443,
                                      binaryDirectory: "/bin", pathVariable: "/usr/bin")

    @Test func healthyHostPasses() {
        let results = ConfigCheck.run(Self.context, probe: Self.host())
        #expect(results.filter { $0.isFatal }.isEmpty)
        #expect(results.first { $0.item == "kernel" }?.status == .ok)
        #expect(results.first { $0.item == "cgroups" }?.detail.hasPrefix("v2") == true)
        #expect(results.first { $0.item == "private keys" }?.status == .ok)
        let text = ConfigCheck.render(results)
        #expect(text.contains("ok       kernel"))
        #expect(text.hasSuffix("all required items present (0 warnings)\n"))
    }

    @Test func missingApiserverBinaryIsFatal() {
        let results = ConfigCheck.run(Self.context, probe: Self.host(missing: ["/bin/swiftlet-apiserver", "/usr/lib/swiftlet/swiftlet-apiserver"]))
        let line = results.first { $0.item == "binary swiftlet-apiserver" }
        #expect(line?.status == .missing)
        #expect(line?.isFatal == true)
        #expect(ConfigCheck.render(results).contains("1 required items missing"))
    }

    @Test func optionalItemsOnlyWarn() {
        let results = ConfigCheck.run(Self.context, probe: Self.host(
            files: ["/proc/filesystems": "nodev\tsysfs\n", "/proc/sys/net/ipv4/ip_forward": "0\n"],
            missing: ["/proc/net/nf_conntrack", "/usr/bin/containerd", "/bin/containerd", "/usr/lib/cni/bridge"]))
        #expect(results.filter { $0.isFatal }.isEmpty)
        #expect(results.first { $0.item == "overlay filesystem" }?.status == .warning)
        #expect(results.first { $0.item == "ip forwarding" }?.status == .warning)
        #expect(results.first { $0.item == "containerd" }?.status == .warning)
        #expect(results.first { $0.item == "cni plugins" }?.detail.contains("bridge") == true)
    }

    @Test func busyPortAndNoCgroupsFail() {
        let results = ConfigCheck.run(Self.context, probe: Self.host(missing: ["/sys/fs/cgroup/cgroup.controllers"], portFree: false))
        #expect(results.first { $0.item == "https port" }?.status == .fail)
        #expect(results.first { $0.item == "cgroups" }?.status == .missing)
        #expect(results.filter(\.isFatal).count == 2)
    }

    @Test func looseKeysWarn() {
        let results = ConfigCheck.run(Self.context, probe: Self.host(modes: ["/data/server/tls/ca.key": 0o644]))
        let keys = results.first { $0.item == "private keys" }
        #expect(keys?.status == .warning)
        #expect(keys?.detail.contains("ca.key") == true)
        #expect(keys?.detail.contains("admin.key") == false)
    }

    @Test func systemProbeBindsLoopback() throws {
        // Port 0 never conflicts; the real probe must at least bind it.
        #expect(HostProbe.system.canBindLoopback(0))
        #expect(HostProbe.system.kernelRelease()?.isEmpty == false)
    }
}
