import FoundationEssentials

/// The control loops `swiftlet-controllers` runs, named as kube-controller-manager's
/// `--controllers` flag names them (so a config written for upstream reads the same).
public enum ControllerName: String, CaseIterable, Sendable, Hashable, Comparable {
    case replicaset
    case deployment
    case statefulset
    case daemonset
    case job
    case cronjob
    case garbagecollector
    case namespace
    case endpoint
    case endpointslice
    case serviceaccount
    /// Upstream's `root-ca-cert-publisher`: the `kube-root-ca.crt` ConfigMap in every namespace.
    case rootCACertPublisher = "root-ca-cert-publisher"
    case nodelifecycle
    case nodeipam
    case disruption
    case podgc
    /// Not in kube-controller-manager: K3s's ServiceLB (node addresses as LoadBalancer ingress).
    case servicelb

    public static func < (lhs: ControllerName, rhs: ControllerName) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The loops enabled by a config's `controllers` list.
    ///
    /// - nil or `["*"]`: every loop;
    /// - names enable loops, `-name` disables one, `*` stands for all (kube-controller-manager's syntax:
    ///   `["*", "-nodeipam"]` runs everything but node IPAM).
    /// - Throws: `ControllerManagerError` naming every unknown entry and listing the valid names.
    public static func enabled(by list: [String]?) throws(ControllerManagerError) -> Set<ControllerName> {
        guard let list else { return Set(allCases) }
        var enabled: Set<ControllerName> = []
        var disabled: Set<ControllerName> = []
        var unknown: [String] = []
        for raw in list {
            let entry = raw.trimmedWhitespace
            if entry == "*" {
                enabled.formUnion(allCases)
            } else if entry.hasPrefix("-"), let name = ControllerName(rawValue: String(entry.dropFirst())) {
                disabled.insert(name)
            } else if let name = ControllerName(rawValue: entry) {
                enabled.insert(name)
            } else {
                unknown.append(raw)
            }
        }
        guard unknown.isEmpty else {
            throw .unknownControllers(unknown)
        }
        return enabled.subtracting(disabled)
    }
}

/// Why the controller manager cannot start or stopped.
public struct ControllerManagerError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }

    static func unknownControllers(_ names: [String]) -> ControllerManagerError {
        let quoted = names.map { "\"\($0)\"" }.joined(separator: ", ")
        let valid = ControllerName.allCases.map(\.rawValue).joined(separator: ", ")
        return ControllerManagerError("unknown controller\(names.count == 1 ? "" : "s") \(quoted) in `controllers`; "
            + "valid names are: \(valid) (\"*\" for all, \"-name\" to disable one)")
    }

    static func invalidConfig(_ message: String) -> ControllerManagerError {
        ControllerManagerError("invalid controllers config: \(message)")
    }

    /// Leadership was lost; like kube-controller-manager the process stops so it restarts clean.
    static let leadershipLost = ControllerManagerError("leader election lost")
}
