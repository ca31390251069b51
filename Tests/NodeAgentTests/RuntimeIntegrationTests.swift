import CRI
import ContainerdSupport
import Foundation
import Glibc
import KubeAPI
@testable import NodeAgent
import Testing

/// The translators against a real containerd (config from ContainerdSupport, image imported with
/// ImageImporter): a host-network pod (no CNI needed) whose container prints its environment and
/// cgroup limits, then exits 7. containerd is a child process stopped by PID; everything lives
/// in a temp dir.
@Suite(.serialized) struct RuntimeIntegrationTests {
    static let image = "docker.io/swiftlet/nodeagent:test"

    static var available: Bool {
        getuid() == 0 && ["/usr/bin/containerd", "/usr/bin/ctr", "/bin/busybox", "/usr/sbin/runc"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    @Test(.enabled(if: available, "needs root, containerd, ctr, runc and busybox-static"))
    func podRunsAsTranslated() async throws {
        try await withContainerd { cri, _, dir in
            let pod: JSON = [
                "metadata": ["name": "p1", "namespace": "ns1", "uid": "8d4c0f2e-0000-4000-8000-00000000a001"],
                "spec": ["hostNetwork": true, "restartPolicy": "Never", "nodeName": "node-a", "containers": [[
                    "name": "main", "image": .string(Self.image),
                    "command": ["sh", "-c", "echo \"$(POD) $NS $NODE\"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us; exit 7"],
                    "env": [["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                            ["name": "NS", "valueFrom": ["fieldRef": ["fieldPath": "metadata.namespace"]]],
                            ["name": "NODE", "valueFrom": ["fieldRef": ["fieldPath": "spec.nodeName"]]]],
                    "resources": ["limits": ["cpu": "250m", "memory": "32Mi"]],
                ]]],
            ]
            let sandboxConfig = PodSandboxSpec.config(pod: pod, attempt: 0, logRoot: dir + "/logs", dns: ResolvConf())
            #expect(sandboxConfig.hostname == "")
            try FileManager.default.createDirectory(atPath: sandboxConfig.logDirectory + "/main", withIntermediateDirectories: true)
            let sandbox = try await cri.runPodSandbox(sandboxConfig)
            let containerConfig = try ContainerSpec.config(pod: pod, container: pod["spec"]["containers"][0], attempt: 0,
                                                           context: PodRuntimeContext(nodeName: "node-a", hostIP: "127.0.0.1", podIP: "127.0.0.1"))
            let id = try await cri.createContainer(podSandboxID: sandbox, config: containerConfig, sandboxConfig: sandboxConfig)
            try await cri.startContainer(id)

            var status = try await cri.containerStatus(id).status
            let exitDeadline = ContinuousClock.now + .seconds(30)
            while status.state != .containerExited, ContinuousClock.now < exitDeadline {
                try await Task.sleep(for: .milliseconds(50))
                status = try await cri.containerStatus(id).status
            }
            #expect(status.state == .containerExited)
            let terminated = NodeAgent.terminated(status)
            #expect(terminated.exitCode == 7)
            #expect(terminated.reason == "Error")
            #expect(terminated.containerID == "containerd://\(id)")

            let log = try String(contentsOfFile: sandboxConfig.logDirectory + "/main/0.log", encoding: .utf8)
            let lines = log.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) ?? "" }
            #expect(lines == ["p1 ns1 node-a", "\(32 * 1024 * 1024)", "25000"])

            let observation = PodObservation(sandboxReady: true, podIP: nil, hostIP: "127.0.0.1", startTime: Date(), containers: [
                ContainerObservation(name: "main", state: .terminated(terminated), image: status.image.image, imageID: status.imageRef)])
            let podStatus = PodStatusComposer.status(pod: pod, observation: observation, now: Date())
            #expect(podStatus["phase"] == "Failed")
            #expect(podStatus["qosClass"] == "Guaranteed")
            #expect(podStatus["containerStatuses"][0]["imageID"].stringValue?.hasPrefix("sha256:") == true)

            try await cri.stopPodSandbox(sandbox)
            try await cri.removePodSandbox(sandbox)
            #expect(try await cri.listPodSandbox().isEmpty)
            let uid = pod["metadata"]["uid"].stringValue ?? ""
            PodCgroups.remove(uid: uid)
            #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/kubepods/pod\(uid)"))
        }
    }

    /// The pods of one shim group share one runc shim (the kubelet's group annotation, passed
    /// through by containerd's `pod_annotations`); another namespace's group is another shim.
    @Test(.enabled(if: available, "needs root, containerd, ctr, runc and busybox-static"))
    func podsOfANamespaceShareOneShim() async throws {
        try await withContainerd { cri, config, dir in
            var sandboxes: [String] = []
            for (index, namespace) in ["ns1", "ns1", "ns1", "ns2"].enumerated() {
                let pod: JSON = [
                    "metadata": ["name": .string("p\(index)"), "namespace": .string(namespace),
                                 "uid": .string("8d4c0f2e-0000-4000-8000-00000000b00\(index)")],
                    "spec": ["hostNetwork": true, "containers": [["name": "main", "image": .string(Self.image)]]],
                ]
                let sandboxConfig = PodSandboxSpec.config(pod: pod, attempt: 0, logRoot: dir + "/logs", dns: ResolvConf(),
                                                          shimGroup: PodSandboxSpec.shimGroup(namespace: namespace, index: 0))
                let sandbox = try await cri.runPodSandbox(sandboxConfig)
                sandboxes.append(sandbox)
                if index == 0 {
                    // The app container joins its sandbox's shim (containerd takes the group from
                    // the sandbox config the kubelet passes along).
                    let container = try ContainerSpec.config(pod: pod, container: pod["spec"]["containers"][0], attempt: 0,
                                                             context: PodRuntimeContext(nodeName: "node-a", hostIP: "127.0.0.1", podIP: "127.0.0.1"))
                    try FileManager.default.createDirectory(atPath: sandboxConfig.logDirectory + "/main", withIntermediateDirectories: true)
                    try await cri.startContainer(try await cri.createContainer(podSandboxID: sandbox, config: container, sandboxConfig: sandboxConfig))
                }
            }
            let shims = Self.shimProcesses(address: config.socketPath)
            #expect(shims.count == 2, "shims: \(shims)")
            #expect(try await cri.listContainers().count == 1)
            for sandbox in sandboxes {
                try await cri.stopPodSandbox(sandbox)
                try await cri.removePodSandbox(sandbox)
            }
            // A group's shim ends with its last container.
            let deadline = ContinuousClock.now + .seconds(10)
            while !Self.shimProcesses(address: config.socketPath).isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(Self.shimProcesses(address: config.socketPath).isEmpty)
            for index in 0..<4 { PodCgroups.remove(uid: "8d4c0f2e-0000-4000-8000-00000000b00\(index)") }
        }
    }

    /// PIDs of the runc shims serving the containerd at `address` (their command line names it).
    static func shimProcesses(address: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.first?.hasSuffix("containerd-shim-runc-v2") == true, arguments.contains(address) else { return nil }
            return pid
        }
    }

    /// Runs `body` against a containerd of its own (config from ContainerdSupport, the busybox
    /// image imported); stops it by PID and removes its mounts and directory afterwards.
    func withContainerd(_ body: (ContainerRuntimeClient, ContainerdConfig, String) async throws -> Void) async throws {
        var template = Array("/tmp/swiftlet-na-XXXXXX".utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        let config = ContainerdConfig(dataDirectory: dir + "/data", runDirectory: dir + "/run", sandboxImage: Self.image,
                                      cniConfDirectory: dir + "/cni", systemdCgroup: false)
        try config.write(to: dir + "/config.toml")
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        try busyboxImage().write(to: dir + "/images/busybox.tar")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/containerd")
        process.arguments = ["--config", dir + "/config.toml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var runtime: ContainerRuntimeClient?
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            for line in ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").split(separator: "\n").reversed() {
                let fields = line.split(separator: " ")
                if fields.count > 4, fields[4].hasPrefix(dir + "/") { umount2(String(fields[4]), Int32(MNT_DETACH)) }
            }
            try? FileManager.default.removeItem(atPath: dir)
        }

        let deadline = ContinuousClock.now + .seconds(60)
        while runtime == nil, ContinuousClock.now < deadline {
            if let client = try? await ContainerRuntimeClient.connect(socketPath: config.socketPath, defaultTimeout: .seconds(10)) {
                if (try? await client.status())?.isRuntimeReady == true { runtime = client } else { await client.shutdown() }
            }
            if runtime == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let cri = try #require(runtime, "containerd did not become ready")

        let report = ImageImporter(socketPath: config.socketPath, statePath: dir + "/imported.json").importDirectory(dir + "/images")
        #expect(report.failures.isEmpty, "\(report.failures.map(\.reason))")
        #expect(try await cri.imageStatus(Self.image) != nil)

        try await body(cri, config, dir)
        await cri.shutdown()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// busybox with a few applets; `sleep` as its command so it also serves as the sandbox image.
    func busyboxImage() throws -> OCIImageArchive {
        let busybox = try #require(FileManager.default.contents(atPath: "/bin/busybox"))
        var layer = [TarEntry(path: "bin", kind: .directory), TarEntry.file("bin/busybox", [UInt8](busybox), mode: 0o755)]
        for applet in ["sh", "sleep", "echo", "cat"] { layer.append(TarEntry(path: "bin/\(applet)", kind: .symlink(target: "busybox"))) }
        return OCIImageArchive(reference: Self.image, layer: layer,
                               config: .init(cmd: ["sleep", "100000"], env: ["PATH=/bin"]), createdBy: "NodeAgentTests")
    }
}
