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
        return try await call(Runtime_V1_RuntimeService.Method.CreateContainer.self, request, timeout: timeout).containerID
    }

    /// Starts a created container.
    public func startContainer(_ containerID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_StartContainerRequest()
        request.containerID = containerID
        _ = try await call(Runtime_V1_RuntimeService.Method.StartContainer.self, request, timeout: timeout)
    }

    /// Stops a container: its stop signal, then SIGKILL after `gracePeriodSeconds`.
    /// The RPC deadline is extended by the grace period.
    public func stopContainer(
        _ containerID: String, gracePeriodSeconds: Int64 = 30, timeout: Duration? = nil
    ) async throws {
        var request = Runtime_V1_StopContainerRequest()
        request.containerID = containerID
        request.timeout = gracePeriodSeconds
        let deadline = (timeout ?? defaultTimeout) + .seconds(max(gracePeriodSeconds, 0))
        _ = try await call(Runtime_V1_RuntimeService.Method.StopContainer.self, request, timeout: deadline)
    }

    /// Removes a container (stopping it first if it still runs). Removing a missing one succeeds.
    public func removeContainer(_ containerID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_RemoveContainerRequest()
        request.containerID = containerID
        _ = try await call(Runtime_V1_RuntimeService.Method.RemoveContainer.self, request, timeout: timeout)
    }

    /// The containers matching `filter` (all when nil).
    public func listContainers(
        filter: Runtime_V1_ContainerFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_Container] {
        var request = Runtime_V1_ListContainersRequest()
        if let filter { request.filter = filter }
        return try await call(Runtime_V1_RuntimeService.Method.ListContainers.self, request, timeout: timeout).containers
    }

    /// The container's state, times, exit code and reason. An unknown id fails with
    /// `CRIError.rpc(code: .notFound)`.
    public func containerStatus(
        _ containerID: String, verbose: Bool = false, timeout: Duration? = nil
    ) async throws -> Runtime_V1_ContainerStatusResponse {
        var request = Runtime_V1_ContainerStatusRequest()
        request.containerID = containerID
        request.verbose = verbose
        return try await call(Runtime_V1_RuntimeService.Method.ContainerStatus.self, request, timeout: timeout)
    }

    /// Changes a running container's cgroup limits.
    public func updateContainerResources(
        _ containerID: String, linux: Runtime_V1_LinuxContainerResources, timeout: Duration? = nil
    ) async throws {
        var request = Runtime_V1_UpdateContainerResourcesRequest()
        request.containerID = containerID
        request.linux = linux
        _ = try await call(Runtime_V1_RuntimeService.Method.UpdateContainerResources.self, request, timeout: timeout)
    }

    /// Makes the runtime reopen the container's log file (after the kubelet rotated it).
    public func reopenContainerLog(_ containerID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_ReopenContainerLogRequest()
        request.containerID = containerID
        _ = try await call(Runtime_V1_RuntimeService.Method.ReopenContainerLog.self, request, timeout: timeout)
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
        let deadline = timeout ?? (defaultTimeout + .seconds(max(commandTimeoutSeconds, 0)))
        return try await call(Runtime_V1_RuntimeService.Method.ExecSync.self, request, timeout: deadline)
    }

    /// The URL of the runtime's streaming server for an interactive exec.
    public func exec(_ request: Runtime_V1_ExecRequest, timeout: Duration? = nil) async throws -> String {
        return try await call(Runtime_V1_RuntimeService.Method.Exec.self, request, timeout: timeout).url
    }

    /// The URL of the runtime's streaming server for attaching to the container's stdio.
    public func attach(_ request: Runtime_V1_AttachRequest, timeout: Duration? = nil) async throws -> String {
        return try await call(Runtime_V1_RuntimeService.Method.Attach.self, request, timeout: timeout).url
    }

    /// CPU, memory and writable-layer usage of one container.
    public func containerStats(
        _ containerID: String, timeout: Duration? = nil
    ) async throws -> Runtime_V1_ContainerStats {
        var request = Runtime_V1_ContainerStatsRequest()
        request.containerID = containerID
        return try await call(Runtime_V1_RuntimeService.Method.ContainerStats.self, request, timeout: timeout).stats
    }

    /// Usage of the containers matching `filter` (all when nil).
    public func listContainerStats(
        filter: Runtime_V1_ContainerStatsFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_ContainerStats] {
        var request = Runtime_V1_ListContainerStatsRequest()
        if let filter { request.filter = filter }
        return try await call(Runtime_V1_RuntimeService.Method.ListContainerStats.self, request, timeout: timeout).stats
    }
}
