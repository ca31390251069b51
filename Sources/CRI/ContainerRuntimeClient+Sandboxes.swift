/// RuntimeService: version, status and pod sandboxes.
extension ContainerRuntimeClient {
    /// The CRI API version this client speaks (sent in `Version` requests, as the kubelet does).
    public static let apiVersion = "v1"

    /// The runtime's name and version; `runtimeAPIVersion` is "v1" for a CRI v1 runtime.
    public func version(timeout: Duration? = nil) async throws -> Runtime_V1_VersionResponse {
        var request = Runtime_V1_VersionRequest()
        request.version = Self.apiVersion
        return try await call(Runtime_V1_RuntimeService.Method.Version.self, request, timeout: timeout)
    }

    /// The runtime's conditions (RuntimeReady, NetworkReady); `verbose` adds the runtime's config
    /// as JSON in `info`.
    public func status(verbose: Bool = false, timeout: Duration? = nil) async throws -> Runtime_V1_StatusResponse {
        var request = Runtime_V1_StatusRequest()
        request.verbose = verbose
        return try await call(Runtime_V1_RuntimeService.Method.Status.self, request, timeout: timeout)
    }

    /// Creates and starts a pod sandbox (its namespaces, network and sandbox container) and
    /// returns its id.
    public func runPodSandbox(
        _ config: Runtime_V1_PodSandboxConfig, runtimeHandler: String = "", timeout: Duration? = nil
    ) async throws -> String {
        var request = Runtime_V1_RunPodSandboxRequest()
        request.config = config
        request.runtimeHandler = runtimeHandler
        return try await call(Runtime_V1_RuntimeService.Method.RunPodSandbox.self, request, timeout: timeout).podSandboxID
    }

    /// Stops the sandbox and all its containers and tears its network down. Idempotent.
    public func stopPodSandbox(_ podSandboxID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_StopPodSandboxRequest()
        request.podSandboxID = podSandboxID
        _ = try await call(Runtime_V1_RuntimeService.Method.StopPodSandbox.self, request, timeout: timeout)
    }

    /// Removes a stopped sandbox and its containers. Removing a missing sandbox succeeds.
    public func removePodSandbox(_ podSandboxID: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_RemovePodSandboxRequest()
        request.podSandboxID = podSandboxID
        _ = try await call(Runtime_V1_RuntimeService.Method.RemovePodSandbox.self, request, timeout: timeout)
    }

    /// The sandbox's state, metadata and network addresses.
    public func podSandboxStatus(
        _ podSandboxID: String, verbose: Bool = false, timeout: Duration? = nil
    ) async throws -> Runtime_V1_PodSandboxStatusResponse {
        var request = Runtime_V1_PodSandboxStatusRequest()
        request.podSandboxID = podSandboxID
        request.verbose = verbose
        return try await call(Runtime_V1_RuntimeService.Method.PodSandboxStatus.self, request, timeout: timeout)
    }

    /// The sandboxes matching `filter` (all when nil).
    public func listPodSandbox(
        filter: Runtime_V1_PodSandboxFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_PodSandbox] {
        var request = Runtime_V1_ListPodSandboxRequest()
        if let filter { request.filter = filter }
        return try await call(Runtime_V1_RuntimeService.Method.ListPodSandbox.self, request, timeout: timeout).items
    }

    /// The URL of the runtime's streaming server for forwarding `ports` of the sandbox.
    public func portForward(
        podSandboxID: String, ports: [Int32], timeout: Duration? = nil
    ) async throws -> String {
        var request = Runtime_V1_PortForwardRequest()
        request.podSandboxID = podSandboxID
        request.port = ports
        return try await call(Runtime_V1_RuntimeService.Method.PortForward.self, request, timeout: timeout).url
    }
}
