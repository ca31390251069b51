import Foundation
import KubeAPI
@testable import WorkloadControllers

/// Builders of the API objects the misc controller tests feed in.
enum MiscFixture {
    static let t0 = Timestamp.parse("2024-05-01T10:00:00Z")!

    static func object(_ apiVersion: String, _ kind: String, _ name: String, namespace: String? = "default",
                       uid: String? = nil, owners: [JSON] = [], finalizers: [String] = [], deleting: Bool = false) -> JSON {
        var meta: JSONObject = ["name": .string(name), "uid": .string(uid ?? "uid-\(name)")]
        if let namespace { meta["namespace"] = .string(namespace) }
        if !owners.isEmpty { meta["ownerReferences"] = .array(owners) }
        if !finalizers.isEmpty { meta["finalizers"] = .array(finalizers.map(JSON.string)) }
        if deleting { meta["deletionTimestamp"] = "2024-05-01T10:00:00Z" }
        return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(meta)]
    }

    static func ownerRef(_ owner: JSON, block: Bool = false, controller: Bool = true) -> JSON {
        ["apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
         "uid": owner["metadata"]["uid"], "controller": .bool(controller), "blockOwnerDeletion": .bool(block)]
    }

    static func pod(_ name: String, namespace: String = "default", labels: [String: String] = ["app": "web"],
                    ip: String? = nil, ready: Bool = true, node: String? = "n1", deleting: Bool = false,
                    phase: String = "Running", ports: [JSON] = [], owners: [JSON] = [], tolerations: [JSON]? = nil) -> JSON {
        var pod = object("v1", "Pod", name, namespace: namespace, owners: owners, deleting: deleting)
        pod["metadata"]["labels"] = .stringMap(labels)
        pod["spec"] = ["containers": [["name": "c", "image": "busybox", "ports": .array(ports)]]]
        if let node { pod["spec"]["nodeName"] = .string(node) }
        if let tolerations { pod["spec"]["tolerations"] = .array(tolerations) }
        var status: JSONObject = ["phase": .string(phase),
                                  "conditions": [["type": "Ready", "status": ready ? "True" : "False",
                                                  "lastTransitionTime": "2024-05-01T09:00:00Z"]]]
        if let ip { status["podIP"] = .string(ip); status["podIPs"] = [["ip": .string(ip)]] }
        pod["status"] = .object(status)
        return pod
    }

    static func service(_ name: String = "web", selector: JSON = ["app": "web"], ports: [JSON] = [["name": "http", "port": 80, "targetPort": 8080]],
                        clusterIP: String = "10.43.0.10", publishNotReady: Bool = false) -> JSON {
        var svc = object("v1", "Service", name)
        svc["metadata"]["creationTimestamp"] = "2024-05-01T08:00:00Z"
        svc["spec"] = ["selector": selector, "ports": .array(ports), "clusterIP": .string(clusterIP),
                       "publishNotReadyAddresses": .bool(publishNotReady)]
        return svc
    }
}

extension ControllerAction {
    var miscIsDelete: Bool { if case .delete = self { return true } else { return false } }
    var miscDeletedName: String? { if case .delete(_, _, let name, _) = self { return name } else { return nil } }
    var miscWritten: JSON? {
        switch self {
        case .create(_, _, let o), .update(_, _, let o), .updateStatus(_, _, let o): return o
        default: return nil
        }
    }
    var miscEventReason: String? { if case .event(let e) = self { return e.reason } else { return nil } }
    var miscKindName: String {
        switch self {
        case .create: return "create"
        case .update: return "update"
        case .updateStatus: return "updateStatus"
        case .patch: return "patch"
        case .delete: return "delete"
        case .event: return "event"
        }
    }
}
