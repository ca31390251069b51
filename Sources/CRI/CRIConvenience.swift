/// Small helpers over the generated messages for the common cases.

extension Runtime_V1_ImageSpec {
    /// An image spec naming `image` (a reference or an id).
    public init(_ image: String) {
        self.init()
        self.image = image
    }
}

extension Runtime_V1_KeyValue {
    /// An environment variable.
    public init(_ key: String, _ value: String) {
        self.init()
        self.key = key
        self.value = value
    }
}

extension Runtime_V1_RuntimeCondition {
    /// The condition type every CRI runtime reports for being able to run containers.
    public static let runtimeReady = "RuntimeReady"
    /// The condition type every CRI runtime reports for the pod network (CNI) being ready.
    public static let networkReady = "NetworkReady"
}

extension Runtime_V1_StatusResponse {
    /// The condition of type `type`, if the runtime reported it.
    public func condition(_ type: String) -> Runtime_V1_RuntimeCondition? {
        status.conditions.first { $0.type == type }
    }

    /// Whether the runtime reports RuntimeReady true.
    public var isRuntimeReady: Bool { condition(Runtime_V1_RuntimeCondition.runtimeReady)?.status == true }

    /// Whether the runtime reports NetworkReady true.
    public var isNetworkReady: Bool { condition(Runtime_V1_RuntimeCondition.networkReady)?.status == true }
}

extension Runtime_V1_ContainerFilter {
    /// A filter for the containers of one sandbox.
    public static func sandbox(_ podSandboxID: String) -> Self {
        var filter = Self()
        filter.podSandboxID = podSandboxID
        return filter
    }
}

extension Runtime_V1_PodSandboxFilter {
    /// A filter for the sandboxes carrying all of `labels`.
    public static func labels(_ labels: [String: String]) -> Self {
        var filter = Self()
        filter.labelSelector = labels
        return filter
    }
}
