import KubeAPI
import SwiftletInfo

/// What every simulated node reports about itself: capacity, system info and the labels the
/// kubelet sets. All the constants of a hollow node live here so they can later come from the
/// config file or the environment in one place.
public struct SimulatedNodeProfile: Sendable, Equatable {
    /// `status.capacity` (and `allocatable`, which equals it: nothing is reserved for the system).
    public var capacity: [(String, String)] {
        [("cpu", cpu), ("ephemeral-storage", ephemeralStorage), ("hugepages-1Gi", "0"), ("hugepages-2Mi", "0"),
         ("memory", memory), ("pods", pods)]
    }
    public var cpu = "4"
    public var memory = "8Gi"
    public var pods = "110"
    public var ephemeralStorage = "100Gi"
    /// `kubernetes.io/arch` and `nodeInfo.architecture` (Go's GOARCH names).
    public var architecture = HostPlatform.architecture
    public var operatingSystem = "linux"
    public var osImage = "Swiftlet simulated node"
    public var kernelVersion = "6.1.0-simulated"
    public var containerRuntimeVersion = "simulated://1.0"
    public var kubeletVersion = SwiftletVersion.kubernetesGitVersion
    /// The port the kubelet would serve on (`status.daemonEndpoints.kubeletEndpoint.Port`).
    public var kubeletPort: Int64 = 10250

    public init() {}
}

/// Names and annotations a simulated node and its pods understand.
public enum SimulatedLabels {
    /// Set on every simulated node.
    public static let simulatedNode = "swiftlet.io/simulated"
    /// `"false"`: the pod's containers never become ready.
    public static let ready = "swiftlet.io/simulated-ready"
    /// Go duration after which a pod with restartPolicy Never/OnFailure finishes (default 1s).
    public static let duration = "swiftlet.io/simulated-duration"
    /// Exit code of its containers when it finishes (default 0: Succeeded; otherwise Failed).
    public static let exitCode = "swiftlet.io/simulated-exit-code"
    /// `"false"`: the node leaves the bound pod alone (no status, no events), as the API-only
    /// nodes of kube-scheduler's scheduler_perf do; deleting it still works.
    public static let run = "swiftlet.io/simulated-run"
    /// The namespace of node Leases.
    public static let leaseNamespace = "kube-node-lease"
}

/// How a simulated kubelet runs: its nodes and its timing. Intervals are parameters so tests run
/// the same loops quickly.
public struct SimulatedNodesOptions: Sendable {
    /// `nodeName` for a single node, `nodeName-0` ... `nodeName-(count-1)` for more.
    public var nodeName: String
    public var count: Int
    public var profile = SimulatedNodeProfile()
    /// Lease renewal period (the kubelet's `nodeLeaseDurationSeconds` 40 / 4).
    public var leaseRenewInterval: Duration = .seconds(10)
    public var leaseDurationSeconds: Int64 = 40
    /// Node status is written on change and at least this often (`lastHeartbeatTime`).
    public var statusReportInterval: Duration = .seconds(60)
    /// Completion time of Never/OnFailure pods without the duration annotation.
    public var defaultRunDuration: Duration = .seconds(1)
    /// Pod sync workers.
    public var workers = 4

    public init(nodeName: String, count: Int) {
        self.nodeName = nodeName
        self.count = count
    }

    /// The node names, in index order.
    public var nodeNames: [String] {
        count == 1 ? [nodeName] : (0..<max(0, count)).map { "\(nodeName)-\($0)" }
    }
}
