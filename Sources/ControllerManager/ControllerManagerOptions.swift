import FoundationEssentials
import KubeClient
import SwiftletCore
import WorkloadControllers

/// The manager's settings, from the component config.
public struct ControllerManagerOptions: Sendable {
    /// The loops to run.
    public var enabled: Set<ControllerName>
    /// Workers per loop (kube-controller-manager's `--concurrent-*-syncs`; 2 by default here).
    public var workers: Int
    /// Leader election on the `kube-controller-manager` Lease; nil runs the loops at once.
    public var leaderElection: LeaderElectionConfig?
    public var clusterCIDR: String
    public var nodeCIDRMaskSize: Int
    public var nodeLifecycle: NodeLifecycleConfig
    /// The namespace of node Leases.
    public var nodeLeaseNamespace: String
    /// The cluster CA bundle (PEM) the `root-ca-cert-publisher` loop publishes; the controllers take
    /// it from their kubeconfig's certificate-authority data. Nil: that loop publishes nothing.
    public var rootCACertificatePEM: String?

    public init(enabled: Set<ControllerName> = Set(ControllerName.allCases), workers: Int = 2,
                leaderElection: LeaderElectionConfig? = nil, clusterCIDR: String = "10.42.0.0/16",
                nodeCIDRMaskSize: Int = 24, nodeLifecycle: NodeLifecycleConfig = NodeLifecycleConfig(),
                nodeLeaseNamespace: String = "kube-node-lease") {
        self.enabled = enabled
        self.workers = workers
        self.leaderElection = leaderElection
        self.clusterCIDR = clusterCIDR
        self.nodeCIDRMaskSize = nodeCIDRMaskSize
        self.nodeLifecycle = nodeLifecycle
        self.nodeLeaseNamespace = nodeLeaseNamespace
    }

    /// The Lease the controller managers compete for.
    public static let leaseName = "kube-controller-manager"

    /// Options from a component config: the `controllers` list (unknown names are an error),
    /// the cluster CIDR, and leader election on `kube-controller-manager` in `leaseNamespace`.
    public init(config: ComponentConfig) throws(ControllerManagerError) {
        self.init(enabled: try ControllerName.enabled(by: config.controllers),
                  clusterCIDR: config.clusterCIDR, nodeCIDRMaskSize: config.nodeCIDRMaskSize)
        if config.leaderElect {
            leaderElection = LeaderElectionConfig(leaseNamespace: config.leaseNamespace, leaseName: Self.leaseName,
                                                  identity: config.resolvedIdentity)
        }
    }
}
