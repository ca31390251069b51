import FoundationEssentials
import KubeAPI

/// The disruption controller's status computation (upstream pkg/controller/disruption):
/// expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed, observedGeneration and the
/// `DisruptionAllowed` condition of a PodDisruptionBudget.
public enum DisruptionBudgetController {
    /// - Parameters:
    ///   - pdb: the PodDisruptionBudget.
    ///   - pods: pods of its namespace (the selector is applied here).
    ///   - controllers: the namespace's Deployments, ReplicaSets, StatefulSets and
    ///     ReplicationControllers, for the expected scale when a percentage or maxUnavailable is used.
    /// - Returns: a status update when something changed; with bad input or pods without a known
    ///   controller, a Warning event and a fail-safe status (no disruptions allowed).
    public static func sync(pdb: JSON, pods: [JSON], controllers: [JSON], now: Date) -> [ControllerAction] {
        guard !Meta.name(pdb).isEmpty, !Meta.isDeleting(pdb) else { return [] }
        do {
            let counts = try computeCounts(pdb: pdb, pods: pods, controllers: controllers)
            return statusUpdate(pdb, counts: counts, failure: nil, now: now)
        } catch {
            return [.warning(pdb, reason: error.reason, message: error.message)]
                + statusUpdate(pdb, counts: nil, failure: error.message, now: now)
        }
    }

    struct Counts: Equatable { var expected, desired, healthy: Int64 }

    struct Failure: Error { var reason: String; var message: String }

    static func computeCounts(pdb: JSON, pods: [JSON], controllers: [JSON]) throws(Failure) -> Counts {
        let selector: LabelSelector
        do { selector = try LabelSelector(labelSelectorJSON: pdb["spec"]["selector"]) } catch {
            throw Failure(reason: "InvalidSelector", message: "Invalid selector: \(error.message)")
        }
        let namespace = Meta.namespace(pdb)
        let selected = pods.filter { Meta.namespace($0) == namespace && selector.matches(Meta.labels($0)) }
        let healthy = Int64(selected.filter { !Meta.isDeleting($0) && PodState.isReady($0) }.count)
        let minAvailable = try IntOrPercent(pdb["spec"]["minAvailable"], field: "minAvailable")
        let maxUnavailable = try IntOrPercent(pdb["spec"]["maxUnavailable"], field: "maxUnavailable")
        var expected: Int64 = 0
        var desired: Int64 = 0
        if let maxUnavailable {
            expected = try expectedScale(selected, controllers: controllers)
            desired = max(0, expected - maxUnavailable.scaled(expected))
        } else if let minAvailable {
            if case .int(let n) = minAvailable {
                desired = n
                expected = Int64(selected.count)
            } else {
                expected = try expectedScale(selected, controllers: controllers)
                desired = minAvailable.scaled(expected)
            }
        }
        return Counts(expected: expected, desired: desired, healthy: healthy)
    }

    /// The sum of the scales of the pods' controllers (a ReplicaSet of a Deployment counts as the
    /// Deployment), as upstream's `getExpectedScale`.
    static func expectedScale(_ pods: [JSON], controllers: [JSON]) throws(Failure) -> Int64 {
        let byUID = Dictionary(controllers.map { (Meta.uid($0), $0) }, uniquingKeysWith: { a, _ in a })
        var scales: [String: Int64] = [:]
        for pod in pods {
            guard let ref = (pod["metadata"]["ownerReferences"].arrayValue ?? []).first(where: { $0["controller"].boolValue == true }),
                  var owner = byUID[ref["uid"].stringValue ?? ""] else {
                throw Failure(reason: "CalculateExpectedPodCountFailed",
                              message: "Failed to calculate the number of expected pods: found no controllers for pod \"\(Meta.name(pod))\"")
            }
            if owner["kind"].stringValue == "ReplicaSet",
               let parentRef = (owner["metadata"]["ownerReferences"].arrayValue ?? []).first(where: { $0["controller"].boolValue == true && $0["kind"].stringValue == "Deployment" }),
               let deployment = byUID[parentRef["uid"].stringValue ?? ""] {
                owner = deployment
            }
            scales[Meta.uid(owner)] = owner["spec"]["replicas"].intValue ?? 1
        }
        return scales.values.reduce(0, +)
    }

    static func statusUpdate(_ pdb: JSON, counts: Counts?, failure: String?, now: Date) -> [ControllerAction] {
        var status = pdb["status"]
        if status.isNull { status = [:] }
        let allowed: Int64
        if let counts {
            allowed = counts.expected <= 0 ? 0 : max(0, counts.healthy - counts.desired)
            status["expectedPods"] = .int(counts.expected)
            status["currentHealthy"] = .int(counts.healthy)
            status["desiredHealthy"] = .int(counts.desired)
        } else {
            allowed = 0
        }
        status["disruptionsAllowed"] = .int(allowed)
        if status["disruptedPods"].isNull, counts != nil { status["disruptedPods"] = [:] }
        if let generation = pdb["metadata"]["generation"].intValue { status["observedGeneration"] = .int(generation) }
        var conditions = status["conditions"].arrayValue ?? []
        let observed: JSONObject = pdb["metadata"]["generation"].intValue.map { ["observedGeneration": .int($0)] } ?? [:]
        if let failure {
            Conditions.set(&conditions, type: "DisruptionAllowed", status: "False", reason: "SyncFailed", message: failure, now: now, extra: observed)
        } else if allowed > 0 {
            Conditions.set(&conditions, type: "DisruptionAllowed", status: "True", reason: "SufficientPods", message: "", now: now, extra: observed)
        } else {
            Conditions.set(&conditions, type: "DisruptionAllowed", status: "False", reason: "InsufficientPods", message: "", now: now, extra: observed)
        }
        status["conditions"] = .array(conditions)
        guard !status.semanticallyEquals(pdb["status"]) else { return [] }
        var updated = pdb
        updated["status"] = status
        return [.updateStatus(.podDisruptionBudgets, namespace: Meta.namespace(pdb), object: updated)]
    }
}

/// An `intstr.IntOrString` count: a number or a percentage such as `"50%"`.
enum IntOrPercent: Equatable {
    case int(Int64)
    case percent(Int64)

    /// nil for an absent field; throws for anything else that is not a count or a percentage.
    init?(_ json: JSON, field: String) throws(DisruptionBudgetController.Failure) {
        switch json {
        case .null: return nil
        case .string(let s):
            if s.hasSuffix("%"), let p = Int64(s.dropLast()), p >= 0 { self = .percent(p); return }
            throw DisruptionBudgetController.Failure(reason: "InvalidPodDisruptionBudget",
                                                     message: "spec.\(field): invalid value \"\(s)\": a string value must be a percentage such as \"50%\"")
        default:
            guard let n = json.intValue, n >= 0 else {
                throw DisruptionBudgetController.Failure(reason: "InvalidPodDisruptionBudget",
                                                         message: "spec.\(field): must be a non-negative integer or a percentage, got \(json.typeName)")
            }
            self = .int(n)
        }
    }

    /// Upstream `GetScaledValueFromIntOrPercent(..., roundUp: true)`.
    func scaled(_ total: Int64) -> Int64 {
        switch self {
        case .int(let n): return n
        case .percent(let p): return (p * total + 99) / 100
        }
    }
}
