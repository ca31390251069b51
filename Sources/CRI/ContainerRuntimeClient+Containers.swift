import GRPCCore

/// RuntimeService: containers, exec and stats.
extension ContainerRuntimeClient {
    /// Creates a container in a running sandbox and returns its id. `sandboxConfig` must be the
    /// config the sandbox was run with (the runtime takes log directory and namespaces from it).
    public func createContainer(
        podSandboxID: String, config: Runtime_V1_ContainerConfig,
        sandboxConfig: Runtime_V1_PodSandboxConfig, timeout: Duration? = nil
    ) async throws -> String {
        var request = Runtime_V1_CreateContainerRequest()
        request.podSandboxID = podSandboxID
        request.config = config
        request.sandboxConfig = sandboxConfig
        let client = runtime
        return try await call("RuntimeService/CreateContainer", timeout: timeout) { options in
            try await client.createContainer(request, options: options).containerID
        }
    }

    /// Starts a created container.
    public func startContainer(_ containerID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_StartContainerRequest()
        request.containerID = containerID
        let client = runtime
        _ = try await call("RuntimeService/StartContainer", timeout: timeout) { options in
            try await client.startContainer(request, options: options)
        }
    }

    /// Stops a container: its stop signal, then SIGKILL after `gracePeriodSeconds`.
    /// The RPC deadline is extended by the grace period.
    public func stopContainer(
        _ containerID: String, gracePeriodSeconds: Int64 = 30, timeout: Duration? = nil
    ) async throws {
        var request = Runtime_V1_StopContainerRequest()
        request.containerID = containerID
        request.timeout = gracePeriodSeconds
        let client = runtime
        let deadline = (timeout ?? defaultTimeout) + .seconds(max(gracePeriodSeconds, 0))
        _ = try await call("RuntimeService/StopContainer", timeout: deadline) { options in
            try await client.stopContainer(request, options: options)
        }
    }

    /// Removes a container (stopping it first if it still runs). Removing a missing one succeeds.
    public func removeContainer(_ containerID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_RemoveContainerRequest()
        request.containerID = containerID
        let client = runtime
        _ = try await call("RuntimeService/RemoveContainer", timeout: timeout) { options in
            try await client.removeContainer(request, options: options)
        }
    }

    /// The containers matching `filter` (all when nil).
    public func listContainers(
        filter: Runtime_V1_ContainerFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_Container] {
        var request = Runtime_V1_ListContainersRequest()
        if let filter { request.filter = filter }
        let client = runtime
        return try await call("RuntimeService/ListContainers", timeout: timeout) { options in
            try await client.listContainers(request, options: options).containers
        }
    }

    /// The container's state, times, exit code and reason. An unknown id fails with
    /// `CRIError.rpc(code: .notFound)`.
    public func containerStatus(
        _ containerID: String, verbose: Bool = false, timeout: Duration? = nil
    ) async throws -> Runtime_V1_ContainerStatusResponse {
        var request = Runtime_V1_ContainerStatusRequest()
        request.containerID = containerID
        request.verbose = verbose
        let client = runtime
        return try await call("RuntimeService/ContainerStatus", timeout: timeout) { options in
            try await client.containerStatus(request, options: options)
        }
    }

    /// Changes a running container's cgroup limits.
    public func updateContainerResources(
        _ containerID: String, linux: Runtime_V1_LinuxContainerResources, timeout: Duration? = nil
    ) async throws {
        var request = Runtime_V1_UpdateContainerResourcesRequest()
        request.containerID = containerID
        request.linux = linux
        let client = runtime
        _ = try await call("RuntimeService/UpdateContainerResources", timeout: timeout) { options in
            try await client.updateContainerResources(request, options: options)
        }
    }

    /// Makes the runtime reopen the container's log file (after the kubelet rotated it).
    public func reopenContainerLog(_ containerID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_ReopenContainerLogRequest()
        request.containerID = containerID
        let client = runtime
        _ = try await call("RuntimeService/ReopenContainerLog", timeout: timeout) { options in
            try await client.reopenContainerLog(request, options: options)
        }
    }

    /// Runs `command` in the container and returns its exit code and output. The command is
    /// killed after `commandTimeoutSeconds` (0: no limit); the RPC deadline is that plus the
    /// default timeout, so a slow command fails as the runtime reports it, not as a deadline.
    public func execSync(
        _ containerID: String, command: [String], commandTimeoutSeconds: Int64 = 0,
        timeout: Duration? = nil
    ) async throws -> Runtime_V1_ExecSyncResponse {
        var request = Runtime_V1_ExecSyncRequest()
        request.containerID = containerID
        request.cmd = command
        request.timeout = commandTimeoutSeconds
        let client = runtime
        let deadline = timeout ?? (defaultTimeout + .seconds(max(commandTimeoutSeconds, 0)))
        return try await call("RuntimeService/ExecSync", timeout: deadline) { options in
            try await client.execSync(request, options: options)
        }
    }

    /// The URL of the runtime's streaming server for an interactive exec.
    public func exec(_ request: Runtime_V1_ExecRequest, timeout: Duration? = nil) async throws -> String {
        let client = runtime
        return try await call("RuntimeService/Exec", timeout: timeout) { options in
            try await client.exec(request, options: options).url
        }
    }

    /// The URL of the runtime's streaming server for attaching to the container's stdio.
    public func attach(_ request: Runtime_V1_AttachRequest, timeout: Duration? = nil) async throws -> String {
        let client = runtime
        return try await call("RuntimeService/Attach", timeout: timeout) { options in
            try await client.attach(request, options: options).url
        }
    }

    /// CPU, memory and writable-layer usage of one container.
    public func containerStats(
        _ containerID: String, timeout: Duration? = nil
    ) async throws -> Runtime_V1_ContainerStats {
        var request = Runtime_V1_ContainerStatsRequest()
        request.containerID = containerID
        let client = runtime
        return try await call("RuntimeService/ContainerStats", timeout: timeout) { options in
            try await client.containerStats(request, options: options).stats
        }
    }

    /// Usage of the containers matching `filter` (all when nil).
    public func listContainerStats(
        filter: Runtime_V1_ContainerStatsFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_ContainerStats] {
        var request = Runtime_V1_ListContainerStatsRequest()
        if let filter { request.filter = filter }
        let client = runtime
        return try await call("RuntimeService/ListContainerStats", timeout: timeout) { options in
            try await client.listContainerStats(request, options: options).stats
        }
    }
}
