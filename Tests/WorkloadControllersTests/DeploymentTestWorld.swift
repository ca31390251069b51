import Foundation
import KubeAPI
@testable import WorkloadControllers

let testEpoch = Date(timeIntervalSince1970: 1_700_000_000)

/// A pod fixture: phase, readiness (with the time it became ready), node and owner.
func makePod(_ name: String, labels: [String: String] = ["app": "web"], owner: JSON? = nil, phase: String = "Running",
             ready: Bool = true, readySince: Date = testEpoch, node: String? = "node-1", created: Date = testEpoch,
             namespace: String = "default", restarts: Int64 = 0, deleting: Bool = false) -> JSON {
    var metadata: JSONObject = [
        "name": .string(name), "namespace": .string(namespace), "uid": .string("uid-\(name)"),
        "creationTimestamp": .string(Timestamp.format(created)),
        "labels": .object(JSONObject(uniqueKeysWithValues: labels.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })),
    ]
    if let owner {
        metadata["ownerReferences"] = [OwnerReferenceSupport.makeControllerRef(
            owner: owner, apiVersion: "apps/v1", kind: owner["kind"].stringValue ?? "ReplicaSet")]
    }
    if deleting { metadata["deletionTimestamp"] = .string(Timestamp.format(created)) }
    var spec: JSONObject = ["containers": [["name": "c", "image": "busybox"]]]
    if let node { spec["nodeName"] = .string(node) }
    let readyCondition: JSON = ["type": "Ready", "status": ready ? "True" : "False",
                                "lastTransitionTime": .string(Timestamp.format(readySince))]
    return [
        "apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": .object(spec),
        "status": ["phase": .string(phase), "conditions": [readyCondition],
                   "containerStatuses": [["name": "c", "restartCount": .int(restarts)]]],
    ]
}

func makeReplicaSet(_ name: String, replicas: Int64, labels: [String: String] = ["app": "web"],
                    minReadySeconds: Int64 = 0, generation: Int64 = 1, status: JSON = .null) -> JSON {
    let labelJSON = JSON.object(JSONObject(uniqueKeysWithValues: labels.sorted { $0.key < $1.key }
        .map { ($0.key, JSON.string($0.value)) }))
    return [
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)"),
                     "labels": labelJSON, "generation": .int(generation), "creationTimestamp": .string(Timestamp.format(testEpoch))],
        "spec": [
            "replicas": .int(replicas), "minReadySeconds": .int(minReadySeconds),
            "selector": ["matchLabels": labelJSON],
            "template": ["metadata": ["labels": labelJSON],
                         "spec": ["containers": [["name": "c", "image": "busybox"]]]],
        ],
        "status": status,
    ]
}

func makeDeployment(_ name: String = "web", replicas: Int64 = 3, image: String = "nginx:1",
                    strategy: JSON = .null, extraSpec: JSONObject = [:]) -> JSON {
    var spec: JSONObject = [
        "replicas": .int(replicas),
        "selector": ["matchLabels": ["app": .string(name)]],
        "template": ["metadata": ["labels": ["app": .string(name)]],
                     "spec": ["containers": [["name": "c", "image": .string(image)]]]],
    ]
    if !strategy.isNull { spec["strategy"] = strategy }
    for (key, value) in extraSpec { spec[key] = value }
    return [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)"),
                     "generation": 1, "creationTimestamp": .string(Timestamp.format(testEpoch))],
        "spec": .object(spec),
    ]
}

func rollingStrategy(surge: JSON, unavailable: JSON) -> JSON {
    ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": surge, "maxUnavailable": unavailable]]
}

/// An in-memory API server plus kubelet: applies controller actions, stamps uids, creation times
/// and generations, and can mark pods ready. Good enough to drive full rollouts deterministically.
struct DeploymentTestWorld {
    var now = testEpoch
    var deployment: JSON
    var replicaSets: [String: JSON] = [:]
    var pods: [String: JSON] = [:]
    var expectations: [String: ReplicaExpectations] = [:]
    var events: [EventRecord] = []
    var serial = 0
    /// Pods become ready this long after creation (nil: never).
    var readyAfter: TimeInterval? = 1

    init(deployment: JSON) { self.deployment = deployment }

    var podList: [JSON] { pods.keys.sorted().map { pods[$0]! } }
    var replicaSetList: [JSON] { replicaSets.keys.sorted().map { replicaSets[$0]! } }

    mutating func nextSuffix() -> String {
        serial += 1
        return String(format: "p%04d", serial)
    }

    mutating func apply(_ actions: [ControllerAction]) {
        for action in actions {
            switch action {
            case .create(let type, _, var object):
                serial += 1
                let name = WorkloadMeta.name(object)
                object["metadata"]["uid"] = .string("uid-\(name)")
                object["metadata"]["creationTimestamp"] = .string(Timestamp.format(now.addingTimeInterval(Double(serial) / 1000)))
                object["metadata"]["generation"] = 1
                if type == .pods {
                    object["status"] = ["phase": "Pending", "conditions": [["type": "Ready", "status": "False"]]]
                    object["spec"]["nodeName"] = "node-1"
                    object["metadata"]["annotations"]["test/created"] = .string(Timestamp.format(now))
                    if pods[name] == nil { pods[name] = object }
                } else if replicaSets[name] == nil {
                    replicaSets[name] = object
                }
            case .update(let type, _, var object):
                let name = WorkloadMeta.name(object)
                if type == .replicaSets, let old = replicaSets[name] {
                    object["status"] = old["status"]
                    if !object["spec"].semanticallyEquals(old["spec"]) {
                        object["metadata"]["generation"] = .int(WorkloadMeta.generation(old) + 1)
                    }
                    replicaSets[name] = object
                }
            case .updateStatus(let type, _, let object):
                let name = WorkloadMeta.name(object)
                if type == .replicaSets, replicaSets[name] != nil { replicaSets[name]!["status"] = object["status"] }
                if type == .deployments { deployment["status"] = object["status"] }
            case .patch(let type, _, let name, let patch, _, _):
                if type == .deployments {
                    for (key, value) in patch[path: ["metadata", "annotations"]].objectValue ?? [:] {
                        deployment["metadata"]["annotations"][key] = value
                    }
                } else if type == .pods, var pod = pods[name] {
                    applyOwnerPatch(&pod, patch)
                    pods[name] = pod
                } else if type == .replicaSets, var rs = replicaSets[name] {
                    applyOwnerPatch(&rs, patch)
                    replicaSets[name] = rs
                }
            case .delete(let type, _, let name, _):
                if type == .pods { pods[name] = nil } else { replicaSets[name] = nil }
            case .event(let event):
                events.append(event)
            }
        }
    }

    func applyOwnerPatch(_ object: inout JSON, _ patch: JSON) {
        guard let refs = patch[path: ["metadata", "ownerReferences"]].arrayValue else { return }
        var current = object[path: ["metadata", "ownerReferences"]].arrayValue ?? []
        for ref in refs {
            current.removeAll { $0["uid"] == ref["uid"] }
            if ref["$patch"].stringValue != "delete" { current.append(ref) }
        }
        object["metadata"]["ownerReferences"] = .array(current)
    }

    /// The kubelet: pods become Running and Ready `readyAfter` seconds after creation.
    mutating func runKubelet() {
        guard let readyAfter else { return }
        for (name, pod) in pods {
            guard let created = pod[path: ["metadata", "annotations", "test/created"]].stringValue.flatMap(Timestamp.parse),
                  created.addingTimeInterval(readyAfter) <= now, !PodReadiness.isReady(pod) else { continue }
            pods[name]!["status"] = ["phase": "Running",
                                     "conditions": [["type": "Ready", "status": "True",
                                                     "lastTransitionTime": .string(Timestamp.format(now))]]]
        }
    }

    mutating func runReplicaSets() {
        for rs in replicaSetList {
            let name = WorkloadMeta.name(rs)
            var serialCopy = serial
            let result = ReplicaSetController.reconcile(
                replicaSet: rs, pods: podList, expectations: expectations[name] ?? .init(), now: now,
                podNameSuffix: { serialCopy += 1; return String(format: "p%04d", serialCopy) })
            serial = serialCopy
            expectations[name] = result.expectations
            apply(result.actions)
        }
    }

    @discardableResult
    mutating func runDeployment() -> DeploymentController.ReconcileResult {
        let result = DeploymentController.reconcile(deployment: deployment, replicaSets: replicaSetList, pods: podList,
                                                    now: now)
        apply(result.actions)
        return result
    }

    /// Changes the Deployment's spec like an apiserver update (generation bump).
    mutating func editSpec(_ change: (inout JSON) -> Void) {
        var spec = deployment["spec"]
        change(&spec)
        deployment["spec"] = spec
        deployment["metadata"]["generation"] = .int(WorkloadMeta.generation(deployment) + 1)
    }

    /// `kubectl rollout status`'s completion test.
    var rolloutComplete: Bool {
        let status = deployment["status"], replicas = deployment[path: ["spec", "replicas"]].intValue ?? 1
        func v(_ key: String) -> Int64 { status[key].intValue ?? 0 }
        return WorkloadMeta.generation(deployment) <= v("observedGeneration") && v("updatedReplicas") >= replicas
            && v("replicas") == v("updatedReplicas") && v("availableReplicas") >= v("updatedReplicas")
    }

    var readyPodCount: Int { pods.values.filter(PodReadiness.isReady).count }

    func replicaSet(forImage image: String) -> JSON? {
        replicaSetList.first { $0[path: ["spec", "template", "spec", "containers"]][0]["image"].stringValue == image }
    }

    /// One round: controllers, then kubelet, then ReplicaSet status refresh, then the clock.
    mutating func step() {
        runDeployment()
        runReplicaSets()
        now = now.addingTimeInterval(1)
        runKubelet()
        runReplicaSets()
    }
}

/// Sets the single container's image in a Deployment spec.
func setImage(_ spec: inout JSON, _ image: JSON) {
    spec["template"]["spec"]["containers"] = [["name": "c", "image": image]]
}
