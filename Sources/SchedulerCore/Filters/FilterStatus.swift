/// Why a node cannot take a pod: upstream's filter status (code and reasons).
public struct FilterStatus: Sendable, Hashable {
    /// The reasons in upstream's wording; a node can have several (e.g. cpu and memory).
    public var reasons: [String]
    /// Upstream `UnschedulableAndUnresolvable`: evicting pods from the node would not help, so
    /// preemption does not consider it.
    public var unresolvable: Bool

    public init(reasons: [String], unresolvable: Bool) {
        self.reasons = reasons
        self.unresolvable = unresolvable
    }

    public init(_ reason: String, unresolvable: Bool) {
        self.init(reasons: [reason], unresolvable: unresolvable)
    }
}

/// The reasons upstream's filter plugins report, verbatim.
public enum FilterReason {
    /// NodeUnschedulable (`ErrReasonUnschedulable`).
    public static let unschedulable = "node(s) were unschedulable"
    /// NodeAffinity (`ErrReasonPod`), for nodeSelector and required node affinity alike.
    public static let nodeAffinity = "node(s) didn't match Pod's node affinity/selector"
    /// NodePorts (`ErrReason`).
    public static let nodePorts = "node(s) didn't have free ports for the requested pod ports"
    /// InterPodAffinity.
    public static let podAffinity = "node(s) didn't match pod affinity rules"
    public static let podAntiAffinity = "node(s) didn't match pod anti-affinity rules"
    public static let existingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
    /// NodeResourcesFit.
    public static let tooManyPods = "Too many pods"
    public static let insufficientCPU = "Insufficient cpu"
    public static let insufficientMemory = "Insufficient memory"
    public static let insufficientEphemeralStorage = "Insufficient ephemeral-storage"

    /// TaintToleration: `node(s) had untolerated taint {key: value}`.
    public static func untoleratedTaint(_ taint: Taint) -> String {
        "node(s) had untolerated taint " + taint.reasonText
    }
}
