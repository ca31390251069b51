import CRI
import Foundation
import Testing

/// The CRI client against a real containerd: version, status, images, the pod and container
/// lifecycle, logs, exec and the runtime's errors. One containerd for the whole suite.
@Suite(.serialized, .containerd)
struct CRIRuntimeTests {
    @Test func versionReportsCRIv1AndContainerd() async throws {
        try await withRuntime { runtime, _ in
            let version = try await runtime.version()
            #expect(version.runtimeApiVersion == "v1")
            #expect(version.runtimeName == "containerd")
            #expect(version.runtimeVersion.hasPrefix("1."))
        }
    }

    /// containerd's gRPC server sends a PING for nearly every request it reads; SwiftNIO's HTTP/2
    /// handler alone would drop the connection after 200 in 30 s, failing every call in flight.
    @Test func manyCallsInARowKeepTheConnection() async throws {
        try await withRuntime { runtime, _ in
            // One after another, so each request is read on its own and draws its own PING.
            for _ in 0..<400 { _ = try await runtime.version() }
        }
    }

    @Test func statusReportsRuntimeReadyAndNetworkNotReadyWithoutCNIConfig() async throws {
        try await withRuntime { runtime, _ in
            let status = try await runtime.status()
            #expect(status.isRuntimeReady)
            // The CNI conf dir is empty: the condition is there, false, with a reason.
            let network = try #require(status.condition(Runtime_V1_RuntimeCondition.networkReady))
            #expect(network.status == false)
            #expect(!network.reason.isEmpty)
            #expect(!status.isNetworkReady)
            let verbose = try await runtime.status(verbose: true)
            #expect(verbose.info["config"]?.contains("restrictOOMScoreAdj") == true)
        }
    }

    @Test func listsAndInspectsTheImportedImage() async throws {
        try await withRuntime { runtime, containerd in
            let images = try await runtime.listImages()
            let listed = try #require(images.first { $0.repoTags.contains(ContainerdFixture.image) })
            #expect(listed.id.hasPrefix("sha256:"))
            #expect(listed.size > 1_000_000)  // busybox alone is ~2 MB

            let status = try #require(try await runtime.imageStatus(ContainerdFixture.image))
            #expect(status.id == listed.id)
            // By id as well as by reference.
            #expect(try await runtime.imageStatus(listed.id)?.repoTags.contains(ContainerdFixture.image) == true)
            // A missing image is an answer without an image, not an error.
            #expect(try await runtime.imageStatus("docker.io/swiftlet/missing:none") == nil)

            let fs = try await runtime.imageFsInfo()
            #expect(fs.imageFilesystems.contains { $0.fsID.mountpoint.hasPrefix(containerd.dir + "/root") })
            // Removing an image that is not there succeeds, as the CRI requires.
            try await runtime.removeImage("docker.io/swiftlet/missing:none")
        }
    }

    @Test func runsAHostNetworkPodWithLogsExecAndTearsItDown() async throws {
        try await withRuntime { runtime, containerd in
            let logDir = containerd.dir + "/logs/lifecycle"
            let sandboxConfig = hostNetworkSandbox(name: "lifecycle", logDirectory: logDir)
            let podID = try await runtime.runPodSandbox(sandboxConfig)
            let podStatus = try await runtime.podSandboxStatus(podID)
            #expect(podStatus.status.state == .sandboxReady)
            #expect(podStatus.status.metadata.name == "lifecycle")
            #expect(podStatus.status.linux.namespaces.options.network == .node)

            let config = container(name: "main", command: ["sh", "-c", "echo hello; sleep 100"], logPath: "main/0.log")
            let containerID = try await runtime.createContainer(
                podSandboxID: podID, config: config, sandboxConfig: sandboxConfig)
            #expect(try await runtime.containerStatus(containerID).status.state == .containerCreated)
            try await runtime.startContainer(containerID)

            let status = try await runtime.containerStatus(containerID).status
            #expect(status.state == .containerRunning)
            #expect(status.startedAt > 0 && status.startedAt >= status.createdAt)
            #expect(status.metadata.name == "main")
            #expect(status.logPath == logDir + "/main/0.log")
            #expect(status.labels["app"] == "cri-test")
            #expect(status.imageRef.hasPrefix("sha256:"))

            // The runtime writes the container's stdout to log_directory/log_path in CRI format.
            let line = try #require(await waitForLogLine(at: logDir + "/main/0.log") { $0.content == "hello" })
            #expect(line.stream == .stdout && !line.isPartial)
            let raw = try String(contentsOfFile: logDir + "/main/0.log", encoding: .utf8)
            #expect(raw.split(separator: "\n").contains { $0.hasSuffix(" stdout F hello") })

            let listed = try await runtime.listContainers(filter: .sandbox(podID))
            #expect(listed.map(\.id) == [containerID])
            #expect(listed.first?.state == .containerRunning)

            let exec = try await runtime.execSync(containerID, command: ["sh", "-c", "echo out; echo err >&2; exit 3"],
                                                  commandTimeoutSeconds: 10)
            #expect(exec.exitCode == 3)
            #expect(String(decoding: exec.stdout, as: UTF8.self) == "out\n")
            #expect(String(decoding: exec.stderr, as: UTF8.self) == "err\n")

            let stats = try await runtime.containerStats(containerID)
            #expect(stats.attributes.id == containerID)
            #expect(stats.memory.workingSetBytes.value > 0)

            try await runtime.stopContainer(containerID, gracePeriodSeconds: 1)
            let stopped = try await runtime.containerStatus(containerID).status
            #expect(stopped.state == .containerExited)
            #expect(stopped.finishedAt >= stopped.startedAt)
            try await runtime.removeContainer(containerID)
            #expect(try await runtime.listContainers(filter: .sandbox(podID)).isEmpty)

            try await runtime.stopPodSandbox(podID)
            #expect(try await runtime.podSandboxStatus(podID).status.state == .sandboxNotready)
            try await runtime.removePodSandbox(podID)
            #expect(try await runtime.listPodSandbox().isEmpty)
            // Removing again succeeds; containerd 1.6 answers a stop of a removed sandbox with
            // NotFound (the kubelet treats that as stopped).
            try await runtime.removePodSandbox(podID)
            let stopAgain = await #expect(throws: CRIError.self) { try await runtime.stopPodSandbox(podID) }
            #expect(stopAgain?.isNotFound == true)
        }
    }

    @Test func aContainerThatExitsSevenIsExitedWithCodeSeven() async throws {
        try await withRuntime { runtime, containerd in
            let sandboxConfig = hostNetworkSandbox(name: "exits", logDirectory: containerd.dir + "/logs/exits")
            let podID = try await runtime.runPodSandbox(sandboxConfig)
            let containerID = try await runtime.createContainer(
                podSandboxID: podID, config: container(name: "exit7", command: ["sh", "-c", "exit 7"], logPath: "exit7.log"),
                sandboxConfig: sandboxConfig)
            try await runtime.startContainer(containerID)

            var status = try await runtime.containerStatus(containerID).status
            let deadline = ContinuousClock.now + .seconds(30)
            while status.state != .containerExited && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                status = try await runtime.containerStatus(containerID).status
            }
            #expect(status.state == .containerExited)
            #expect(status.exitCode == 7)
            #expect(status.reason == "Error")
            // Both set; containerd stamps started_at when Start returns, so for a process that
            // exits at once finished_at can come before it.
            #expect(status.startedAt > 0 && status.finishedAt > 0)

            try await runtime.stopPodSandbox(podID)
            try await runtime.removePodSandbox(podID)
            // The sandbox's containers go with it.
            #expect(try await runtime.listContainers().isEmpty)
        }
    }

    @Test func unknownIDsAreNotFound() async throws {
        try await withRuntime { runtime, _ in
            let calls: [(String, @Sendable () async throws -> Void)] = [
                ("RuntimeService/ContainerStatus", { _ = try await runtime.containerStatus("0123456789abcdef") }),
                ("RuntimeService/PodSandboxStatus", { _ = try await runtime.podSandboxStatus("0123456789abcdef") }),
                ("RuntimeService/StartContainer", { try await runtime.startContainer("0123456789abcdef") }),
            ]
            for (method, call) in calls {
                let error = await #expect(throws: CRIError.self) { try await call() }
                guard case .rpc(let failed, let code, let message)? = error else {
                    Issue.record("\(method): expected an RPC error, got \(String(describing: error))")
                    continue
                }
                #expect(failed == method)
                #expect(code == .notFound, "\(method): \(message)")
                #expect(error?.isNotFound == true)
                #expect(error?.description.contains(method) == true)
            }
        }
    }

    @Test func createContainerWithAMissingImageFailsNamingIt() async throws {
        try await withRuntime { runtime, containerd in
            let sandboxConfig = hostNetworkSandbox(name: "noimage", logDirectory: containerd.dir + "/logs/noimage")
            let podID = try await runtime.runPodSandbox(sandboxConfig)
            var config = container(name: "c", command: ["true"], logPath: "c.log")
            config.image = .init("docker.io/swiftlet/missing:none")
            let error = await #expect(throws: CRIError.self) {
                _ = try await runtime.createContainer(podSandboxID: podID, config: config, sandboxConfig: sandboxConfig)
            }
            #expect(error?.description.contains("CreateContainer") == true)
            #expect(error?.description.contains("missing:none") == true)
            try await runtime.stopPodSandbox(podID)
            try await runtime.removePodSandbox(podID)
        }
    }

    @Test func pullFromAnUnreachableRegistryFailsWithinItsDeadline() async throws {
        try await withRuntime { runtime, _ in
            let started = ContinuousClock.now
            let error = await #expect(throws: CRIError.self) {
                _ = try await runtime.pullImage("127.0.0.1:1/x:y", timeout: .seconds(20))
            }
            #expect(ContinuousClock.now - started < .seconds(25))
            guard case .rpc(let method, let code, let message)? = error else {
                Issue.record("expected an RPC error, got \(String(describing: error))")
                return
            }
            #expect(method == "ImageService/PullImage")
            // containerd fails at once (connection refused) and names the registry; only on a
            // starved machine may the deadline come first.
            if code != .deadlineExceeded {
                #expect(message.contains("127.0.0.1:1"), "\(code): \(message)")
            }
        }
    }
}

// MARK: - Helpers

/// Connects a client to the suite's containerd for the body, then shuts it down.
func withRuntime(
    _ body: (ContainerRuntimeClient, ContainerdFixture) async throws -> Void
) async throws {
    let containerd = try ContainerdFixture.shared()
    let runtime = try await ContainerRuntimeClient.connect(socketPath: containerd.socket, defaultTimeout: .seconds(30))
    do {
        try await body(runtime, containerd)
    } catch {
        await runtime.shutdown()
        throw error
    }
    await runtime.shutdown()
}

/// A pod in the host's network namespace (no CNI needed); hostname must stay empty for it.
func hostNetworkSandbox(name: String, logDirectory: String) -> Runtime_V1_PodSandboxConfig {
    var config = Runtime_V1_PodSandboxConfig()
    config.metadata.name = name
    config.metadata.namespace = "default"
    config.metadata.uid = "uid-\(name)"
    config.logDirectory = logDirectory
    config.labels = ["io.kubernetes.pod.name": name]
    config.linux.securityContext.namespaceOptions.network = .node
    return config
}

/// A busybox container running `command`, logging to `logPath` under the sandbox's log directory.
func container(name: String, command: [String], logPath: String) -> Runtime_V1_ContainerConfig {
    var config = Runtime_V1_ContainerConfig()
    config.metadata.name = name
    config.image = .init(ContainerdFixture.image)
    config.command = command
    config.logPath = logPath
    config.labels = ["app": "cri-test"]
    config.envs = [.init("GREETING", "hello")]
    config.linux.securityContext.namespaceOptions.network = .node
    return config
}

/// The first CRI log line in `path` matching `predicate`, polling for up to 20 s.
func waitForLogLine(at path: String, _ predicate: (CRILogLine) -> Bool) async -> CRILogLine? {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let line = text.split(separator: "\n").compactMap({ CRILogLine(parsing: $0) }).first(where: predicate) {
            return line
        }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return nil
}
