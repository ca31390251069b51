import FoundationEssentials
import KubeAPI

/// The Deployment fields the controller reads, with apps/v1 defaults applied for fields an
/// un-defaulted object may lack (replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600).
struct DeploymentSpecView {
    let object: JSON

    var name: String { WorkloadMeta.name(object) }
    var generation: Int64 { WorkloadMeta.generation(object) }
    var replicas: Int { Int(object[path: ["spec", "replicas"]].intValue ?? 1) }
    var minReadySeconds: Int64 { object[path: ["spec", "minReadySeconds"]].intValue ?? 0 }
    var paused: Bool { object[path: ["spec", "paused"]].boolValue ?? false }
    var revisionHistoryLimit: Int { Int(object[path: ["spec", "revisionHistoryLimit"]].intValue ?? 10) }
    var template: JSON { object[path: ["spec", "template"]] }
    var isRecreate: Bool { object[path: ["spec", "strategy", "type"]].stringValue == "Recreate" }
    var isRollingUpdate: Bool { !isRecreate }
    var collisionCount: Int64? { object[path: ["status", "collisionCount"]].intValue }

    /// `nil` when there is no deadline (explicitly MaxInt32, upstream's "no deadline" value).
    var progressDeadlineSeconds: Int64? {
        let value = object[path: ["spec", "progressDeadlineSeconds"]].intValue ?? 600
        return value == Int64(Int32.max) ? nil : value
    }

    var maxSurgeValue: JSON {
        let value = object[path: ["spec", "strategy", "rollingUpdate", "maxSurge"]]
        return value.isNull ? "25%" : value
    }

    var maxUnavailableValue: JSON {
        let value = object[path: ["spec", "strategy", "rollingUpdate", "maxUnavailable"]]
        return value.isNull ? "25%" : value
    }

    /// Upstream `ResolveFenceposts`: maxSurge rounds up, maxUnavailable rounds down, and both
    /// zero means maxUnavailable 1 (otherwise a rollout could never progress).
    func fenceposts() -> Result<(surge: Int, unavailable: Int), FencepostError> {
        guard let surge = Self.scaledValue(maxSurgeValue, total: replicas, roundUp: true) else {
            return .failure(FencepostError(message: "invalid spec.strategy.rollingUpdate.maxSurge \(maxSurgeValue.jsonString)"))
        }
        guard let unavailable = Self.scaledValue(maxUnavailableValue, total: replicas, roundUp: false) else {
            return .failure(FencepostError(
                message: "invalid spec.strategy.rollingUpdate.maxUnavailable \(maxUnavailableValue.jsonString)"))
        }
        if surge == 0 && unavailable == 0 { return .success((0, 1)) }
        return .success((surge, unavailable))
    }

    /// Upstream `MaxSurge`: 0 for Recreate or bad values.
    var maxSurge: Int {
        guard isRollingUpdate, case .success(let values) = fenceposts() else { return 0 }
        return values.surge
    }

    /// Upstream `MaxUnavailable`: 0 for Recreate or no replicas, capped at `replicas`.
    var maxUnavailable: Int {
        guard isRollingUpdate, replicas > 0, case .success(let values) = fenceposts() else { return 0 }
        return min(values.unavailable, replicas)
    }

    /// Upstream `GetScaledValueFromIntOrPercent`: an int, or "N%" of `total` rounded up or down;
    /// nil for anything else (plain numeric strings are refused like upstream).
    static func scaledValue(_ value: JSON, total: Int, roundUp: Bool) -> Int? {
        if let int = value.intValue { return int >= 0 ? Int(int) : nil }
        guard let text = value.stringValue, text.hasSuffix("%"), let percent = Int(text.dropLast()), percent >= 0 else {
            return nil
        }
        let scaled = Double(percent) * Double(total) / 100
        return Int(roundUp ? scaled.rounded(.up) : scaled.rounded(.down))
    }
}

struct FencepostError: Error {
    var message: String
}

/// ReplicaSet fields the Deployment controller reads.
enum ReplicaSetView {
    static func specReplicas(_ rs: JSON) -> Int { Int(rs[path: ["spec", "replicas"]].intValue ?? 1) }
    static func statusReplicas(_ rs: JSON) -> Int { Int(rs[path: ["status", "replicas"]].intValue ?? 0) }
    static func readyReplicas(_ rs: JSON) -> Int { Int(rs[path: ["status", "readyReplicas"]].intValue ?? 0) }
    static func availableReplicas(_ rs: JSON) -> Int { Int(rs[path: ["status", "availableReplicas"]].intValue ?? 0) }
    static func observedGeneration(_ rs: JSON) -> Int64 { rs[path: ["status", "observedGeneration"]].intValue ?? 0 }

    static func revision(_ rs: JSON) -> Int64? {
        WorkloadMeta.annotations(rs)[DeploymentController.revisionAnnotation].flatMap { Int64($0) }
    }

    static func intAnnotation(_ rs: JSON, _ key: String) -> Int? {
        WorkloadMeta.annotations(rs)[key].flatMap { Int($0) }
    }

    /// Upstream `FilterActiveReplicaSets`: ReplicaSets asking for pods.
    static func active(_ list: [JSON]) -> [JSON] { list.filter { specReplicas($0) > 0 } }
}
