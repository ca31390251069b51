import Foundation
import KubeAPI
@testable import WorkloadControllers

/// An in-memory API for the set controllers' tests: applies actions as the apiserver would
/// (names from generateName, uids, creation times, phase Pending) and plays the kubelet.
struct SetsTestWorld {
    var objects: [ResourceType: [String: JSON]] = [:]
    var events: [EventRecord] = []
    var clock = Date(timeIntervalSince1970: 1_700_000_000)
    private var counter = 0

    func list(_ resource: ResourceType) -> [JSON] {
        (objects[resource] ?? [:]).values.sorted { SetsSupport.name($0) < SetsSupport.name($1) }
    }
    func get(_ resource: ResourceType, _ name: String) -> JSON? { objects[resource]?[name] }
    var podNames: [String] { list(.pods).map(SetsSupport.name) }

    mutating func add(_ resource: ResourceType, _ object: JSON) {
        var object = object
        counter += 1
        if object[path: ["metadata", "uid"]].isNull { object["metadata"]["uid"] = .string("uid-\(counter)") }
        if object[path: ["metadata", "namespace"]].isNull, resource.namespaced { object["metadata"]["namespace"] = "default" }
        if object[path: ["metadata", "creationTimestamp"]].isNull {
            object["metadata"]["creationTimestamp"] = .string(Timestamp.format(clock.addingTimeInterval(Double(counter))))
        }
        if resource == .pods, object[path: ["status", "phase"]].isNull { object["status"] = ["phase": "Pending"] }
        objects[resource, default: [:]][SetsSupport.name(object)] = object
    }

    /// Applies actions; returns how many were writes (not events or status updates).
    @discardableResult
    mutating func apply(_ actions: [ControllerAction]) -> Int {
        var writes = 0
        for action in actions {
            switch action {
            case .create(let resource, _, var object):
                if SetsSupport.name(object).isEmpty, let prefix = object[path: ["metadata", "generateName"]].stringValue {
                    object["metadata"]["name"] = .string("\(prefix)\(counter + 1)x")
                }
                add(resource, object)
                writes += 1
            case .update(let resource, _, let object):
                objects[resource, default: [:]][SetsSupport.name(object)] = object
                writes += 1
            case .updateStatus(let resource, _, let object):
                objects[resource, default: [:]][SetsSupport.name(object)] = object
            case .patch(let resource, _, let name, let patch, let patchType, _):
                // The controllers' metadata patches are merge patches pinned to a resourceVersion.
                if patchType == .merge, let current = objects[resource]?[name] {
                    objects[resource]?[name] = MergePatch.apply(patch, to: current)
                }
                writes += 1
            case .delete(let resource, _, let name, _):
                objects[resource]?[name] = nil
                writes += 1
            case .event(let event):
                events.append(event)
            }
        }
        return writes
    }

    /// The kubelet: binds pinned pods to their node and makes every pending pod Running and Ready.
    mutating func runPods(only names: Set<String>? = nil) {
        for (name, var pod) in objects[.pods] ?? [:] where names?.contains(name) ?? true {
            guard SetsSupport.phase(pod) == "Pending" else { continue }
            if let node = DaemonSetController.targetNode(of: pod) { pod["spec"]["nodeName"] = .string(node) }
            pod["status"] = [
                "phase": "Running",
                "conditions": [["type": "Ready", "status": "True",
                                "lastTransitionTime": .string(Timestamp.format(clock))]],
            ]
            objects[.pods]![name] = pod
        }
    }

    mutating func setPhase(_ name: String, _ phase: String) {
        objects[.pods]?[name]?["status"]["phase"] = .string(phase)
    }

    // MARK: Controllers

    mutating func reconcileStatefulSet(_ name: String) -> SetReconcileResult {
        let result = StatefulSetController.reconcile(
            set: get(.statefulSets, name)!, pods: list(.pods), claims: list(.persistentVolumeClaims),
            revisions: list(.controllerRevisions), now: clock)
        apply(result.actions)
        return result
    }

    mutating func reconcileDaemonSet(_ name: String) -> SetReconcileResult {
        let result = DaemonSetController.reconcile(
            daemonSet: get(.daemonSets, name)!, nodes: list(.nodes), pods: list(.pods),
            revisions: list(.controllerRevisions), now: clock)
        apply(result.actions)
        return result
    }

    /// Runs pending pods and reconciles until a reconcile writes nothing.
    mutating func converge(statefulSet name: String, steps: Int = 40) {
        for _ in 0..<steps {
            runPods()
            if reconcileStatefulSet(name).actions.filter(\.isWrite).isEmpty { return }
        }
    }

    mutating func converge(daemonSet name: String, steps: Int = 40) {
        for _ in 0..<steps {
            runPods()
            if reconcileDaemonSet(name).actions.filter(\.isWrite).isEmpty { return }
        }
    }

    /// Changes the set's template (as an apply would) and bumps its generation.
    mutating func edit(_ resource: ResourceType, _ name: String, _ change: (inout JSON) -> Void) {
        var object = get(resource, name)!
        change(&object)
        object["metadata"]["generation"] = .int((object[path: ["metadata", "generation"]].intValue ?? 1) + 1)
        objects[resource]![name] = object
    }
}

extension ControllerAction {
    var isWrite: Bool {
        switch self {
        case .event, .updateStatus: return false
        default: return true
        }
    }
    var createdObject: JSON? { if case .create(_, _, let object) = self { return object } else { return nil } }
    var deletedName: String? { if case .delete(_, _, let name, _) = self { return name } else { return nil } }
    var resource: ResourceType? {
        switch self {
        case .create(let r, _, _), .update(let r, _, _), .updateStatus(let r, _, _), .delete(let r, _, _, _): return r
        case .patch(let r, _, _, _, _, _): return r
        case .event: return nil
        }
    }
}

extension SetReconcileResult {
    func created(_ resource: ResourceType) -> [JSON] {
        actions.filter { $0.resource == resource }.compactMap(\.createdObject)
    }
    func deleted(_ resource: ResourceType) -> [String] {
        actions.filter { $0.resource == resource }.compactMap(\.deletedName)
    }
    var warnings: [EventRecord] {
        actions.compactMap { if case .event(let e) = $0, e.type == "Warning" { return e } else { return nil } }
    }
}

enum SetsFixtures {
    static func statefulSet(_ name: String = "web", replicas: Int64 = 3, image: String = "nginx:1",
                            extraSpec: JSONObject = [:]) -> JSON {
        var spec: JSONObject = [
            "replicas": .int(replicas),
            "serviceName": "nginx",
            "selector": ["matchLabels": ["app": .string(name)]],
            "template": [
                "metadata": ["labels": ["app": .string(name)]],
                "spec": ["containers": [["name": "c", "image": .string(image)]]],
            ],
        ]
        for (key, value) in extraSpec { spec[key] = value }
        return ["apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": ["name": .string(name), "namespace": "default", "uid": "set-uid", "generation": 1],
                "spec": .object(spec)]
    }

    static func daemonSet(_ name: String = "agent", image: String = "agent:1", extraSpec: JSONObject = [:],
                          templateSpec: JSONObject = [:]) -> JSON {
        var podSpec: JSONObject = ["containers": [["name": "c", "image": .string(image)]]]
        for (key, value) in templateSpec { podSpec[key] = value }
        var spec: JSONObject = [
            "selector": ["matchLabels": ["app": .string(name)]],
            "template": ["metadata": ["labels": ["app": .string(name)]], "spec": .object(podSpec)],
        ]
        for (key, value) in extraSpec { spec[key] = value }
        return ["apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": ["name": .string(name), "namespace": "default", "uid": "ds-uid", "generation": 1],
                "spec": .object(spec)]
    }

    static func node(_ name: String, labels: JSONObject = [:], taints: [JSON] = []) -> JSON {
        var node: JSON = ["apiVersion": "v1", "kind": "Node",
                          "metadata": ["name": .string(name), "labels": .object(labels)]]
        if !taints.isEmpty { node["spec"] = ["taints": .array(taints)] }
        return node
    }

    static func taint(_ key: String, _ effect: String, value: String? = nil) -> JSON {
        var taint: JSON = ["key": .string(key), "effect": .string(effect)]
        if let value { taint["value"] = .string(value) }
        return taint
    }
}
